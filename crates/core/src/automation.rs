//! Automation signals: evidence that a script, not a person, drives the browser. Each signal has a
//! strength in 0..=1; they combine so that no single signal can reach a verdict
//! ([`AUTOMATION_VERDICT`]), only several together (docs/design.md).

use crate::math;
use crate::motion;
use crate::prelude::*;

use serde::{Deserialize, Serialize};

use crate::event::{InputEvent, PointerKind, PointerPhase};
use crate::features::keys::PAUSE_MS;
use crate::features::pointer::ACTION_PAUSE_MS;
use crate::features::stats::rounded;
use crate::features::PointerWindow;

/// Automation score at which a window counts as automated.
pub const AUTOMATION_VERDICT: f64 = 0.5;
/// Most one signal can add: below [`AUTOMATION_VERDICT`], so one signal alone never decides,
/// while two strong ones (1 - 0.6² = 0.64) do.
const SIGNAL_WEIGHT: f64 = 0.4;
/// Timing intervals kept per window for the periodicity test (bounded memory).
const MAX_INTERVALS: usize = 256;
/// Human inter-key and hold times vary with a coefficient of variation of 0.3 to 0.8 (Killourhy
/// and Maxion 2009 data: median CV of holds 0.25); under 0.05 is machine-regular, and the signal
/// fades in between 0.05 and 0.15.
const CV_MACHINE: f64 = 0.05;
const CV_HUMAN: f64 = 0.15;
/// A press with no pointer movement in the preceding second had no approach path: a person's
/// hand always moves the pointer to a target first.
const APPROACH_MS: f64 = 1000.0;
/// Long movements the last two windows need before their shapes say anything: a few movements
/// are chance. 5: with 15 s windows, 4 put one SapiMouse person of the development half over
/// the verdict (0.52) and 6 let the humanised bot pass in 16% of 30 s sessions, where 5 kept
/// every person under it and flagged that bot in 97% (`npm run bench:bots`, docs/bots.md).
const MIN_JUDGED: u32 = 5;
/// A movement whose top speed is under this multiple of its mean speed has no bell: one
/// minimum-jerk bell peaks at 1.875 (Flash and Hogan 1985), constant speed at 1.
const FLAT_PEAK_RATIO: f64 = 1.4;
/// Share of a window's long movements with a flat profile that a hand reaches (signal 0) and
/// that is full strength.
const FLAT_HUMAN: f64 = 0.3;
const FLAT_FULL: f64 = 0.7;
/// Share of a window's long movements with one sub-movement that a hand reaches; all of them is
/// full strength.
const SINGLE_HUMAN: f64 = 0.6;
/// A movement that strays from its chord by less than this share of the chord's length is
/// ruler-straight.
const STRAIGHT_DEVIATION: f64 = 0.03;
/// Share of a window's long movements that are ruler-straight that a hand reaches (signal 0),
/// and that is full strength.
const STRAIGHT_HUMAN: f64 = 0.3;
const STRAIGHT_FULL: f64 = 0.7;

/// What a signal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Share of events with `isTrusted === false` (made by `dispatchEvent`).
    UntrustedEvents,
    /// `navigator.webdriver` is true.
    Webdriver,
    /// Key holds or intervals with near-zero variance.
    PeriodicTyping,
    /// Pointer actions on straight lines at constant speed.
    RoboticPointer,
    /// `movementX/Y` of 0 while the position changes.
    FrozenMovement,
    /// Presses with no pointer movement before them.
    ClicksWithoutApproach,
    /// Long movements whose speed never rises into a bell: a path swept at constant speed
    /// ([`motion`]).
    FlatSpeed,
    /// Long movements with one smooth speed sweep and no corrective sub-movement, more of them
    /// than a hand makes ([`motion`]).
    NoCorrections,
    /// Long movements along a ruler-straight line, more of them than a hand makes ([`motion`]).
    StraightPaths,
}

