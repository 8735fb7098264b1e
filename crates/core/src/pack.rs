//! The scorer's packed form: how the server hands a profile's [`Scorer`] to the browser.
//!
//! A [`Packed`] scorer is two flat lists: its strings (the model version, the names of its
//! fixed-text fields and the words of its window features) and its numbers (window features are
//! numbers too, [`FeatureId`]), both in the order of one walk
//! through the scorer ([`Pack::walk`]); a `Vec`, a map or an `Option` is its length (0 or 1 for an
//! option) followed by its items. As JSON it is `{"names": [...], "nums": [...]}`.
//!
//! Why not JSON with names: reading named, nested JSON in the collector (a JavaScript object
//! walked into a value tree, then every record read field by field with the path kept for errors)
//! was 4.9 KB of the collector's gzipped WebAssembly; reading the two flat lists was 3.1 KB (each
//! measured by taking it out of the build); the scorer's flatter records read in 2.8 KB.
//!
//! Reading and writing are the same walk ([`Pack::walk`] takes `&mut self` and a [`Codec`] that
//! either reads into the fields or writes them out), so the two cannot drift apart;
//! `tests/records.rs` checks the round trip on generated scorers. A packed scorer that does not
//! read is refused with the place it went wrong (`nums[17]: expected a positive number`).

use crate::math;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::event::PointerKind;
use crate::features::FeatureId;
use crate::map::SortedMap;
use crate::score::MODEL_VERSION;
use crate::scorer::{FeatureNorm, FixedScorer, Norm, Scorer, WindowScorer};
use crate::text::{cat, uint};

/// A profile as two flat lists (see the module docs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packed {
    /// Every string, in walk order.
    pub names: Vec<String>,
    /// Every number, in walk order.
    pub nums: Vec<f64>,
}

/// Largest integer a JSON number (an IEEE double) holds exactly.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

/// One direction of the walk: reading fields from a [`Packed`] or writing them to one.
pub trait Codec {
    /// A number.
    fn num(&mut self, x: &mut f64);
    /// A number above 0 (a spread, a scale: what scoring divides by).
    fn positive(&mut self, x: &mut f64);
    /// A whole number from 0 to `max`.
    fn int(&mut self, x: &mut u64, max: u64);
    /// A string.
    fn name(&mut self, s: &mut String);
    /// Reading: the most items a sequence can still have (each holds at least one number), so
    /// that a forged length cannot make the reader allocate more than the input.
    fn left(&self) -> u64;
    /// Reading: refuses the input unless `ok`.
    fn require(&mut self, ok: bool, why: &'static str);
}

/// A value that walks its fields in one fixed order.
pub trait Pack {
    /// Reads (or writes) every field through `c`.
    fn walk<C: Codec>(&mut self, c: &mut C);
}

impl Pack for f64 {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        c.num(self);
    }
}

impl Pack for u64 {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        c.int(self, MAX_SAFE_INTEGER);
    }
}

impl Pack for u32 {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        let mut n = u64::from(*self);
        c.int(&mut n, u64::from(u32::MAX));
        *self = n as u32;
    }
}

impl Pack for String {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        c.name(self);
    }
}

impl Pack for FeatureId {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        self.0.walk(c);
    }
}

impl Pack for PointerKind {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        let mut i = PointerKind::ALL.iter().position(|k| k == self).unwrap_or(0) as u64;
        c.int(&mut i, PointerKind::ALL.len() as u64 - 1);
        *self = PointerKind::ALL[i as usize];
    }
}

impl<T: Pack + Default> Pack for Vec<T> {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        let mut n = self.len() as u64;
        c.int(&mut n, c.left());
        self.resize_with(n as usize, T::default);
        for x in self.iter_mut() {
            x.walk(c);
        }
    }
}

impl<T: Pack + Default> Pack for Option<T> {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        let mut some = u64::from(self.is_some());
        c.int(&mut some, 1);
        if some == 1 {
            self.get_or_insert_with(T::default).walk(c);
        } else {
            *self = None;
        }
    }
}

impl<A: Pack, B: Pack> Pack for (A, B) {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        self.0.walk(c);
        self.1.walk(c);
    }
}

impl<K: Pack + Default + Ord, V: Pack + Default> Pack for SortedMap<K, V> {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        let entries = self.entries_mut();
        entries.walk(c);
        // What the map itself keeps: keys in strictly increasing order.
        c.require(
            entries.windows(2).all(|w| w[0].0 < w[1].0),
            "map keys out of order",
        );
    }
}

/// Packs the listed fields of a struct, in that order.
macro_rules! fields {
    ($($t:ty: $($f:ident),+;)*) => {$(
        impl Pack for $t {
            fn walk<C: Codec>(&mut self, c: &mut C) {
                $(self.$f.walk(c);)+
            }
        }
    )*};
}

fields! {
    WindowScorer: calibration, features;
    Scorer: model_version, fixed, keys, pointer;
}

