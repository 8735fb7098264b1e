//! Free-text windows: everything typed outside fixed-text fields, summarised per window as
//! per-class hold times, per class-pair down-down / up-down times, speed, pauses, bursts and
//! corrections. Buckets with fewer than [`MIN_BUCKET`] events are left out.

use crate::prelude::*;

use serde::{Deserialize, Serialize};

use super::stats::{rounded, Dist, MIN_BUCKET};
use super::{Feature, FeatureId};
use crate::event::{KeyClass, KeyEvent};

/// A gap between keydowns of at least this long is a pause and ends a burst: the 2-second
/// threshold of writing-process research (Chenoweth and Hayes 2001, "P-bursts").
pub const PAUSE_MS: f64 = 2000.0;
/// Keys held at once that are tracked; more is beyond any keyboard's rollover in practice (USB
/// boot protocol reports six), so the oldest open press is dropped.
pub const MAX_OPEN: usize = 16;
/// A press with no keyup after this long is treated as a lost keyup (focus moved away mid-press):
/// no hold is recorded for it. Deliberate holds of modifiers during shortcuts last about a second.
pub const STUCK_MS: f64 = 10_000.0;
/// Values kept per bucket in one window. A window closes at 200 key events by default
/// (docs/design.md), so this bound only matters for misconfigured windows; it keeps memory fixed.
pub const MAX_PER_BUCKET: usize = 512;
const PAIRS: usize = KeyClass::COUNT * KeyClass::COUNT;
/// Class pairs a window reports at most: those with the most timings. A window of the default
/// 200 key events has at most 100 presses of its own and 29 kept from sparser windows before it
/// ([`MIN_WINDOW_KEYS`]), so at most 25 pairs with five timings or more, and those with the
/// fewest timings go only where more than 24 qualify. With `maxKeyEvents` raised, all 81 pairs
/// can qualify, and the key window alone would be 17 KB of JSON; 24 pairs keep the largest
/// summary under the 16 KiB a beacon may carry (`tests/sizes.rs`).
pub const MAX_PAIRS: usize = 24;
/// Presses a free-text window needs to be summarised; fewer carry over into the next window
/// ([`KeyWindowBuilder::finish`]). Medians of a few presses per class vary far more than a
/// profile's windows of a sentence or more do, so a sparse window looks like somebody else:
/// on the Aalto development half (`telltale-eval session`, docs/figures.md), a worker's own
/// windows of 5 to 19 presses fell under similarity 1 in 40% of cases and those of 20 to 39 in
/// 6.5%, against 1.8% at 40 to 59 and under 1% from 60 (a calibrated profile: 1%); most of the
/// session rule's false flags came from them. At 40 the rule's false flags on that half went
/// from 1 to 0 with typing alone and from 3 to 1 with typing and pointing (20: 0 and 2), with
/// 30 s windows. With the 15 s windows of now (about 45 presses of steady typing), checked
/// again with the session rule at drift 3.2: 30 presses had no false flag in any row and
/// flagged typing in 56.6 s; 25 had 1 with typing (45 s); 35 and 40 had 1 with typing and 1
/// with both (57 and 58 s). A server still takes up to 40 carried presses
/// (`summary::CARRIED_KEYS`), as collectors of 30 s windows sent.
pub const MIN_WINDOW_KEYS: usize = 30;

/// Hold-time distribution of one key class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassHold {
    /// The key class.
    pub class: KeyClass,
    /// Hold times (keydown to keyup) in ms.
    pub hold: Dist,
}

/// Timings between consecutive presses of two classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairTiming {
    /// Class of the first key.
    pub from: KeyClass,
    /// Class of the second key.
    pub to: KeyClass,
    /// Down-down times in ms (omitted with fewer than five).
    pub dd: Option<Dist>,
    /// Up-down times in ms, negative when keys overlap (omitted with fewer than five).
    pub ud: Option<Dist>,
}

/// The summary of one free-text window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyWindow {
    /// Key presses in the window.
    pub keys: u32,
    /// Presses per minute of active typing (pauses excluded).
    pub speed_kpm: f64,
    /// Hold times per key class.
    pub holds: Vec<ClassHold>,
    /// Down-down and up-down times per class pair (at most [`MAX_PAIRS`], those with the most
    /// timings).
    pub pairs: Vec<PairTiming>,
    /// Pauses (gaps >= 2 s between keydowns).
    pub pauses: u32,
    /// Median pause length in ms (present with at least five pauses).
    pub pause_median_ms: Option<f64>,
    /// Mean presses per burst (run of presses without a pause).
    pub burst_mean_keys: f64,
    /// Share of presses that were Backspace or Delete.
    pub correction_rate: f64,
}