impl SignalKind {
    /// Stable name (as in JSON).
    pub fn name(self) -> &'static str {
        match self {
            SignalKind::UntrustedEvents => "untrusted_events",
            SignalKind::Webdriver => "webdriver",
            SignalKind::PeriodicTyping => "periodic_typing",
            SignalKind::RoboticPointer => "robotic_pointer",
            SignalKind::FrozenMovement => "frozen_movement",
            SignalKind::ClicksWithoutApproach => "clicks_without_approach",
            SignalKind::FlatSpeed => "flat_speed",
            SignalKind::NoCorrections => "no_corrections",
            SignalKind::StraightPaths => "straight_paths",
        }
    }
}

/// One signal and its strength.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    /// Which signal.
    pub kind: SignalKind,
    /// 0 (absent) to 1 (certain).
    pub strength: f64,
}

/// The automation verdict of a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AutomationReport {
    /// 0 (human) to 1 (automated).
    pub score: f64,
    /// The signals present (strength > 0).
    pub signals: Vec<Signal>,
    /// The window's replay fingerprint: the [`FINGERPRINT_LEN`] smallest hashes of its shingles
    /// (runs of [`SHINGLE`] consecutive pointer movements or key presses, each reduced to coarse
    /// timing bins). A hash of five events' binned durations: no key, character or coordinate,
    /// and no single event's timing. The server keeps them with the summaries it stores and
    /// compares a new window's with them ([`replayed`]): a recording replayed into the page
    /// repeats its shingles whatever the window boundaries.
    #[serde(default)]
    pub fingerprint: Vec<u32>,
}

/// Hashes kept per window (bottom-k MinHash, Broder 1997): 8 u32 are 32 bytes, in JSON text
/// at most about 90, and two windows of one recording share most of theirs.
pub const FINGERPRINT_LEN: usize = 8;
/// Pointer movements per shingle: five, the smallest bucket a summary reports (docs/design.md,
/// privacy rule 3).
pub const SHINGLE: usize = 5;
/// Key presses per shingle: eight. With five, five pairs of the 1,000 Aalto typists shared two
/// hashes of a window (`telltale-eval bots`, "replay memory"): a press's two 25 ms bins take
/// few common values, so five in a row repeat across people; with eight, none did.
pub const KEY_SHINGLE: usize = 8;
/// Shared hashes that make a window a replay of a stored one: two of eight. Two different
/// hands repeating five consecutive movements' point counts and 50 ms duration bins, or five
/// presses' 25 ms hold and gap bins, twice over, is not a coincidence.
pub const REPLAY_SHARED: usize = 2;
/// Pointer movements are binned by duration in 50 ms steps (with their point count, which a
/// replay keeps and jitter of a few ms does not change).
const MOVE_BIN_MS: f64 = 50.0;
/// Key holds and gaps are binned in 25 ms steps: wider than a browser's clock (at worst 100 µs,
/// or 1 ms in Firefox) and a replay's added jitter of a few ms, narrower than a typist's own
/// variation (holds spread by about 30 ms, Killourhy and Maxion 2009).
const KEY_BIN_MS: f64 = 25.0;

/// Whether a window with fingerprint `a` replays a stored window with fingerprint `b`.
pub fn replayed(a: &[u32], b: &[u32]) -> bool {
    a.iter().filter(|h| b.contains(h)).count() >= REPLAY_SHARED
}

/// The last tokens of one stream (a ring), hashed into the window's fingerprint once `len`
/// are there.
#[derive(Debug, Clone, Default)]
struct Shingles {
    recent: [u32; KEY_SHINGLE],
    count: usize,
}

impl Shingles {
    // Not inlined: called for movements and for keys, one copy keeps the package small.
    #[inline(never)]
    fn push(&mut self, token: u32, tag: u32, len: usize, bottom: &mut Vec<u32>) {
        self.recent[self.count % KEY_SHINGLE] = token;
        self.count += 1;
        if self.count < len {
            return;
        }
        // A word-wise multiply-xorshift hash (fixed and portable: the page and the server must
        // agree) over the tag and the last `len` tokens, oldest first.
        let mut h = tag;
        for j in self.count - len..self.count {
            h = (h ^ self.recent[j % KEY_SHINGLE]).wrapping_mul(0x9e37_79b1);
            h ^= h >> 15;
        }
        // Bottom-k: the FINGERPRINT_LEN smallest hashes, in no particular order.
        if bottom.contains(&h) {
            return;
        }
        if bottom.len() < FINGERPRINT_LEN {
            bottom.push(h);
        } else {
            // Replace the largest if this one is smaller.
            let mut at = 0;
            for i in 1..bottom.len() {
                if bottom[i] > bottom[at] {
                    at = i;
                }
            }
            if h < bottom[at] {
                bottom[at] = h;
            }
        }
    }
}

