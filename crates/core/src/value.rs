//! JSON-shaped values without serde, for the browser.
//!
//! The server and the evaluation read and write JSON through serde. The collector cannot afford
//! to: serde's generic (de)serialisers and the float printing their error paths pull in were
//! more than half of the WebAssembly (measured with twiggy: about 58 KB of 215 KB). So the
//! records that cross into JavaScript are mapped by hand to a [`Value`] tree here, which the
//! collector turns into JavaScript objects (and back) with one small recursive function; numbers
//! stay `f64` all the way, so JavaScript does the printing.
//!
//! The mapping must produce exactly what serde produces: `tests/value.rs` checks every record
//! against `serde_json` on generated data, both ways.

use crate::automation::{AutomationReport, Signal};
use crate::detect::{Rung, TelltaleFixedModel, TelltaleFixedParams, WindowModel, WindowParams};
use crate::error::Error;
use crate::event::{KeyClass, PointerKind};
use crate::features::keys::{ClassHold, PairTiming};
use crate::features::pointer::NamedDist;
use crate::features::stats::{Dist, Running};
use crate::features::{FixedSample, KeyWindow, PointerWindow};
use crate::map::SortedMap;
use crate::profile::{FixedProfile, Profile, ProfileParams, WindowProfile};
use crate::score::{Band, Calibration, Score};
use crate::summary::{Counts, Summary};

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

/// An object's key: a record's field names are `'static` (no allocation per field written),
/// keys read from JavaScript are owned.
pub type FieldName = std::borrow::Cow<'static, str>;

/// Largest integer a JSON number (an IEEE double) holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Records that map to a [`Value`] exactly as serde maps them to JSON.
pub trait ToValue {
    /// The value.
    fn to_value(&self) -> Value;
}

/// Records read from a [`Value`] with serde's rules: unknown fields are errors, a missing or
/// `null` optional field is `None`.
pub trait FromValue: Sized {
    /// Reads one at `at` (named in errors).
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error>;

    /// Reads one; `what` names it in errors ("profile").
    fn from_value(v: &Value, what: &str) -> Result<Self, Error> {
        Self::read(v, &Path::Root(what))
    }
}

/// Where a value sits in a record (`profile.fixed.login.model`); written out only for an error.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    /// The record.
    Root(&'a str),
    /// A field of an object.
    Field(&'a Path<'a>, &'a str),
    /// An element of an array.
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root(name) => f.write_str(name),
            Path::Field(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn invalid(at: &Path<'_>, expected: &str) -> Error {
    Error::InvalidRecord(format!("{at}: expected {expected}"))
}

macro_rules! obj {
    ($($key:literal => $val:expr),* $(,)?) => {
        Value::Obj(vec![$((FieldName::Borrowed($key), $val.to_value())),*])
    };
}

/// The fields of an object being read, checked against the names the record has.
struct Fields<'a> {
    at: &'a Path<'a>,
    fields: &'a [(FieldName, Value)],
}

impl<'a> Fields<'a> {
    fn new(v: &'a Value, at: &'a Path<'a>, known: &[&str]) -> Result<Self, Error> {
        let Value::Obj(fields) = v else {
            return Err(invalid(at, "an object"));
        };
        if let Some((k, _)) = fields.iter().find(|(k, _)| !known.contains(&k.as_ref())) {
            return Err(Error::InvalidRecord(format!("{at}: unknown field `{k}`")));
        }
        Ok(Fields { at, fields })
    }

    fn get<T: FromValue>(&self, key: &str) -> Result<T, Error> {
        let v = self
            .fields
            .iter()
            .find(|(k, _)| k == key)
            .map_or(&Value::Null, |(_, v)| v);
        T::read(v, &Path::Field(self.at, key))
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value {
        Value::Num(*self)
    }
}

impl FromValue for f64 {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        match v {
            Value::Num(n) => Ok(*n),
            _ => Err(invalid(at, "a number")),
        }
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Num(*self as f64)
            }
        }
        impl FromValue for $t {
            fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
                match v {
                    Value::Num(n)
                        if n.fract() == 0.0 && *n >= 0.0 && *n <= (<$t>::MAX as f64).min(MAX_SAFE_INTEGER) =>
                    {
                        Ok(*n as $t)
                    }
                    _ => Err(invalid(at, "a non-negative integer")),
                }
            }
        }
    )*};
}
unsigned!(u32, u64);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Str(self.to_string())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Str(self.clone())
    }
}