impl Pack for FeatureNorm {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        self.mean.walk(c);
        c.positive(&mut self.sd);
        self.dof.walk(c);
        self.events.walk(c);
    }
}

impl Pack for FixedScorer {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        c.positive(&mut self.tau_ms);
        c.positive(&mut self.cap);
        self.calibration.walk(c);
        self.timings.walk(c);
    }
}

impl Pack for Norm {
    fn walk<C: Codec>(&mut self, c: &mut C) {
        self.mean.walk(c);
        c.positive(&mut self.sd);
    }
}

/// Writes a walk into a [`Packed`].
struct Writer(Packed);

impl Codec for Writer {
    fn num(&mut self, x: &mut f64) {
        self.0.nums.push(*x);
    }
    fn positive(&mut self, x: &mut f64) {
        self.num(x);
    }
    fn int(&mut self, x: &mut u64, _max: u64) {
        self.0.nums.push(*x as f64);
    }
    fn name(&mut self, s: &mut String) {
        self.0.names.push(s.clone());
    }
    fn left(&self) -> u64 {
        u64::MAX
    }
    fn require(&mut self, _ok: bool, _why: &'static str) {}
}

/// Reads a walk from the two lists. Its reads never fail: the first mismatch is kept, with its
/// place, and reading goes on with stand-ins (zero, an empty string, empty sequences), so every
/// record reads as one straight sequence of field reads.
struct Reader<'a> {
    names: &'a [String],
    nums: &'a [f64],
    /// The next name and number.
    at_name: usize,
    at_num: usize,
    err: Option<String>,
}

impl Reader<'_> {
    fn fail(&mut self, list: &str, at: usize, why: &str) {
        if self.err.is_none() {
            self.err = Some(cat(&[list, "[", &uint(at as u64), "]: ", why]));
        }
    }

    fn next_num(&mut self) -> Option<f64> {
        let at = self.at_num;
        let x = *self.nums.get(at).filter(|_| self.err.is_none())?;
        self.at_num += 1;
        Some(x)
    }
}

impl Reader<'_> {
    /// The next number if `ok` holds for it; else refuses the input, saying `why`.
    fn checked(&mut self, ok: fn(f64) -> bool, why: &str) -> f64 {
        let at = self.at_num;
        match self.next_num() {
            Some(n) if ok(n) => n,
            found => {
                self.fail("nums", at, if found.is_some() { why } else { "missing" });
                0.0
            }
        }
    }
}

impl Codec for Reader<'_> {
    fn num(&mut self, x: &mut f64) {
        *x = self.checked(f64::is_finite, "expected a finite number");
    }

    fn positive(&mut self, x: &mut f64) {
        // `> 0` and finite: NaN fails both.
        *x = self.checked(|n| n > 0.0 && n.is_finite(), "expected a positive number");
    }

    fn int(&mut self, x: &mut u64, max: u64) {
        let at = self.at_num;
        *x = match self.next_num() {
            Some(n) if math::fract(n) == 0.0 && n >= 0.0 && n <= max as f64 => n as u64,
            Some(_) => {
                let why = cat(&["expected a whole number from 0 to ", &uint(max)]);
                self.fail("nums", at, &why);
                0
            }
            None => {
                self.fail("nums", at, "missing");
                0
            }
        };
    }

    fn name(&mut self, s: &mut String) {
        match self.names.get(self.at_name).filter(|_| self.err.is_none()) {
            Some(n) => {
                s.clone_from(n);
                self.at_name += 1;
            }
            None => self.fail("names", self.at_name, "missing"),
        }
    }

    fn left(&self) -> u64 {
        (self.nums.len() - self.at_num) as u64
    }

    fn require(&mut self, ok: bool, why: &'static str) {
        if !ok {
            self.fail("nums", self.at_num, why);
        }
    }
}

impl Scorer {
    /// The packed form the browser loads (`collector.setProfile`).
    pub fn pack(&self) -> Packed {
        let mut w = Writer(Packed::default());
        self.clone().walk(&mut w);
        w.0
    }

    /// Reads a packed scorer; anything left over is refused too, and so is a scorer made by
    /// another scoring model than this build's ([`MODEL_VERSION`]): its numbers mean other
    /// things.
    pub fn unpack(names: &[String], nums: &[f64]) -> Result<Scorer, Error> {
        let mut r = Reader {
            names,
            nums,
            at_name: 0,
            at_num: 0,
            err: None,
        };
        let mut p = Scorer::default();
        p.walk(&mut r);
        if r.at_num < nums.len() {
            r.fail("nums", r.at_num, "left over after the profile");
        }
        if r.at_name < names.len() {
            r.fail("names", r.at_name, "left over after the profile");
        }
        if p.model_version != MODEL_VERSION {
            let why = cat(&[
                "made by scoring model ",
                &p.model_version,
                ", not ",
                MODEL_VERSION,
            ]);
            r.fail("names", 0, &why);
        }
        match r.err {
            None => Ok(p),
            Some(why) => Err(Error::InvalidRecord(why)),
        }
    }
}