impl AutomationReport {
    /// The window's automation score as a scorer reads it: the higher of the score the page
    /// reported and what its signals combine to (as [`AutomationTracker::finish`] computes it),
    /// so a page that sends its signals cannot lower their verdict by rewriting the score.
    pub fn checked_score(&self) -> f64 {
        self.score.max(rounded(combine(&self.signals)))
    }
}

/// Combines signals: `1 - Π(1 - 0.4·s)`.
pub fn combine(signals: &[Signal]) -> f64 {
    1.0 - signals
        .iter()
        .map(|s| 1.0 - SIGNAL_WEIGHT * s.strength.clamp(0.0, 1.0))
        .product::<f64>()
}

/// Collects automation evidence from every event of a window, trusted or not. A window's
/// report judges its own events with the previous window's (the last 30 s at the default 15 s
/// windows): the shares its signals are made of were set on 30 s of input, and on 15 s alone
/// they are too few to tell a bot from a hand (the humanised bot passed in a quarter of its
/// 30 s sessions, a SapiMouse person failed; docs/bots.md).
#[derive(Debug, Clone, Default)]
pub struct AutomationTracker {
    events: u32,
    untrusted: u32,
    dd: Vec<f64>,
    holds: Vec<f64>,
    last_down: Option<f64>,
    open: Vec<(u32, f64)>,
    moves_with_movement: u32,
    frozen_moves: u32,
    last_move: Option<(f64, f64, f64)>,
    presses: u32,
    presses_without_approach: u32,
    /// The hover movement in progress (buttons up), for its speed profile: `t, x, y` triples.
    run: Vec<f64>,
    /// Movements long enough to judge, those with a flat profile, those with one sub-movement.
    judged: u32,
    flat: u32,
    single: u32,
    straight: u32,
    move_shingles: Shingles,
    key_shingles: Shingles,
    bottom: Vec<u32>,
    /// The previous window's tallies and its pointer actions (all, robotic).
    prev: Option<Box<(AutomationTracker, u32, u32)>>,
}

fn push_bounded(v: &mut Vec<f64>, x: f64) {
    if v.len() < MAX_INTERVALS {
        v.push(x);
    }
}

fn cv(v: &[f64]) -> Option<f64> {
    if v.len() < crate::features::stats::MIN_BUCKET {
        return None;
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if m <= 0.0 {
        return None;
    }
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0);
    Some(math::sqrt(var) / m)
}

impl AutomationTracker {
    /// A fresh tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the previous window: the next is judged on its own events. After a flush (page
    /// hidden, a step-up, `stop()`) or a pause of a window length, what comes next may be
    /// somebody else's, and an old window would dilute (or lend) its evidence.
    pub fn forget_previous(&mut self) {
        self.prev = None;
    }

    /// Ends the run of typing: no key-to-key gap spans the break (see
    /// [`crate::features::KeyWindowBuilder::break_run`]).
    pub fn break_key_run(&mut self) {
        self.last_down = None;
        self.open.clear();
    }

    /// Judges the hover movement in progress and starts a new one. Not inlined: three callers,
    /// one copy keeps the package small.
    #[inline(never)]
    fn end_run(&mut self) {
        let points = self.run.len() / 3;
        if points >= crate::features::pointer::MIN_POINTS {
            let d = self.run[3 * (points - 1)] - self.run[0];
            let token = ((d / MOVE_BIN_MS) as u32) << 16 | (points as u32 & 0xffff);
            self.move_shingles.push(token, 1, SHINGLE, &mut self.bottom);
        }
        if let Some(shape) = motion::assess(&self.run) {
            self.judged += 1;
            if shape.peak_ratio < FLAT_PEAK_RATIO {
                self.flat += 1;
            }
            if shape.submovements <= 1 {
                self.single += 1;
            }
            if shape.deviation < STRAIGHT_DEVIATION {
                self.straight += 1;
            }
        }
        self.run.clear();
    }

