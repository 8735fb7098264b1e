//! The summary: the only record that leaves the browser. Its types have no field that could hold
//! a key identity, a character, field content or a coordinate; every timing statistic is over at
//! least five events. The README documents its JSON field by field.

use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::automation::AutomationReport;
use crate::error::Error;
use crate::features::pointer::MAX_ACTIONS;
use crate::features::stats::MIN_BUCKET;
use crate::features::{Dist, FixedSample, KeyWindow, PointerWindow};
use crate::score::Score;

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
    /// Events in `[data-telltale-ignore]` subtrees or password fields (not captured at all:
    /// counted only).
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

fn bad(why: impl Into<String>) -> Error {
    Error::InvalidSummary(why.into())
}

fn check_dist(what: &str, d: &Dist) -> Result<(), Error> {
    let vals = [d.mean, d.sd, d.q25, d.q50, d.q75];
    if vals.iter().any(|v| !v.is_finite()) {
        return Err(bad(format!("{what}: non-finite statistic")));
    }
    if vals.iter().any(|v| v.abs() > MAX_STATISTIC) {
        return Err(bad(format!("{what}: a statistic beyond 1e30 in magnitude")));
    }
    if (d.n as usize) < MIN_BUCKET {
        return Err(bad(format!(
            "{what}: bucket of {} events (at least {MIN_BUCKET})",
            d.n
        )));
    }
    if d.sd < 0.0 || d.q25 > d.q50 || d.q50 > d.q75 {
        return Err(bad(format!(
            "{what}: inconsistent quartiles or negative spread"
        )));
    }
    Ok(())
}

fn check_finite(what: &str, v: f64) -> Result<(), Error> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(bad(format!("{what} must be finite")))
    }
}

