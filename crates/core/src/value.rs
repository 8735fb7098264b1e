//! JSON-shaped values without serde, for the browser: how the collector reads the profile the
//! server hands out (records go the other way through [`crate::json`]).
//!
//! The server and the evaluation read JSON through serde. The collector cannot afford to: serde's
//! generic deserialisers and the float printing their error paths pull in were more than half of
//! the WebAssembly (measured with twiggy: about 58 KB of 215 KB). So the collector turns the
//! JavaScript object into a [`Value`] tree with one small recursive function, and the records are
//! read from it by hand here; numbers stay `f64` all the way.
//!
//! The reading must accept exactly what serde writes: `tests/value.rs` checks every profile
//! serde writes on generated data. Reading goes through a [`Reader`] whose getters never fail
//! (the first mismatch is kept, with its place), so each record's reader is one straight
//! sequence of field reads.

#[cfg(not(feature = "std"))]
use crate::math::F64Math;
use crate::prelude::*;

use crate::detect::{Rung, TelltaleFixedModel, TelltaleFixedParams, WindowModel, WindowParams};
use crate::error::Error;
use crate::event::PointerKind;
use crate::features::stats::Running;
use crate::map::SortedMap;
use crate::profile::{FixedProfile, Profile, ProfileParams, WindowProfile};
use crate::score::Calibration;

/// A JSON value. Object fields keep their order.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null` (also what `undefined` reads as).
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Every number.
    Num(f64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Value>),
    /// An object, fields in order.
    Obj(Vec<(FieldName, Value)>),
}

/// An object's key.
pub type FieldName = String;

/// Largest integer a JSON number (an IEEE double) holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Records read from a [`Value`] with serde's rules: unknown fields are errors, a missing or
/// `null` optional field is `None`.
pub trait FromValue: Sized {
    /// Reads one; a mismatch is recorded in `r` (the first one wins) and a stand-in returned.
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self;

    /// Reads one; `what` names it in errors ("profile").
    fn from_value(v: &Value, what: &str) -> Result<Self, Error> {
        let mut r = Reader {
            path: vec![Seg::Field(what)],
            err: None,
        };
        let out = Self::read(&mut r, v);
        match r.err {
            None => Ok(out),
            Some(why) => Err(Error::InvalidRecord(why)),
        }
    }
}

/// One step of the path to a value (`profile.fixed.login.model.rungs[0]`).
enum Seg<'a> {
    Field(&'a str),
    Index(usize),
}

/// The reading of one record. Its getters never fail: the first mismatch is kept, with the path
/// to it, and reading goes on with stand-ins, so a record reads as one straight sequence with
/// one error path instead of an early return (and partial clean-up) after every field. That is
/// what keeps the collector's profile reader small in WebAssembly.
pub struct Reader<'a> {
    path: Vec<Seg<'a>>,
    err: Option<String>,
}

/// What a missing field reads as.
const NULL: &Value = &Value::Null;

impl<'a> Reader<'a> {
    /// Records `{path}: {message}` unless an earlier mismatch was recorded.
    fn fail(&mut self, message: &[&str]) {
        if self.err.is_some() {
            return;
        }
        let mut out = String::new();
        for (i, seg) in self.path.iter().enumerate() {
            match seg {
                Seg::Field(name) => {
                    if i > 0 {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Seg::Index(n) => {
                    out.push('[');
                    crate::text::push_uint(&mut out, *n as u64);
                    out.push(']');
                }
            }
        }
        out.push_str(": ");
        message.iter().for_each(|m| out.push_str(m));
        self.err = Some(out);
    }

    fn expected(&mut self, what: &str) {
        self.fail(&["expected ", what]);
    }

    /// The fields of an object that may have only the `known` ones (serde's
    /// `deny_unknown_fields`).
    fn fields(&mut self, v: &'a Value, known: &[&str]) -> &'a [(FieldName, Value)] {
        let Value::Obj(fields) = v else {
            self.expected("an object");
            return &[];
        };
        if let Some((k, _)) = fields.iter().find(|(k, _)| !known.contains(&k.as_ref())) {
            self.fail(&["unknown field `", k, "`"]);
        }
        fields
    }

    /// Field `key` of `fields` (a missing one reads as `null`).
    fn get<T: FromValue>(&mut self, fields: &'a [(FieldName, Value)], key: &'a str) -> T {
        let v = self.enter_field(fields, key);
        self.read_then_leave(v)
    }

    fn at<T: FromValue>(&mut self, seg: Seg<'a>, v: &'a Value) -> T {
        self.enter(seg);
        self.read_then_leave(v)
    }

    fn read_then_leave<T: FromValue>(&mut self, v: &'a Value) -> T {
        let out = T::read(self, v);
        self.path.pop();
        out
    }

    // Entering a place is kept out of line: inlined into every field read of every record (as
    // it was), it cost 0.6 KB gzipped of the collector's WebAssembly (measured).
    #[inline(never)]
    fn enter(&mut self, seg: Seg<'a>) {
        self.path.push(seg);
    }

    #[inline(never)]
    fn enter_field(&mut self, fields: &'a [(FieldName, Value)], key: &'a str) -> &'a Value {
        self.path.push(Seg::Field(key));
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map_or(NULL, |(_, v)| v)
    }
}

impl FromValue for f64 {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        match v {
            Value::Num(n) => *n,
            _ => {
                r.expected("a number");
                0.0
            }
        }
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
                match v {
                    Value::Num(n)
                        if n.fract() == 0.0 && *n >= 0.0 && *n <= (<$t>::MAX as f64).min(MAX_SAFE_INTEGER) =>
                    {
                        *n as $t
                    }
                    _ => {
                        r.expected("a non-negative integer");
                        0
                    }
                }
            }
        }
    )*};
}
unsigned!(u32, u64);

