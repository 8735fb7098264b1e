//! Records written as JSON without serde, for the browser.
//!
//! The server and the evaluation write JSON through serde. The collector cannot afford to: serde's
//! generic serialisers and the float printing they need were more than half of the WebAssembly
//! (measured with twiggy). Printing a double the way `JSON.stringify` does (shortest round trip)
//! takes tables and wide arithmetic too, so numbers are not printed here at all: [`Json`] is JSON
//! text in which every number is a *slot*, written as the index of its value in
//! [`Json::nums`]. The collector hands both to `JSON.parse` with a reviver that puts each value
//! back (`src/send.js`), so JavaScript does the printing, and a record becomes a plain object in
//! one call instead of one call per field.
//!
//! The text must be what serde writes once the slots are filled: `tests/records.rs` checks every
//! record against `serde_json` on generated data.

use crate::prelude::*;

use crate::automation::{AutomationReport, Signal, SignalKind};
use crate::event::{KeyClass, PointerKind};
use crate::features::keys::{ClassHold, PairTiming};
use crate::features::pointer::NamedDist;
use crate::features::stats::Dist;
use crate::features::{FixedSample, KeyWindow, PointerWindow};
use crate::score::{Band, Score};
use crate::summary::{Counts, Summary};
use crate::text::push_uint;

/// JSON text whose numbers are slots: the number `i` in [`Json::text`] stands for `nums[i]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Json {
    /// The text; every number in it is an index into `nums`.
    pub text: String,
    /// The numbers, in the order their slots appear.
    pub nums: Vec<f64>,
}

impl Json {
    /// A comma unless this value is the first in its object or array, or follows its key.
    // Out of line, like every writer below: inlined into each field of each record it is the
    // bulk of the writer's WebAssembly.
    #[inline(never)]
    fn sep(&mut self) {
        if !matches!(self.text.as_bytes().last(), None | Some(b'{' | b'[' | b':')) {
            self.text.push(',');
        }
    }

    /// `"key":` (keys are field names: plain ASCII, nothing to escape).
    #[inline(never)]
    pub fn key(&mut self, key: &'static str) {
        self.sep();
        self.text.push('"');
        self.text.push_str(key);
        self.text.push_str("\":");
    }

    /// A number's slot.
    #[inline(never)]
    pub fn num(&mut self, x: f64) {
        self.sep();
        push_uint(&mut self.text, self.nums.len() as u64);
        self.nums.push(x);
    }

    /// A string, escaped as serde_json escapes it (`"`, `\` and control characters).
    #[inline(never)]
    pub fn str(&mut self, s: &str) {
        self.sep();
        self.text.push('"');
        for c in s.chars() {
            match c {
                '"' => self.text.push_str("\\\""),
                '\\' => self.text.push_str("\\\\"),
                '\n' => self.text.push_str("\\n"),
                '\r' => self.text.push_str("\\r"),
                '\t' => self.text.push_str("\\t"),
                '\u{8}' => self.text.push_str("\\b"),
                '\u{c}' => self.text.push_str("\\f"),
                c if (c as u32) < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.text.push_str("\\u00");
                    self.text.push(char::from(HEX[(c as usize) >> 4]));
                    self.text.push(char::from(HEX[(c as usize) & 0xf]));
                }
                c => self.text.push(c),
            }
        }
        self.text.push('"');
    }

    /// `true`, `false` or `null`: words written as they are.
    #[inline(never)]
    fn word(&mut self, w: &str) {
        self.sep();
        self.text.push_str(w);
    }

    /// Opens an object or array (`{` / `[`).
    #[inline(never)]
    pub fn open(&mut self, bracket: char) {
        self.sep();
        self.text.push(bracket);
    }

    /// Closes an object or array (`}` / `]`).
    pub fn close(&mut self, bracket: char) {
        self.text.push(bracket);
    }
}

/// Records written as serde writes them to JSON (with numbers in slots, see [`Json`]).
pub trait ToJson {
    /// Writes this value.
    fn write(&self, out: &mut Json);

    /// This value on its own.
    fn to_json(&self) -> Json {
        let mut out = Json::default();
        self.write(&mut out);
        out
    }
}

/// An object: `obj!(out; "name" => value, ...)`.
macro_rules! obj {
    ($out:ident; $($key:literal => $val:expr),* $(,)?) => {{
        $out.open('{');
        $( $out.key($key); ToJson::write(&$val, $out); )*
        $out.close('}');
    }};
}

impl ToJson for f64 {
    fn write(&self, out: &mut Json) {
        out.num(*self);
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn write(&self, out: &mut Json) {
                out.num(*self as f64);
            }
        }
    )*};
}
unsigned!(u32, u64);