    /// Adds one event (trusted or not).
    pub fn push(&mut self, ev: &InputEvent) {
        self.events += 1;
        if !ev.trusted() {
            self.untrusted += 1;
        }
        match ev {
            InputEvent::Key(k) if k.down => {
                if let Some(prev) = self.last_down {
                    let gap = k.t - prev;
                    if (0.0..PAUSE_MS).contains(&gap) {
                        push_bounded(&mut self.dd, gap);
                    }
                }
                self.last_down = Some(k.t);
                if self.open.len() < 16 {
                    self.open.push((k.press, k.t));
                }
            }
            InputEvent::Key(k) => {
                if let Some(i) = self.open.iter().position(|o| o.0 == k.press) {
                    let (_, down) = self.open.swap_remove(i);
                    push_bounded(&mut self.holds, k.t - down);
                    let gap = self.dd.last().copied().unwrap_or(0.0);
                    let token = (((k.t - down).max(0.0) / KEY_BIN_MS) as u32) << 16
                        | ((gap / KEY_BIN_MS) as u32 & 0xffff);
                    self.key_shingles
                        .push(token, 2, KEY_SHINGLE, &mut self.bottom);
                }
            }
            InputEvent::Pointer(p) if p.kind == PointerKind::Mouse => match p.phase {
                PointerPhase::Move => {
                    if p.buttons != 0 {
                        self.end_run();
                    } else {
                        let n = self.run.len();
                        if n >= 3 && p.t - self.run[n - 3] >= ACTION_PAUSE_MS {
                            self.end_run();
                        }
                        if self.run.len() < 3 * motion::MAX_POINTS {
                            self.run.push(p.t);
                            self.run.push(p.x);
                            self.run.push(p.y);
                        }
                    }
                    if let (Some((_, lx, ly)), Some((mx, my))) = (self.last_move, p.movement) {
                        if lx != p.x || ly != p.y {
                            self.moves_with_movement += 1;
                            if mx == 0.0 && my == 0.0 {
                                self.frozen_moves += 1;
                            }
                        }
                    }
                    self.last_move = Some((p.t, p.x, p.y));
                }
                PointerPhase::Down => {
                    self.end_run();
                    self.presses += 1;
                    let approached = self
                        .last_move
                        .is_some_and(|(t, _, _)| p.t - t <= APPROACH_MS);
                    if !approached {
                        self.presses_without_approach += 1;
                    }
                }
                // A press has ended the hover movement already (a drag's moves are no hover).
                PointerPhase::Up | PointerPhase::Cancel => {}
            },
            _ => {}
        }
    }

    /// Takes this window's counts (its events alone, without the previous window's).
    fn take_tallies(&mut self) -> AutomationTracker {
        AutomationTracker {
            events: self.events,
            untrusted: self.untrusted,
            dd: core::mem::take(&mut self.dd),
            holds: core::mem::take(&mut self.holds),
            moves_with_movement: self.moves_with_movement,
            frozen_moves: self.frozen_moves,
            presses: self.presses,
            presses_without_approach: self.presses_without_approach,
            judged: self.judged,
            flat: self.flat,
            single: self.single,
            straight: self.straight,
            ..Default::default()
        }
    }

    /// Adds another window's counts (the interval lists stay bounded).
    fn add(&mut self, o: &AutomationTracker) {
        self.events += o.events;
        self.untrusted += o.untrusted;
        for &x in &o.dd {
            push_bounded(&mut self.dd, x);
        }
        for &x in &o.holds {
            push_bounded(&mut self.holds, x);
        }
        self.moves_with_movement += o.moves_with_movement;
        self.frozen_moves += o.frozen_moves;
        self.presses += o.presses;
        self.presses_without_approach += o.presses_without_approach;
        self.judged += o.judged;
        self.flat += o.flat;
        self.single += o.single;
        self.straight += o.straight;
    }

