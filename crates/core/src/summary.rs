//! The summary: the only record that leaves the browser. Its types have no field that could hold
//! a key identity, a character, field content or a coordinate; every timing statistic is over at
//! least five events. The README documents its JSON field by field.

use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::automation::AutomationReport;
use crate::error::Error;
use crate::features::keys::{MAX_OPEN, MAX_PAIRS, MAX_PER_BUCKET, MIN_WINDOW_KEYS, PAUSE_MS};
use crate::features::pointer::{ACTION_FEATURES, ACTION_PAUSE_MS, MAX_ACTIONS};
use crate::features::stats::MIN_BUCKET;
use crate::features::{Dist, FixedSample, KeyWindow, PointerWindow};
use crate::score::Score;
use crate::session::MAX_KEY_EVENTS;
use crate::text::cat;

/// Version of the summary schema; a server rejects versions it does not know.
pub const SCHEMA_VERSION: u32 = 2;
/// Shortest page id: 64 random bits as 16 hex digits (the collector draws 128, 32 digits).
pub const MIN_PAGE_LEN: usize = 16;
/// Longest page id.
pub const MAX_PAGE_LEN: usize = 64;
/// Largest summary in bytes of JSON: one `sendBeacon` payload must stay under the 64 KiB that
/// browsers allow for all beacons in flight, with room for several; docs/design.md sets 16 KiB.
/// `tests/sizes.rs` builds the largest summary the collector can make (statistics
/// [`rounded`](crate::features::stats::rounded), at most
/// [`MAX_PAIRS`](crate::features::keys::MAX_PAIRS) class pairs) and checks it fits.
pub const MAX_SUMMARY_BYTES: usize = 16 * 1024;
/// Longest session token accepted (a signed token of 128 random bits plus claims is ~150 bytes).
pub const MAX_TOKEN_LEN: usize = 512;
/// Fixed-text entries per summary (a login form has one or two fixed fields).
pub const MAX_FIXED: usize = 16;
/// Largest plausible timing in a fixed-text sample, ms: a minute between two keys of a memorised
/// text is no longer one entry.
const MAX_TIMING_MS: f64 = 60_000.0;
/// Latest window time accepted, ms since the page loaded: 1e12 ms is 31 years, longer than any
/// page stays open, and far inside the integers an f64 holds exactly (2^53 ≈ 9e15), so a window's
/// length computed from its times stays exact.
pub const MAX_PAGE_MS: f64 = 1e12; // the message below says "1e12"
/// Largest magnitude of any window statistic or rate. No measurement comes near it: the largest
/// statistic in SapiMouse is 5.5e8 (a jerk, px/s³), and jerk grows as the cube of the sampling
/// interval's inverse, so even samples 10,000 px apart at a 1 µs clock (with the finite
/// differences' factor of a few) stay under 1e24. Past it a value is no measurement, and squares
/// and sums of many such values still stay finite (1e60 ≪ 1e308), which a profile's running
/// statistics need.
pub const MAX_STATISTIC: f64 = 1e30; // the messages below say "1e30"

/// Events the collector saw but did not turn into features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Counts {
    /// Events received (all kinds).
    pub events: u32,
    /// Events with `isTrusted === false` (excluded from features).
    pub untrusted: u32,
    /// Pointer and wheel events, pastes, drops and autofills in `[data-telltale-ignore]`
    /// subtrees (not captured: counted only). Key events there, and anything in a password
    /// field, are not counted at all (a count as long as what was typed).
    pub ignored: u32,
    /// Key events during IME composition.
    pub composing: u32,
    /// Auto-repeat keydowns.
    pub repeats: u32,
    /// Pastes (`insertFromPaste`).
    pub pastes: u32,
    /// Drops (`insertFromDrop`).
    pub drops: u32,
    /// Autofills (`insertReplacementText` without typing).
    pub autofills: u32,
    /// Wheel events.
    pub wheels: u32,
}