impl ToJson for bool {
    fn write(&self, out: &mut Json) {
        out.word(if *self { "true" } else { "false" });
    }
}

impl ToJson for str {
    fn write(&self, out: &mut Json) {
        out.str(self);
    }
}

impl ToJson for String {
    fn write(&self, out: &mut Json) {
        out.str(self);
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write(&self, out: &mut Json) {
        match self {
            Some(x) => x.write(out),
            None => out.word("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write(&self, out: &mut Json) {
        out.open('[');
        for x in self {
            x.write(out);
        }
        out.close(']');
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write(&self, out: &mut Json) {
        self.as_slice().write(out);
    }
}

impl<T: ToJson, const N: usize> ToJson for [T; N] {
    fn write(&self, out: &mut Json) {
        self.as_slice().write(out);
    }
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn write(&self, out: &mut Json) {
                out.str(self.name());
            }
        }
    )*};
}
named!(KeyClass, PointerKind, Band, SignalKind);

impl ToJson for Dist {
    fn write(&self, out: &mut Json) {
        obj!(out; "n" => self.n, "mean" => self.mean, "sd" => self.sd,
            "q25" => self.q25, "q50" => self.q50, "q75" => self.q75);
    }
}

impl ToJson for ClassHold {
    fn write(&self, out: &mut Json) {
        obj!(out; "class" => self.class, "hold" => self.hold);
    }
}

impl ToJson for PairTiming {
    fn write(&self, out: &mut Json) {
        obj!(out; "from" => self.from, "to" => self.to, "dd" => self.dd, "ud" => self.ud);
    }
}

impl ToJson for KeyWindow {
    fn write(&self, out: &mut Json) {
        obj!(out;
            "keys" => self.keys,
            "speed_kpm" => self.speed_kpm,
            "holds" => self.holds,
            "pairs" => self.pairs,
            "pauses" => self.pauses,
            "pause_median_ms" => self.pause_median_ms,
            "burst_mean_keys" => self.burst_mean_keys,
            "correction_rate" => self.correction_rate,
        );
    }
}

impl ToJson for NamedDist {
    fn write(&self, out: &mut Json) {
        obj!(out; "name" => self.name, "dist" => self.dist);
    }
}

impl ToJson for PointerWindow {
    fn write(&self, out: &mut Json) {
        obj!(out;
            "kind" => self.kind,
            "actions" => self.actions,
            "mouse_moves" => self.mouse_moves,
            "point_clicks" => self.point_clicks,
            "drag_drops" => self.drag_drops,
            "features" => self.features,
            "directions" => self.directions,
            "robotic_actions" => self.robotic_actions,
            "press_hold_ms" => self.press_hold_ms,
            "pre_press_ms" => self.pre_press_ms,
            "post_release_ms" => self.post_release_ms,
        );
    }
}

impl ToJson for FixedSample {
    fn write(&self, out: &mut Json) {
        obj!(out; "field" => self.field, "edited" => self.edited, "timings" => self.timings);
    }
}

impl ToJson for Counts {
    fn write(&self, out: &mut Json) {
        obj!(out;
            "events" => self.events, "untrusted" => self.untrusted, "ignored" => self.ignored,
            "composing" => self.composing, "repeats" => self.repeats, "pastes" => self.pastes,
            "drops" => self.drops, "autofills" => self.autofills, "wheels" => self.wheels,
        );
    }
}

impl ToJson for Signal {
    fn write(&self, out: &mut Json) {
        obj!(out; "kind" => self.kind, "strength" => self.strength);
    }
}

impl ToJson for AutomationReport {
    fn write(&self, out: &mut Json) {
        obj!(out; "score" => self.score, "signals" => self.signals, "fingerprint" => self.fingerprint);
    }
}

impl ToJson for Score {
    fn write(&self, out: &mut Json) {
        obj!(out;
            "similarity" => self.similarity,
            "band" => self.band,
            "automation" => self.automation,
            "reasons" => self.reasons,
            "model_version" => self.model_version,
        );
    }
}

impl ToJson for Summary {
    fn write(&self, out: &mut Json) {
        obj!(out;
            "schema" => self.schema,
            "session" => self.session,
            "page" => self.page,
            "seq" => self.seq,
            "start_ms" => self.start_ms,
            "end_ms" => self.end_ms,
            "fixed" => self.fixed,
            "keys" => self.keys,
            "pointer" => self.pointer,
            "counts" => self.counts,
            "automation" => self.automation,
            "faults" => self.faults,
            "score" => self.score,
        );
    }
}