#[derive(Debug, Clone, Copy)]
struct Open {
    press: u32,
    class: KeyClass,
    down: f64,
}

#[derive(Debug, Clone, Copy)]
struct Prev {
    press: u32,
    class: KeyClass,
    down: f64,
    up: Option<f64>,
}

/// Streams key events into free-text windows. State persists across windows, so a key held across
/// a window boundary counts in the window where it is released.
#[derive(Debug, Clone)]
pub struct KeyWindowBuilder {
    open: Vec<Open>,
    prev: Option<Prev>,
    /// Up-down times waiting for the previous key's keyup (rollover): (pair, next keydown,
    /// previous press). At most one per open press.
    pending_ud: Vec<(usize, f64, u32)>,
    holds: Vec<Vec<f64>>,
    dd: Vec<Vec<f64>>,
    ud: Vec<Vec<f64>>,
    pause_lengths: Vec<f64>,
    keys: u32,
    deletes: u32,
    bursts: u32,
    active_ms: f64,
}

impl Default for KeyWindowBuilder {
    fn default() -> Self {
        Self::new()
    }
}

fn push_bounded(v: &mut Vec<f64>, x: f64) {
    if v.len() < MAX_PER_BUCKET {
        v.push(x);
    }
}

impl KeyWindowBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        KeyWindowBuilder {
            open: Vec::with_capacity(MAX_OPEN),
            prev: None,
            pending_ud: Vec::new(),
            holds: vec![Vec::new(); KeyClass::COUNT],
            dd: vec![Vec::new(); PAIRS],
            ud: vec![Vec::new(); PAIRS],
            pause_lengths: Vec::new(),
            keys: 0,
            deletes: 0,
            bursts: 0,
            active_ms: 0.0,
        }
    }

    /// Key presses in the current window so far.
    pub fn keys(&self) -> u32 {
        self.keys
    }

    /// Ends the run of typing: the next keydown is paired with nothing before it (no down-down,
    /// up-down or pause time spans the break), and a key held across it gives no hold (its
    /// keyup may come after a password was typed, as Tab's does when it leaves the field). The
    /// collector breaks the run when focus moves to where keys are not captured (a password
    /// field, an ignored region, a frame, another window), so that no timing spans what was
    /// typed there, and whether anything was typed there changes nothing.
    pub fn break_run(&mut self) {
        self.prev = None;
        self.open.clear();
        self.pending_ud.clear();
    }

    /// Adds one (validated, trusted) key event.
    pub fn push(&mut self, ev: &KeyEvent) {
        if ev.down {
            self.key_down(ev);
        } else {
            self.key_up(ev);
        }
    }

    fn key_down(&mut self, ev: &KeyEvent) {
        self.open.retain(|o| ev.t - o.down < STUCK_MS);
        if self.open.len() >= MAX_OPEN {
            self.open.remove(0);
        }
        let open = &self.open;
        self.pending_ud
            .retain(|(_, _, prev)| open.iter().any(|o| o.press == *prev));
        self.open.push(Open {
            press: ev.press,
            class: ev.class,
            down: ev.t,
        });
        self.keys += 1;
        if ev.class == KeyClass::Delete {
            self.deletes += 1;
        }
        match self.prev {
            Some(p) if ev.t >= p.down => {
                let gap = ev.t - p.down;
                if gap >= PAUSE_MS {
                    push_bounded(&mut self.pause_lengths, gap);
                    self.bursts += 1;
                } else {
                    self.active_ms += gap;
                    let pair = p.class.index() * KeyClass::COUNT + ev.class.index();
                    push_bounded(&mut self.dd[pair], gap);
                    match p.up {
                        Some(up) => push_bounded(&mut self.ud[pair], ev.t - up),
                        None => self.pending_ud.push((pair, ev.t, p.press)),
                    }
                }
            }
            _ => self.bursts += 1,
        }
        self.prev = Some(Prev {
            press: ev.press,
            class: ev.class,
            down: ev.t,
            up: None,
        });
    }

    fn key_up(&mut self, ev: &KeyEvent) {
        let Some(i) = self.open.iter().position(|o| o.press == ev.press) else {
            return; // keyup without its keydown (pressed before start, or dropped as stuck)
        };
        let o = self.open.remove(i);
        if ev.t < o.down {
            // Dated before its keydown (the page's clock or a script's event): no timing of it,
            // neither a hold nor an up-down time, which would be longer than its down-down.
            return;
        }
        push_bounded(&mut self.holds[o.class.index()], ev.t - o.down);
        if let Some(p) = self.prev.as_mut().filter(|p| p.press == ev.press) {
            p.up = Some(ev.t);
        }
        if let Some(i) = self.pending_ud.iter().position(|p| p.2 == ev.press) {
            let (pair, next_down, _) = self.pending_ud.swap_remove(i);
            push_bounded(&mut self.ud[pair], next_down - ev.t);
        }
    }

    /// Closes the window: its summary if it had at least `min_keys` presses (the windower's
    /// [`MIN_WINDOW_KEYS`]; never fewer than [`MIN_BUCKET`]), else `None`, and its presses carry
    /// over into the next window (so a worker who types a few words at a time is summarised
    /// every few windows, not never). Open presses and the previous key carry over.
    pub fn finish(&mut self, min_keys: usize) -> Option<KeyWindow> {
        if (self.keys as usize) < min_keys.max(MIN_BUCKET) {
            return None;
        }
        Some(self.take())
    }

    /// Drops the presses kept for the next window ([`KeyWindowBuilder::finish`]): typing after a
    /// flush or a pause of a window length starts afresh. Open presses and the previous key are
    /// the run's ([`KeyWindowBuilder::break_run`]).
    pub fn drop_kept(&mut self) {
        // The window taking them (and clearing everything) is less code in the page than a
        // second way of clearing.
        let _ = self.take();
    }

    /// The window of everything pushed since the last one, which it clears.
    fn take(&mut self) -> KeyWindow {
        let keys = core::mem::take(&mut self.keys);
        let deletes = core::mem::take(&mut self.deletes);
        let bursts = core::mem::take(&mut self.bursts);
        let active_ms = core::mem::take(&mut self.active_ms);
        let mut pauses = core::mem::take(&mut self.pause_lengths);
        let holds: Vec<ClassHold> = KeyClass::ALL
            .iter()
            .filter_map(|&class| {
                let hold = Dist::of(&mut self.holds[class.index()]);
                self.holds[class.index()].clear();
                hold.map(|hold| ClassHold { class, hold })
            })
            .collect();
        let mut pairs = Vec::new();
        for (i, (dd, ud)) in self.dd.iter_mut().zip(self.ud.iter_mut()).enumerate() {
            let (ddd, udd) = (Dist::of(dd), Dist::of(ud));
            dd.clear();
            ud.clear();
            if ddd.is_some() || udd.is_some() {
                pairs.push(PairTiming {
                    from: KeyClass::ALL[i / KeyClass::COUNT],
                    to: KeyClass::ALL[i % KeyClass::COUNT],
                    dd: ddd,
                    ud: udd,
                });
            }
        }
        while pairs.len() > MAX_PAIRS {
            // The pair with the fewest timings goes (of equals, the last in class order).
            let timings = |p: &PairTiming| p.dd.map_or(0, |d| d.n) + p.ud.map_or(0, |d| d.n);
            let mut fewest = 0;
            for (i, p) in pairs.iter().enumerate() {
                if timings(p) <= timings(&pairs[fewest]) {
                    fewest = i;
                }
            }
            pairs.remove(fewest);
        }
        let pause_median_ms = Dist::of(&mut pauses).map(|d| d.q50);
        let intervals = keys.saturating_sub(bursts.max(1)) as f64;
        KeyWindow {
            keys,
            speed_kpm: if active_ms > 0.0 {
                rounded(intervals * 60_000.0 / active_ms)
            } else {
                0.0
            },
            holds,
            pairs,
            pauses: pauses.len() as u32,
            pause_median_ms,
            burst_mean_keys: rounded(keys as f64 / bursts.max(1) as f64),
            correction_rate: rounded(deletes as f64 / keys as f64),
        }
    }
}