/// A window statistic that is not a [`Dist`]: finite and within [`MAX_STATISTIC`].
fn check_statistic(what: &str, v: f64) -> Result<(), Error> {
    check_finite(what, v)?;
    if v.abs() > MAX_STATISTIC {
        return Err(bad(format!("{what} is beyond 1e30 in magnitude")));
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
    /// sizes. The server calls this on every summary it receives.
    pub fn validate(&self) -> Result<(), Error> {
        if self.schema != SCHEMA_VERSION {
            return Err(bad(format!(
                "schema {} is not supported (expected {SCHEMA_VERSION})",
                self.schema
            )));
        }
        if !valid_token(&self.session) {
            return Err(bad(format!(
                "session token must be 1-{MAX_TOKEN_LEN} visible ASCII characters"
            )));
        }
        if !valid_page_id(&self.page) {
            return Err(bad(format!(
                "page id must be {MIN_PAGE_LEN}-{MAX_PAGE_LEN} of [A-Za-z0-9_-]"
            )));
        }
        check_finite("start_ms", self.start_ms)?;
        check_finite("end_ms", self.end_ms)?;
        if self.start_ms < 0.0 || self.end_ms < self.start_ms {
            return Err(bad("window times must satisfy 0 <= start_ms <= end_ms"));
        }
        if self.end_ms > MAX_PAGE_MS {
            return Err(bad(
                "window times must be at most 1e12 ms after the page loaded",
            ));
        }
        if self.fixed.len() > MAX_FIXED {
            return Err(bad(format!("more than {MAX_FIXED} fixed-text entries")));
        }
        for f in &self.fixed {
            if !valid_field_name(&f.field) {
                return Err(bad("fixed-text field name must be 1-64 of [A-Za-z0-9_-]"));
            }
            if f.edited && !f.timings.is_empty() {
                return Err(bad("an edited fixed-text entry carries no timings"));
            }
            let n = f.timings.len();
            if !f.edited && (n == 0 || n % 3 != 1 || n > 3 * crate::features::fixed::MAX_PRESSES) {
                return Err(bad(
                    "fixed-text timings must have 3k+1 values (H, DD, UD per key)",
                ));
            }
            if f.timings
                .iter()
                .any(|t| !t.is_finite() || t.abs() > MAX_TIMING_MS)
            {
                return Err(bad("fixed-text timings must be finite and under 60 s"));
            }
            for (i, t) in f.timings.iter().enumerate() {
                if i % 3 != 2 && *t < 0.0 {
                    return Err(bad("hold and down-down times cannot be negative"));
                }
            }
        }
        if let Some(k) = &self.keys {
            if (k.keys as usize) < MIN_BUCKET {
                return Err(bad("a key window needs at least five keys"));
            }
            for v in [k.speed_kpm, k.burst_mean_keys, k.correction_rate] {
                check_statistic("key window rate", v)?;
                if v < 0.0 {
                    return Err(bad("key window rates cannot be negative"));
                }
            }
            if k.correction_rate > 1.0 {
                return Err(bad("correction_rate is a share (0-1)"));
            }
            if let Some(p) = k.pause_median_ms {
                check_statistic("pause_median_ms", p)?;
            }
            if repeats(k.holds.iter().map(|h| h.class)) {
                return Err(bad("a key window has one hold statistic per key class"));
            }
            if k.pairs.len() > crate::features::keys::MAX_PAIRS
                || repeats(k.pairs.iter().map(|p| (p.from, p.to)))
            {
                return Err(bad(format!(
                    "a key window has at most {} class pairs, each once",
                    crate::features::keys::MAX_PAIRS
                )));
            }
            for h in &k.holds {
                check_dist("hold", &h.hold)?;
            }
            for p in &k.pairs {
                for d in p.dd.iter().chain(p.ud.iter()) {
                    check_dist("pair timing", d)?;
                }
            }
        }
        if repeats(self.pointer.iter().map(|w| w.kind)) {
            return Err(bad("a summary has one pointer window per pointer kind"));
        }
        for w in &self.pointer {
            if repeats(w.features.iter().map(|f| f.name.as_str())) {
                return Err(bad("a pointer window names each feature once"));
            }
            // A window keeps at most MAX_ACTIONS actions and press timings of each kind
            // (`Gathered::add`); a larger count is forged, and scoring weighs a statistic by
            // its count (`detect::window::few_events`), so one such window learned would dull
            // every later deviation of the profile.
            let most = MAX_ACTIONS as u32;
            for (what, d) in [
                ("press_hold_ms", &w.press_hold_ms),
                ("pre_press_ms", &w.pre_press_ms),
                ("post_release_ms", &w.post_release_ms),
            ] {
                if let Some(d) = d {
                    check_dist(what, d)?;
                    if d.n > most {
                        return Err(bad(format!("{what}: more than {most} presses")));
                    }
                }
            }
            let kinds = [w.mouse_moves, w.point_clicks, w.drag_drops];
            if (w.actions as usize) < MIN_BUCKET
                || w.actions > most
                || kinds.iter().any(|&k| k > most)
                || kinds.iter().sum::<u32>() != w.actions
                || w.robotic_actions > w.actions
            {
                return Err(bad("pointer window action counts are inconsistent"));
            }
            if w.directions.iter().sum::<u32>() > w.actions
                || w.directions
                    .iter()
                    .any(|&d| d != 0 && (d as usize) < MIN_BUCKET)
            {
                return Err(bad("pointer direction bins are inconsistent"));
            }
            for f in &w.features {
                if !crate::features::pointer::ACTION_FEATURES.contains(&f.name.as_str()) {
                    return Err(bad(format!("unknown pointer feature `{}`", f.name)));
                }
                check_dist(&f.name, &f.dist)?;
                if f.dist.n > w.actions {
                    return Err(bad(format!("{}: more events than actions", f.name)));
                }
            }
        }
        let a = &self.automation;
        if !(0.0..=1.0).contains(&a.score)
            || a.signals.iter().any(|s| !(0.0..=1.0).contains(&s.strength))
        {
            return Err(bad("automation scores are 0-1"));
        }
        for (i, sig) in a.signals.iter().enumerate() {
            if a.signals[..i].iter().any(|o| o.kind == sig.kind) {
                return Err(bad(format!(
                    "automation signal {} appears twice",
                    sig.kind.name()
                )));
            }
        }
        if a.fingerprint.len() > crate::automation::FINGERPRINT_LEN {
            return Err(bad("a replay fingerprint holds at most 8 hashes"));
        }
        if let Some(s) = &self.score {
            if !(0.0..=100.0).contains(&s.similarity) || !(0.0..=1.0).contains(&s.automation) {
                return Err(bad("score out of range"));
            }
        }
        Ok(())
    }
}