    /// The signals of these counts, with `actions` pointer actions of which `robotic` robotic.
    fn signals(&self, actions: u32, robotic: u32, webdriver: bool) -> Vec<Signal> {
        let mut signals = Vec::new();
        let mut add = |kind, strength: f64| {
            if strength > 0.0 {
                signals.push(Signal {
                    kind,
                    strength: rounded(strength.min(1.0)),
                });
            }
        };
        if self.events > 0 {
            // Half the events or more untrusted is full strength: a page's own synthetic events
            // (frameworks re-dispatching clicks) stay a small minority.
            add(
                SignalKind::UntrustedEvents,
                2.0 * self.untrusted as f64 / self.events as f64,
            );
        }
        add(SignalKind::Webdriver, if webdriver { 1.0 } else { 0.0 });
        let regular = [cv(&self.dd), cv(&self.holds)]
            .into_iter()
            .flatten()
            .map(|c| ((CV_HUMAN - c) / (CV_HUMAN - CV_MACHINE)).clamp(0.0, 1.0))
            .fold(0.0, f64::max);
        add(SignalKind::PeriodicTyping, regular);
        if actions > 0 {
            // A quarter of the actions ruler-straight at constant speed is full strength.
            add(
                SignalKind::RoboticPointer,
                4.0 * robotic as f64 / actions as f64,
            );
        }
        if self.moves_with_movement >= crate::features::stats::MIN_BUCKET as u32 {
            add(
                SignalKind::FrozenMovement,
                self.frozen_moves as f64 / self.moves_with_movement as f64,
            );
        }
        // Two presses at least: one click right after a page load may have no approach.
        if self.presses >= 2 {
            add(
                SignalKind::ClicksWithoutApproach,
                self.presses_without_approach as f64 / self.presses as f64,
            );
        }
        if self.judged >= MIN_JUDGED {
            let share = |k: u32| f64::from(k) / f64::from(self.judged);
            add(
                SignalKind::FlatSpeed,
                (share(self.flat) - FLAT_HUMAN) / (FLAT_FULL - FLAT_HUMAN),
            );
            add(
                SignalKind::NoCorrections,
                (share(self.single) - SINGLE_HUMAN) / (1.0 - SINGLE_HUMAN),
            );
            add(
                SignalKind::StraightPaths,
                (share(self.straight) - STRAIGHT_HUMAN) / (STRAIGHT_FULL - STRAIGHT_HUMAN),
            );
        }
        signals
    }

    /// Events seen in this window.
    pub fn events(&self) -> u32 {
        self.events
    }

    /// Untrusted events seen in this window.
    pub fn untrusted(&self) -> u32 {
        self.untrusted
    }