impl KeyWindow {
    /// The window's features for detection: medians and spreads of every bucket, speed, bursts
    /// and corrections.
    pub fn features(&self) -> Vec<Feature> {
        let mut f = Vec::new();
        for h in &self.holds {
            f.push(Feature::log(
                FeatureId::key_hold(h.class, false),
                h.hold.q50,
            ));
            f.push(Feature::log(
                FeatureId::key_hold(h.class, true),
                h.hold.q75 - h.hold.q25,
            ));
        }
        for p in &self.pairs {
            if let Some(dd) = &p.dd {
                f.push(Feature::log(
                    FeatureId::key_pair(p.from, p.to, false),
                    dd.q50,
                ));
            }
            if let Some(ud) = &p.ud {
                f.push(Feature::linear(
                    FeatureId::key_pair(p.from, p.to, true),
                    ud.q50,
                ));
            }
        }
        f.push(Feature::log(FeatureId::KEY_SPEED, self.speed_kpm));
        f.push(Feature::log(FeatureId::KEY_BURST, self.burst_mean_keys));
        f.push(Feature::linear(
            FeatureId::KEY_CORRECTIONS,
            self.correction_rate,
        ));
        f.retain(|x| x.value.is_finite());
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::event::trusted_key as ev;

    #[test]
    fn key_held_across_window_boundary_counts_where_released() {
        let mut b = KeyWindowBuilder::new();
        for i in 0..5 {
            let t = i as f64 * 200.0;
            b.push(&ev(t, true, i, KeyClass::LetterLeft));
            b.push(&ev(t + 90.0, false, i, KeyClass::LetterLeft));
        }
        b.push(&ev(1000.0, true, 99, KeyClass::Space));
        let w1 = b.finish(MIN_BUCKET).unwrap();
        assert_eq!(w1.keys, 6);
        assert!(w1.holds.iter().all(|h| h.class != KeyClass::Space));
        b.push(&ev(1120.0, false, 99, KeyClass::Space));
        for i in 0..5 {
            let t = 1200.0 + i as f64 * 200.0;
            b.push(&ev(t, true, 100 + i, KeyClass::Space));
            b.push(&ev(t + 50.0, false, 100 + i, KeyClass::Space));
        }
        let w2 = b.finish(MIN_BUCKET).unwrap();
        let space = w2
            .holds
            .iter()
            .find(|h| h.class == KeyClass::Space)
            .unwrap();
        assert_eq!(space.hold.n, 6);
        assert_eq!(space.hold.q75, 50.0);
        assert_eq!(
            space.hold.mean, 61.6667,
            "(120 + 5 * 50) / 6, to six digits"
        );
    }

    #[test]
    fn at_most_max_pairs_are_reported_those_with_most_timings() {
        let mut b = KeyWindowBuilder::new();
        let (mut t, mut press) = (0.0, 0u32);
        let mut key = |b: &mut KeyWindowBuilder, class| {
            b.push(&ev(t, true, press, class));
            b.push(&ev(t + 60.0, false, press, class));
            press += 1;
            t += 150.0;
        };
        // Letter-left to letter-right 40 times, then every pair of classes five times.
        for _ in 0..40 {
            key(&mut b, KeyClass::LetterLeft);
            key(&mut b, KeyClass::LetterRight);
        }
        for _ in 0..5 {
            for a in KeyClass::ALL {
                for c in KeyClass::ALL {
                    key(&mut b, a);
                    key(&mut b, c);
                }
            }
        }
        let w = b.finish(MIN_BUCKET).unwrap();
        assert_eq!(w.pairs.len(), MAX_PAIRS);
        let timings = |p: &PairTiming| p.dd.map_or(0, |d| d.n) + p.ud.map_or(0, |d| d.n);
        assert!(w.pairs.iter().any(|p| (p.from, p.to)
            == (KeyClass::LetterLeft, KeyClass::LetterRight)
            && timings(p) >= 2 * 40));
        let order: Vec<usize> = w
            .pairs
            .iter()
            .map(|p| p.from.index() * KeyClass::COUNT + p.to.index())
            .collect();
        assert!(order.windows(2).all(|o| o[0] < o[1]), "kept in class order");
    }

    #[test]
    fn missing_keyups_are_dropped_not_counted() {
        let mut b = KeyWindowBuilder::new();
        for i in 0..6 {
            b.push(&ev(i as f64 * 100.0, true, i, KeyClass::Digit));
        }
        b.push(&ev(20_000.0, true, 50, KeyClass::Digit));
        let w = b.finish(MIN_BUCKET).unwrap();
        assert!(w.holds.is_empty());
        assert_eq!(b.open.len(), 1);
    }

    #[test]
    fn rollover_up_down_is_negative() {
        let mut b = KeyWindowBuilder::new();
        for i in 0..5u32 {
            let t = i as f64 * 300.0;
            b.push(&ev(t, true, 2 * i, KeyClass::LetterLeft));
            b.push(&ev(t + 60.0, true, 2 * i + 1, KeyClass::LetterRight));
            b.push(&ev(t + 100.0, false, 2 * i, KeyClass::LetterLeft));
            b.push(&ev(t + 150.0, false, 2 * i + 1, KeyClass::LetterRight));
        }
        let w = b.finish(MIN_BUCKET).unwrap();
        let lr = w
            .pairs
            .iter()
            .find(|p| p.from == KeyClass::LetterLeft && p.to == KeyClass::LetterRight)
            .unwrap();
        assert_eq!(lr.ud.unwrap().q50, -40.0);
        assert_eq!(lr.dd.unwrap().q50, 60.0);
    }

    #[test]
    fn no_timing_spans_a_broken_run() {
        // Five letters, focus elsewhere (a password field) for 2.5 s or 1 s, five more letters:
        // with the run broken, neither the pause nor a down-down time spans the gap, as if
        // nothing had been typed there.
        for gap in [2500.0, 1000.0] {
            let mut b = KeyWindowBuilder::new();
            let mut t = 0.0;
            for i in 0..10u32 {
                if i == 5 {
                    b.break_run();
                    t += gap;
                }
                b.push(&ev(t, true, i, KeyClass::LetterLeft));
                b.push(&ev(t + 80.0, false, i, KeyClass::LetterLeft));
                t += 150.0;
            }
            let w = b.finish(MIN_BUCKET).unwrap();
            assert_eq!(w.pauses, 0, "gap {gap}");
            let pair = &w.pairs[0];
            let dd = pair.dd.as_ref().unwrap();
            assert_eq!((dd.n, dd.q75), (8, 150.0), "gap {gap}: {pair:?}");
            assert_eq!(w.burst_mean_keys, 5.0, "two bursts of five");
        }
        // A key pressed before the break and released after it (Tab into a password field and
        // out again) gives no hold.
        let mut b = KeyWindowBuilder::new();
        for i in 0..5u32 {
            let t = f64::from(i) * 150.0;
            b.push(&ev(t, true, i, KeyClass::LetterLeft));
            b.push(&ev(t + 80.0, false, i, KeyClass::LetterLeft));
        }
        b.push(&ev(800.0, true, 9, KeyClass::Other));
        b.break_run();
        b.push(&ev(2800.0, false, 9, KeyClass::Other));
        let w = b.finish(MIN_BUCKET).unwrap();
        assert!(w.holds.iter().all(|h| h.class != KeyClass::Other), "{w:?}");
    }

    #[test]
    fn too_few_keys_give_no_window_and_carry_over() {
        let mut b = KeyWindowBuilder::new();
        b.push(&ev(0.0, true, 1, KeyClass::Digit));
        assert!(b.finish(MIN_BUCKET).is_none());
        assert!(b.finish(0).is_none(), "never under MIN_BUCKET presses");
        // Presses of windows too sparse to summarise count in the next one.
        let mut b = KeyWindowBuilder::new();
        let mut t = 0.0;
        let mut window = |b: &mut KeyWindowBuilder, presses: u32| {
            for i in 0..presses {
                b.push(&ev(t, true, i, KeyClass::LetterLeft));
                b.push(&ev(t + 80.0, false, i, KeyClass::LetterLeft));
                t += 200.0;
            }
            b.finish(MIN_WINDOW_KEYS)
        };
        let short = MIN_WINDOW_KEYS as u32 / 2;
        assert!(window(&mut b, short).is_none());
        assert!(window(&mut b, short - 1).is_none());
        let w = window(&mut b, 1).unwrap();
        assert_eq!(w.keys as usize, MIN_WINDOW_KEYS);
        let hold = &w.holds[0].hold;
        assert_eq!((hold.n as usize, hold.q50), (MIN_WINDOW_KEYS, 80.0));
        // And the window after starts afresh.
        assert!(window(&mut b, short).is_none());
    }
}