/// One window's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The session token the server issued after login (the server stores the session id the
    /// token names in its place).
    pub session: String,
    /// The collector instance that made it: a random id drawn once per collector
    /// (`crypto.getRandomValues`), so that a reload or a second tab under one session token
    /// does not repeat (session, page, seq), the identity the server dedupes by. Schema 2.
    pub page: String,
    /// Sequence number within the page, from 0, contiguous.
    pub seq: u64,
    /// Window start, ms since the page loaded (`performance.now()` scale): the previous
    /// summary's end (a page's summaries tile its time; the first starts at its first event, or
    /// at the collector's timer's tick before it when that came within a tick's period).
    pub start_ms: f64,
    /// Window end, ms since the page loaded.
    pub end_ms: f64,
    /// Fixed-text entries that ended in this window.
    pub fixed: Vec<FixedSample>,
    /// The free-text window, if at least [`crate::features::keys::MIN_WINDOW_KEYS`] keys were
    /// typed in it and in sparser windows before it (a server accepts five and more, as older
    /// collectors sent).
    pub keys: Option<KeyWindow>,
    /// Pointer windows, one per pointer kind with at least five actions.
    pub pointer: Vec<PointerWindow>,
    /// Counts of what was not captured.
    pub counts: Counts,
    /// Automation evidence for the window.
    pub automation: AutomationReport,
    /// Collector faults since the previous summary (caught, never thrown into the page).
    pub faults: u32,
    /// The browser's score, when a profile was loaded (the server recomputes its own).
    pub score: Option<Score>,
}

/// What is wrong with a summary, and where: the field's path from the summary, in the notation
/// of the server's other 400 answers (`keys.holds[0].hold`; empty for the summary as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The field at fault.
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

fn fault(field: impl Into<String>, reason: impl Into<String>) -> Fault {
    Fault {
        field: field.into(),
        reason: reason.into(),
    }
}

/// The values a distribution's statistics can take, by how the collector measures them.
#[derive(Debug, Clone, Copy)]
struct Range {
    /// Smallest value.
    lo: f64,
    /// Largest value.
    hi: f64,
    /// Most values a window summarises.
    most: u32,
    /// What bounds that count, in words.
    of: &'static str,
    /// The range in words, for the reason.
    words: &'static str,
}

/// A time or magnitude: never negative.
const NOT_NEGATIVE: Range = Range {
    lo: 0.0,
    hi: MAX_STATISTIC,
    most: u32::MAX,
    of: "",
    words: "cannot be negative",
};
/// A share of an action (straightness, the time to peak speed): 0 to 1.
const SHARE: Range = Range {
    lo: 0.0,
    hi: 1.0,
    most: u32::MAX,
    of: "",
    words: "is a share (0-1)",
};

/// A distribution's check: `n` of at least [`MIN_BUCKET`] and at most `range.most`, finite
/// statistics within [`MAX_STATISTIC`], quartiles in order, a spread not negative, and the
/// mean and quartiles within the range (every value the collector summarised is in it, so
/// they are too).
fn check_dist(field: &str, d: &Dist, range: Range) -> Result<(), Fault> {
    let vals = [d.mean, d.sd, d.q25, d.q50, d.q75];
    if vals.iter().any(|v| !v.is_finite()) {
        return Err(fault(field, "non-finite statistic"));
    }
    if vals.iter().any(|v| v.abs() > MAX_STATISTIC) {
        return Err(fault(field, "a statistic beyond 1e30 in magnitude"));
    }
    if (d.n as usize) < MIN_BUCKET {
        return Err(fault(
            cat(&[field, ".n"]),
            format!("bucket of {} events (at least {MIN_BUCKET})", d.n),
        ));
    }
    if d.n > range.most {
        return Err(fault(
            cat(&[field, ".n"]),
            format!("more events than {} ({})", range.of, range.most),
        ));
    }
    if d.sd < 0.0 || d.q25 > d.q50 || d.q50 > d.q75 {
        return Err(fault(field, "inconsistent quartiles or negative spread"));
    }
    if [d.mean, d.q25, d.q50, d.q75]
        .iter()
        .any(|v| !(range.lo..=range.hi).contains(v))
    {
        return Err(fault(field, range.words));
    }
    Ok(())
}

/// A window statistic that is not a [`Dist`]: finite and within [`MAX_STATISTIC`].
fn check_statistic(field: &str, v: f64) -> Result<(), Fault> {
    if !v.is_finite() {
        return Err(fault(field, "must be finite"));
    }
    if v.abs() > MAX_STATISTIC {
        return Err(fault(field, "is beyond 1e30 in magnitude"));
    }
    Ok(())
}

/// Whether `items` has two equal keys: a window has one statistic per key class, class pair,
/// pointer kind or feature name, and a copy would be learned as a second observation.
fn repeats<K: PartialEq>(items: impl Iterator<Item = K>) -> bool {
    let keys: Vec<K> = items.collect();
    keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k))
}