    /// The window's report, given its pointer windows and `navigator.webdriver`, over its events
    /// and the previous window's; resets the per-window counts and keeps them as the previous.
    pub fn finish(&mut self, pointer: &[PointerWindow], webdriver: bool) -> AutomationReport {
        let (actions, robotic) = pointer
            .iter()
            .fold((0, 0), |(a, r), w| (a + w.actions, r + w.robotic_actions));
        let kept = self.take_tallies();
        let mut span = kept.clone();
        let (mut all_actions, mut all_robotic) = (actions, robotic);
        if let Some(p) = self.prev.as_deref() {
            span.add(&p.0);
            all_actions += p.1;
            all_robotic += p.2;
        }
        let signals = span.signals(all_actions, all_robotic, webdriver);
        let last_down = self.last_down;
        let last_move = self.last_move;
        let open = core::mem::take(&mut self.open);
        let run = core::mem::take(&mut self.run);
        let move_shingles = core::mem::take(&mut self.move_shingles);
        let key_shingles = core::mem::take(&mut self.key_shingles);
        let fingerprint = core::mem::take(&mut self.bottom);
        *self = AutomationTracker {
            last_down,
            last_move,
            open,
            run,
            move_shingles,
            key_shingles,
            // A window of no events (a flush with nothing open) leaves nothing to judge with.
            prev: (kept.events > 0).then(|| Box::new((kept, actions, robotic))),
            ..Default::default()
        };
        AutomationReport {
            score: rounded(combine(&signals)),
            signals,
            fingerprint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{KeyClass, KeyEvent};

    fn key(t: f64, down: bool, press: u32, trusted: bool) -> InputEvent {
        InputEvent::Key(KeyEvent {
            t,
            down,
            class: KeyClass::LetterLeft,
            press,
            trusted,
        })
    }

    #[test]
    fn one_signal_never_decides() {
        for kind in [SignalKind::Webdriver, SignalKind::PeriodicTyping] {
            assert!(
                combine(&[Signal {
                    kind,
                    strength: 1.0
                }]) < AUTOMATION_VERDICT
            );
        }
        let two = [
            Signal {
                kind: SignalKind::Webdriver,
                strength: 1.0,
            },
            Signal {
                kind: SignalKind::PeriodicTyping,
                strength: 1.0,
            },
        ];
        assert!(combine(&two) >= AUTOMATION_VERDICT);
    }

    /// `n` ruler-straight movements at constant speed (40 points over 400 px in 400 ms), each
    /// followed by a pause that ends it, from `t0`.
    fn robotic_moves(a: &mut AutomationTracker, t0: f64, n: usize) {
        use crate::event::{PointerEvent, PointerKind, PointerPhase};
        let mut t = t0;
        for _ in 0..n {
            for k in 0..40 {
                a.push(&InputEvent::Pointer(PointerEvent {
                    t,
                    phase: PointerPhase::Move,
                    kind: PointerKind::Mouse,
                    x: 100.0 + 10.0 * f64::from(k),
                    y: 300.0,
                    buttons: 0,
                    movement: None,
                    trusted: true,
                }));
                t += 10.0;
            }
            t += 2.0 * ACTION_PAUSE_MS;
        }
    }

    fn has_shape(r: &AutomationReport) -> bool {
        r.signals
            .iter()
            .any(|s| s.kind == SignalKind::StraightPaths)
    }

    #[test]
    fn movements_are_judged_with_the_previous_windows() {
        let mut a = AutomationTracker::new();
        // Three judged movements (and a fourth, ended by the next window's first move): too
        // few alone.
        robotic_moves(&mut a, 0.0, 4);
        let first = a.finish(&[], false);
        assert!(!has_shape(&first), "{first:?}");
        // Three more: with the previous window's, enough.
        robotic_moves(&mut a, 10_000.0, 3);
        let second = a.finish(&[], false);
        assert!(has_shape(&second), "{second:?}");
        // A window of nothing new has only the previous window's three (and its last move).
        let third = a.finish(&[], false);
        assert!(!has_shape(&third), "{third:?}");
        // Forgotten (a flush, a pause of a window length): judged on its own events again.
        let mut b = AutomationTracker::new();
        robotic_moves(&mut b, 0.0, 4);
        b.finish(&[], false);
        b.forget_previous();
        robotic_moves(&mut b, 10_000.0, 3);
        let alone = b.finish(&[], false);
        assert!(!has_shape(&alone), "{alone:?}");
    }

    #[test]
    fn scripted_typing_is_flagged_human_is_not() {
        let mut bot = AutomationTracker::new();
        for i in 0..20 {
            bot.push(&key(i as f64 * 50.0, true, i, false));
            bot.push(&key(i as f64 * 50.0 + 10.0, false, i, false));
        }
        let r = bot.finish(&[], true);
        assert!(r.score >= AUTOMATION_VERDICT, "{r:?}");

        let mut human = AutomationTracker::new();
        let gaps = [180.0, 95.0, 240.0, 130.0, 310.0, 160.0, 110.0, 205.0];
        let holds = [95.0, 70.0, 120.0, 88.0, 101.0, 64.0, 79.0, 133.0];
        let mut t = 0.0;
        for i in 0..40 {
            human.push(&key(t, true, i, true));
            human.push(&key(t + holds[i as usize % 8], false, i, true));
            t += gaps[(i as usize * 3) % 8];
        }
        let r = human.finish(&[], false);
        assert_eq!(r.score, 0.0, "{r:?}");
    }
}