impl FromValue for String {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        match v {
            Value::Str(s) => Ok(s.clone()),
            _ => Err(invalid(at, "a string")),
        }
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        match v {
            Value::Null => Ok(None),
            v => T::read(v, at).map(Some),
        }
    }
}

impl<T: ToValue> ToValue for [T] {
    fn to_value(&self) -> Value {
        Value::Arr(self.iter().map(T::to_value).collect())
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

impl<T: ToValue, const N: usize> ToValue for [T; N] {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let Value::Arr(items) = v else {
            return Err(invalid(at, "an array"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            out.push(T::read(x, &Path::Index(at, i))?);
        }
        Ok(out)
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
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let Value::Obj(fields) = v else {
            return Err(invalid(at, "an object"));
        };
        let mut out = SortedMap::new();
        for (k, x) in fields {
            let Some(key) = K::parse(k) else {
                return Err(Error::InvalidRecord(format!("{at}: unknown key `{k}`")));
            };
            out.insert(key, T::read(x, &Path::Field(at, k))?);
        }
        Ok(out)
    }
}

macro_rules! named {
    ($t:ty, $all:expr) => {
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Str(self.name().to_string())
            }
        }
        impl FromValue for $t {
            fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
                match v {
                    Value::Str(s) => $all
                        .into_iter()
                        .find(|k| k.name() == s)
                        .ok_or_else(|| invalid(at, "a known name")),
                    _ => Err(invalid(at, "a string")),
                }
            }
        }
    };
}
named!(KeyClass, KeyClass::ALL);
named!(PointerKind, PointerKind::ALL);
named!(Band, Band::ALL);

impl ToValue for crate::automation::SignalKind {
    fn to_value(&self) -> Value {
        Value::Str(self.name().to_string())
    }
}

// ---- Summary (out) --------------------------------------------------------------------------

impl ToValue for Dist {
    fn to_value(&self) -> Value {
        obj! {
            "n" => self.n, "mean" => self.mean, "sd" => self.sd,
            "q25" => self.q25, "q50" => self.q50, "q75" => self.q75,
        }
    }
}

impl ToValue for ClassHold {
    fn to_value(&self) -> Value {
        obj! { "class" => self.class, "hold" => self.hold }
    }
}

impl ToValue for PairTiming {
    fn to_value(&self) -> Value {
        obj! { "from" => self.from, "to" => self.to, "dd" => self.dd, "ud" => self.ud }
    }
}

impl ToValue for KeyWindow {
    fn to_value(&self) -> Value {
        obj! {
            "keys" => self.keys,
            "speed_kpm" => self.speed_kpm,
            "holds" => self.holds,
            "pairs" => self.pairs,
            "pauses" => self.pauses,
            "pause_median_ms" => self.pause_median_ms,
            "burst_mean_keys" => self.burst_mean_keys,
            "correction_rate" => self.correction_rate,
        }
    }
}

impl ToValue for NamedDist {
    fn to_value(&self) -> Value {
        obj! { "name" => self.name, "dist" => self.dist }
    }
}

impl ToValue for PointerWindow {
    fn to_value(&self) -> Value {
        obj! {
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
        }
    }
}

impl ToValue for FixedSample {
    fn to_value(&self) -> Value {
        obj! { "field" => self.field, "edited" => self.edited, "timings" => self.timings }
    }
}

impl ToValue for Counts {
    fn to_value(&self) -> Value {
        obj! {
            "events" => self.events, "untrusted" => self.untrusted, "ignored" => self.ignored,
            "composing" => self.composing, "repeats" => self.repeats, "pastes" => self.pastes,
            "drops" => self.drops, "autofills" => self.autofills, "wheels" => self.wheels,
        }
    }
}