impl FromValue for String {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        match v {
            Value::Str(s) => s.clone(),
            _ => {
                r.expected("a string");
                String::new()
            }
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        match v {
            Value::Null => None,
            v => Some(T::read(r, v)),
        }
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let Value::Arr(items) = v else {
            r.expected("an array");
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, x)| r.at(Seg::Index(i), x))
            .collect()
    }
}

/// Map keys: strings in JSON.
trait Key: Sized + Ord {
    fn parse(s: &str) -> Option<Self>;
}

impl Key for String {
    fn parse(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
}

impl Key for PointerKind {
    fn parse(s: &str) -> Option<Self> {
        PointerKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

impl<K: Key, T: FromValue> FromValue for SortedMap<K, T> {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let mut out = SortedMap::new();
        let Value::Obj(fields) = v else {
            r.expected("an object");
            return out;
        };
        for (k, x) in fields {
            match K::parse(k) {
                Some(key) => {
                    out.insert(key, r.at(Seg::Field(k), x));
                }
                None => r.fail(&["unknown key `", k, "`"]),
            }
        }
        out
    }
}

// ---- Profile (in) ---------------------------------------------------------------------------

impl FromValue for Running {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["n", "w", "mean", "m2"]);
        Running {
            n: r.get(f, "n"),
            w: r.get(f, "w"),
            mean: r.get(f, "mean"),
            m2: r.get(f, "m2"),
        }
    }
}

impl FromValue for Calibration {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["log_scores"]);
        Calibration {
            log_scores: r.get(f, "log_scores"),
        }
    }
}

impl FromValue for TelltaleFixedParams {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(
            v,
            &[
                "tau_ms",
                "min_half_life",
                "max_half_life",
                "cap",
                "clip",
                "warmup",
            ],
        );
        TelltaleFixedParams {
            tau_ms: r.get(f, "tau_ms"),
            min_half_life: r.get(f, "min_half_life"),
            max_half_life: r.get(f, "max_half_life"),
            cap: r.get(f, "cap"),
            clip: r.get(f, "clip"),
            warmup: r.get(f, "warmup"),
        }
    }
}

impl FromValue for WindowParams {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["half_life", "clip", "min_windows"]);
        WindowParams {
            half_life: r.get(f, "half_life"),
            clip: r.get(f, "clip"),
            min_windows: r.get(f, "min_windows"),
        }
    }
}

impl FromValue for ProfileParams {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["enroll_fixed", "enroll_windows", "fixed", "window"]);
        ProfileParams {
            enroll_fixed: r.get(f, "enroll_fixed"),
            enroll_windows: r.get(f, "enroll_windows"),
            fixed: r.get(f, "fixed"),
            window: r.get(f, "window"),
        }
    }
}

impl FromValue for Rung {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["half_life", "stats", "prequential"]);
        Rung {
            half_life: r.get(f, "half_life"),
            stats: r.get(f, "stats"),
            prequential: r.get(f, "prequential"),
        }
    }
}

impl FromValue for TelltaleFixedModel {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["params", "rungs"]);
        TelltaleFixedModel {
            params: r.get(f, "params"),
            rungs: r.get(f, "rungs"),
        }
    }
}

impl FromValue for WindowModel {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["params", "windows", "features"]);
        WindowModel {
            params: r.get(f, "params"),
            windows: r.get(f, "windows"),
            features: r.get(f, "features"),
        }
    }
}

impl FromValue for FixedProfile {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["model", "calibration"]);
        FixedProfile {
            model: r.get(f, "model"),
            calibration: r.get(f, "calibration"),
        }
    }
}

impl FromValue for WindowProfile {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["model", "calibration"]);
        WindowProfile {
            model: r.get(f, "model"),
            calibration: r.get(f, "calibration"),
        }
    }
}

impl FromValue for Profile {
    fn read<'a>(r: &mut Reader<'a>, v: &'a Value) -> Self {
        let f = r.fields(v, &["model_version", "params", "fixed", "keys", "pointer"]);
        Profile {
            model_version: r.get(f, "model_version"),
            params: r.get(f, "params"),
            fixed: r.get(f, "fixed"),
            keys: r.get(f, "keys"),
            pointer: r.get(f, "pointer"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_wrong_types_are_named() {
        let v = Value::Obj(vec![
            ("n".into(), Value::Num(1.0)),
            ("w".into(), Value::Num(1.0)),
            ("mean".into(), Value::Num(1.0)),
            ("m2".into(), Value::Num(0.0)),
            ("extra".into(), Value::Null),
        ]);
        let e = Running::from_value(&v, "profile").unwrap_err().to_string();
        assert!(e.contains("unknown field `extra`"), "{e}");
        let v = Value::Obj(vec![("n".into(), Value::Num(1.5))]);
        let e = Running::from_value(&v, "profile").unwrap_err().to_string();
        assert!(
            e.contains("profile.n: expected a non-negative integer"),
            "{e}"
        );
        let e = Running::from_value(&Value::Arr(vec![]), "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p: expected an object"), "{e}");
    }

    #[test]
    fn integers_beyond_a_double_are_refused() {
        assert!(u64::from_value(&Value::Num(MAX_SAFE_INTEGER), "x").is_ok());
        assert!(u64::from_value(&Value::Num(MAX_SAFE_INTEGER * 2.0), "x").is_err());
        assert!(u32::from_value(&Value::Num(4_294_967_296.0), "x").is_err());
        assert!(u32::from_value(&Value::Num(-1.0), "x").is_err());
        assert!(f64::from_value(&Value::Str("1".into()), "x").is_err());
    }
}