/// Session tokens: 1 to [`MAX_TOKEN_LEN`] visible ASCII characters (`!` to `~`). The collector
/// sends the token in an `Authorization: Bearer` header, which carries these unchanged (RFC
/// 9110 field values); a browser refuses a header with a character beyond Latin-1 or a line
/// break, so such a token could never be sent.
pub fn valid_token(token: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

/// Page ids: [`MIN_PAGE_LEN`] to [`MAX_PAGE_LEN`] characters of `[A-Za-z0-9_-]` (hex or
/// base64url of at least 64 random bits).
pub fn valid_page_id(page: &str) -> bool {
    (MIN_PAGE_LEN..=MAX_PAGE_LEN).contains(&page.len())
        && page
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Field names of fixed-text samples: the portal's own identifiers, 1-64 characters of
/// `[A-Za-z0-9_-]`, so that no user content can be smuggled through them.
pub fn valid_field_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

impl Summary {
    /// Checks every field against the schema: versions, sizes, finite numbers, ranges, bucket
    /// sizes (see [`Summary::check`]), as an [`Error`] that names the field.
    pub fn validate(&self) -> Result<(), Error> {
        self.check().map_err(|f| {
            Error::InvalidSummary(if f.field.is_empty() {
                f.reason
            } else {
                cat(&[&f.field, ": ", &f.reason])
            })
        })
    }

    /// Checks every field against the schema: versions, sizes, finite numbers, ranges, bucket
    /// sizes, and what the collector's measuring makes true of every summary it sends (a time
    /// never negative, a down-down time under a pause, a share from 0 to 1, no more values in
    /// a statistic than the window's presses or actions gave), so that a summary no collector
    /// could have made is refused, not learned into a profile. Not checked against each other:
    /// a window's statistics and its length (presses kept from sparser windows before it lie
    /// before its start), or its speed (a coarse clock's keys can come microseconds apart).
    /// The server calls this on every summary it receives.
    pub fn check(&self) -> Result<(), Fault> {
        if self.schema != SCHEMA_VERSION {
            return Err(fault(
                "schema",
                format!(
                    "schema {} is not supported (expected {SCHEMA_VERSION})",
                    self.schema
                ),
            ));
        }
        if !valid_token(&self.session) {
            return Err(fault(
                "session",
                format!("session token must be 1-{MAX_TOKEN_LEN} visible ASCII characters"),
            ));
        }
        if !valid_page_id(&self.page) {
            return Err(fault(
                "page",
                format!("page id must be {MIN_PAGE_LEN}-{MAX_PAGE_LEN} of [A-Za-z0-9_-]"),
            ));
        }
        for (what, t) in [("start_ms", self.start_ms), ("end_ms", self.end_ms)] {
            if !t.is_finite() {
                return Err(fault(what, "must be finite"));
            }
        }
        if self.start_ms < 0.0 || self.end_ms < self.start_ms {
            return Err(fault(
                "end_ms",
                "window times must satisfy 0 <= start_ms <= end_ms",
            ));
        }
        if self.end_ms > MAX_PAGE_MS {
            return Err(fault(
                "end_ms",
                "window times must be at most 1e12 ms after the page loaded",
            ));
        }
        if self.fixed.len() > MAX_FIXED {
            return Err(fault(
                "fixed",
                format!("more than {MAX_FIXED} fixed-text entries"),
            ));
        }
        for (i, f) in self.fixed.iter().enumerate() {
            let at = |what: &str| format!("fixed[{i}]{what}");
            if !valid_field_name(&f.field) {
                return Err(fault(
                    at(".field"),
                    "fixed-text field name must be 1-64 of [A-Za-z0-9_-]",
                ));
            }
            if f.edited && !f.timings.is_empty() {
                return Err(fault(
                    at(".timings"),
                    "an edited fixed-text entry carries no timings",
                ));
            }
            let n = f.timings.len();
            if !f.edited && (n == 0 || n % 3 != 1 || n > 3 * crate::features::fixed::MAX_PRESSES) {
                return Err(fault(
                    at(".timings"),
                    "fixed-text timings must have 3k+1 values (H, DD, UD per key)",
                ));
            }
            for (j, t) in f.timings.iter().enumerate() {
                if !t.is_finite() || t.abs() > MAX_TIMING_MS {
                    return Err(fault(
                        at(&format!(".timings[{j}]")),
                        "fixed-text timings must be finite and under 60 s",
                    ));
                }
                if j % 3 != 2 && *t < 0.0 {
                    return Err(fault(
                        at(&format!(".timings[{j}]")),
                        "hold and down-down times cannot be negative",
                    ));
                }
            }
        }
        if let Some(k) = &self.keys {
            check_keys(k)?;
        }
        if repeats(self.pointer.iter().map(|w| w.kind)) {
            return Err(fault(
                "pointer",
                "a summary has one pointer window per pointer kind",
            ));
        }
        for (i, w) in self.pointer.iter().enumerate() {
            check_pointer(&format!("pointer[{i}]"), w)?;
        }
        let a = &self.automation;
        if !(0.0..=1.0).contains(&a.score) {
            return Err(fault("automation.score", "automation scores are 0-1"));
        }
        for (i, sig) in a.signals.iter().enumerate() {
            if !(0.0..=1.0).contains(&sig.strength) {
                return Err(fault(
                    format!("automation.signals[{i}].strength"),
                    "automation scores are 0-1",
                ));
            }
            if a.signals[..i].iter().any(|o| o.kind == sig.kind) {
                return Err(fault(
                    format!("automation.signals[{i}].kind"),
                    format!("automation signal {} appears twice", sig.kind.name()),
                ));
            }
        }
        if a.fingerprint.len() > crate::automation::FINGERPRINT_LEN {
            return Err(fault(
                "automation.fingerprint",
                "a replay fingerprint holds at most 8 hashes",
            ));
        }
        if let Some(s) = &self.score {
            if !(0.0..=100.0).contains(&s.similarity) {
                return Err(fault("score.similarity", "score out of range (0-100)"));
            }
            if !(0.0..=1.0).contains(&s.automation) {
                return Err(fault("score.automation", "score out of range (0-1)"));
            }
        }
        Ok(())
    }
}

/// Presses a key window may hold beyond its own key events: those kept from sparser windows
/// before it. Under [`MIN_WINDOW_KEYS`] (30) now, under 40 in collectors built when windows were
/// 30 s, which browsers may still run from their cache; the server takes both.
const CARRIED_KEYS: u32 = 40;

/// A free-text window's checks ([`Summary::check`]), from how [`crate::features::keys`] builds
/// it: a hold time is a keyup after its keydown; a down-down time is a gap under a pause
/// ([`PAUSE_MS`]), and an up-down time (negative when keys overlap) is at most its down-down;
/// a pause is at least [`PAUSE_MS`]; each press gives at most one down-down and one up-down
/// time, and each release one hold, beyond the window's presses only by the presses still down
/// when the window before closed ([`MAX_OPEN`]); a window holds at most its key events' presses
/// ([`MAX_KEY_EVENTS`]) and those kept from sparser windows before it (under
/// [`CARRIED_KEYS`]); a burst holds one press at least.
fn check_keys(k: &KeyWindow) -> Result<(), Fault> {
    const _: () = assert!(MIN_WINDOW_KEYS as u32 <= CARRIED_KEYS);
    let most_keys = MAX_KEY_EVENTS + CARRIED_KEYS;
    if (k.keys as usize) < MIN_BUCKET || k.keys > most_keys {
        return Err(fault(
            "keys.keys",
            format!("a key window holds {MIN_BUCKET} to {most_keys} presses"),
        ));
    }
    let keys = f64::from(k.keys);
    for (what, v, lo, hi, words) in [
        (
            "keys.speed_kpm",
            k.speed_kpm,
            0.0,
            MAX_STATISTIC,
            "cannot be negative",
        ),
        (
            "keys.burst_mean_keys",
            k.burst_mean_keys,
            1.0,
            keys,
            "a burst holds 1 to `keys` presses",
        ),
        (
            "keys.correction_rate",
            k.correction_rate,
            0.0,
            1.0,
            "correction_rate is a share (0-1)",
        ),
    ] {
        check_statistic(what, v)?;
        if !(lo..=hi).contains(&v) {
            return Err(fault(what, words));
        }
    }
    if k.pauses > k.keys {
        return Err(fault("keys.pauses", "more pauses than presses"));
    }
    if let Some(p) = k.pause_median_ms {
        check_statistic("keys.pause_median_ms", p)?;
        if k.pauses < MIN_BUCKET as u32 || p < PAUSE_MS {
            return Err(fault(
                "keys.pause_median_ms",
                "a pause median is of five pauses or more, each at least 2000 ms",
            ));
        }
    }
    if repeats(k.holds.iter().map(|h| h.class)) {
        return Err(fault(
            "keys.holds",
            "a key window has one hold statistic per key class",
        ));
    }
    if k.pairs.len() > MAX_PAIRS || repeats(k.pairs.iter().map(|p| (p.from, p.to))) {
        return Err(fault(
            "keys.pairs",
            format!("a key window has at most {MAX_PAIRS} class pairs, each once"),
        ));
    }
    let bucket = Range {
        most: MAX_PER_BUCKET as u32,
        of: "a window's bucket keeps",
        ..NOT_NEGATIVE
    };
    let mut holds = 0u64;
    for (i, h) in k.holds.iter().enumerate() {
        check_dist(&format!("keys.holds[{i}].hold"), &h.hold, bucket)?;
        holds += u64::from(h.hold.n);
    }
    let dd = Range {
        hi: PAUSE_MS,
        words: "a down-down time is 0 to 2000 ms (longer gaps are pauses)",
        ..bucket
    };
    let ud = Range {
        lo: -MAX_STATISTIC,
        hi: PAUSE_MS,
        words: "an up-down time is at most 2000 ms (longer gaps are pauses)",
        ..bucket
    };
    let (mut dds, mut uds) = (0u64, 0u64);
    for (i, p) in k.pairs.iter().enumerate() {
        if let Some(d) = &p.dd {
            check_dist(&format!("keys.pairs[{i}].dd"), d, dd)?;
            dds += u64::from(d.n);
        }
        if let Some(d) = &p.ud {
            check_dist(&format!("keys.pairs[{i}].ud"), d, ud)?;
            uds += u64::from(d.n);
        }
    }
    let presses = u64::from(k.keys);
    let open = MAX_OPEN as u64;
    if holds > presses + open || dds > presses || uds > presses + open {
        return Err(fault(
            "keys",
            "more hold, down-down or up-down times than the window's presses give",
        ));
    }
    Ok(())
}

/// A pointer window's checks ([`Summary::check`]), from how [`crate::features::pointer`]
/// builds it: at most [`MAX_ACTIONS`] actions and press timings of each kind, an action's
/// features never negative (straightness and the time to its peak speed shares of it), a
/// press's hold never negative and the pauses around it under [`ACTION_PAUSE_MS`].
fn check_pointer(at: &str, w: &PointerWindow) -> Result<(), Fault> {
    if repeats(w.features.iter().map(|f| f.name.as_str())) {
        return Err(fault(
            cat(&[at, ".features"]),
            "a pointer window names each feature once",
        ));
    }
    // A window keeps at most MAX_ACTIONS actions and press timings of each kind
    // (`Gathered::add`); a larger count is forged, and scoring weighs a statistic by its count
    // (`detect::window::few_events`), so one such window learned would dull every later
    // deviation of the profile.
    let most = MAX_ACTIONS as u32;
    let press = Range {
        most,
        of: "a window keeps presses",
        ..NOT_NEGATIVE
    };
    let around = Range {
        hi: ACTION_PAUSE_MS,
        words: "a pause around a press is 0 to 500 ms (longer is idling)",
        ..press
    };
    for (what, d, range) in [
        ("press_hold_ms", &w.press_hold_ms, press),
        ("pre_press_ms", &w.pre_press_ms, around),
        ("post_release_ms", &w.post_release_ms, around),
    ] {
        if let Some(d) = d {
            check_dist(&cat(&[at, ".", what]), d, range)?;
        }
    }
    let kinds = [w.mouse_moves, w.point_clicks, w.drag_drops];
    if (w.actions as usize) < MIN_BUCKET
        || w.actions > most
        || kinds.iter().any(|&k| k > most)
        || kinds.iter().sum::<u32>() != w.actions
        || w.robotic_actions > w.actions
    {
        return Err(fault(
            cat(&[at, ".actions"]),
            "pointer window action counts are inconsistent",
        ));
    }
    if w.directions.iter().sum::<u32>() > w.actions
        || w.directions
            .iter()
            .any(|&d| d != 0 && (d as usize) < MIN_BUCKET)
    {
        return Err(fault(
            cat(&[at, ".directions"]),
            "pointer direction bins are inconsistent",
        ));
    }
    for (i, f) in w.features.iter().enumerate() {
        let field = format!("{at}.features[{i}]");
        if !ACTION_FEATURES.contains(&f.name.as_str()) {
            return Err(fault(
                cat(&[&field, ".name"]),
                format!("unknown pointer feature `{}`", f.name),
            ));
        }
        let range = match f.name.as_str() {
            "straightness" | "peak_time_frac" => SHARE,
            _ => NOT_NEGATIVE,
        };
        check_dist(
            &cat(&[&field, ".dist"]),
            &f.dist,
            Range {
                most: w.actions,
                of: "actions",
                ..range
            },
        )?;
    }
    Ok(())
}