impl ToValue for Signal {
    fn to_value(&self) -> Value {
        obj! { "kind" => self.kind, "strength" => self.strength }
    }
}

impl ToValue for AutomationReport {
    fn to_value(&self) -> Value {
        obj! { "score" => self.score, "signals" => self.signals }
    }
}

impl ToValue for Score {
    fn to_value(&self) -> Value {
        obj! {
            "similarity" => self.similarity,
            "band" => self.band,
            "automation" => self.automation,
            "reasons" => self.reasons,
            "model_version" => self.model_version,
        }
    }
}

impl ToValue for Summary {
    fn to_value(&self) -> Value {
        obj! {
            "schema" => self.schema,
            "session" => self.session,
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
        }
    }
}

// ---- Profile (in) ---------------------------------------------------------------------------

impl FromValue for Running {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["n", "w", "mean", "m2"])?;
        Ok(Running {
            n: f.get("n")?,
            w: f.get("w")?,
            mean: f.get("mean")?,
            m2: f.get("m2")?,
        })
    }
}

impl FromValue for Calibration {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["log_scores"])?;
        Ok(Calibration {
            log_scores: f.get("log_scores")?,
        })
    }
}

impl FromValue for TelltaleFixedParams {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(
            v,
            at,
            &[
                "tau_ms",
                "min_half_life",
                "max_half_life",
                "cap",
                "clip",
                "warmup",
            ],
        )?;
        Ok(TelltaleFixedParams {
            tau_ms: f.get("tau_ms")?,
            min_half_life: f.get("min_half_life")?,
            max_half_life: f.get("max_half_life")?,
            cap: f.get("cap")?,
            clip: f.get("clip")?,
            warmup: f.get("warmup")?,
        })
    }
}

impl FromValue for WindowParams {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["half_life", "clip", "min_windows"])?;
        Ok(WindowParams {
            half_life: f.get("half_life")?,
            clip: f.get("clip")?,
            min_windows: f.get("min_windows")?,
        })
    }
}

impl FromValue for ProfileParams {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(
            v,
            at,
            &["enroll_fixed", "enroll_windows", "fixed", "window"],
        )?;
        Ok(ProfileParams {
            enroll_fixed: f.get("enroll_fixed")?,
            enroll_windows: f.get("enroll_windows")?,
            fixed: f.get("fixed")?,
            window: f.get("window")?,
        })
    }
}

impl FromValue for Rung {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["half_life", "stats", "prequential"])?;
        Ok(Rung {
            half_life: f.get("half_life")?,
            stats: f.get("stats")?,
            prequential: f.get("prequential")?,
        })
    }
}

impl FromValue for TelltaleFixedModel {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["params", "rungs"])?;
        Ok(TelltaleFixedModel {
            params: f.get("params")?,
            rungs: f.get("rungs")?,
        })
    }
}

impl FromValue for WindowModel {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["params", "windows", "features"])?;
        Ok(WindowModel {
            params: f.get("params")?,
            windows: f.get("windows")?,
            features: f.get("features")?,
        })
    }
}

impl FromValue for FixedProfile {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["model", "calibration"])?;
        Ok(FixedProfile {
            model: f.get("model")?,
            calibration: f.get("calibration")?,
        })
    }
}

impl FromValue for WindowProfile {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(v, at, &["model", "calibration"])?;
        Ok(WindowProfile {
            model: f.get("model")?,
            calibration: f.get("calibration")?,
        })
    }
}

impl FromValue for Profile {
    fn read(v: &Value, at: &Path<'_>) -> Result<Self, Error> {
        let f = Fields::new(
            v,
            at,
            &["model_version", "params", "fixed", "keys", "pointer"],
        )?;
        Ok(Profile {
            model_version: f.get("model_version")?,
            params: f.get("params")?,
            fixed: f.get("fixed")?,
            keys: f.get("keys")?,
            pointer: f.get("pointer")?,
        })
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
