//! Whole sessions: what the server's session decision ([`telltale_core::SessionTrust`], the one
//! rule it applies) does over long genuine sessions and over takeovers, on free text (Aalto),
//! pointer (SapiMouse) and both at once (row `both`: each Aalto user typing while a SapiMouse
//! user moves the mouse, [`prepare_both`]). Every window goes through the page's windower with
//! its default settings (15 s or 200 key events), is scored by the user's [`Profile`] as the
//! server scores it (a window of both on both parts), and the scores are folded in order.
//!
//! - **False flags per genuine hour**: each user's held-out windows, in order, form a genuine
//!   session; a flag counts once and the decision starts again (a reviewer cleared it), so a
//!   long session can be flagged more than once. Hours are the length of the page's windows
//!   that hold any input ([`active_seconds`]).
//! - **Time to flag a takeover** (Mondal and Bours' ANIA and its time form): the user's held-out
//!   windows, then another user's, scored against the user's profile; keystrokes and seconds
//!   from the takeover to the end of the window that raised the flag. A takeover not flagged
//!   before the impostor's data runs out counts as never flagged (above every quantile it
//!   decides).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use telltale_core::decision::REVIEW_EVIDENCE;
use telltale_core::event::{InputEvent, PointerEvent, PointerKind};
use telltale_core::profile::leave_one_out;
use telltale_core::{
    Feature, Profile, ProfileParams, Score, SessionTrust, Summary, WindowConfig, Windower,
};

use crate::freetext::{self, Stroke};

/// Windows an eval profile needs before it scores: the fewest [`ProfileParams::check`] allows.
/// The server's default is 20 (10 minutes of input); the public data sets hold a few minutes per
/// person, so each enrollment is cut into overlapping windows (a window every quarter window),
/// the profile enrolls after 10 of them, and its similarity scale is learned from scores that
/// overlap nothing they are scored against ([`recalibrate`]).
const ENROLL_WINDOWS: u32 = 10;
/// Enrollment windows start every quarter window (keystrokes or seconds).
const ENROLL_PHASES: usize = 4;
/// Impostors per user in the takeover sessions: the next ones in the data set's order.
const IMPOSTORS: usize = 10;
/// Issue 21's aim for a takeover: flagged within 60 s (median). The report says what share is
/// flagged by then and what share of takeovers had even seen two windows end by then, the most a
/// rule that needs two windows ([`telltale_core::decision::P_FLOOR`]) could flag.
pub const AIM_SECONDS: f64 = 60.0;

/// One scored window.
#[derive(Debug, Clone)]
pub struct Window {
    /// The score the server gives it.
    pub score: Score,
    /// When it ended, ms (the page's clock).
    pub end_ms: f64,
    /// Keystrokes in it.
    pub keys: u32,
}

/// A user's data, prepared: the profile, the held-out windows scored against it, and the
/// summaries other users' profiles score as an impostor's.
struct Prepared {
    profile: Profile,
    held_out: Vec<Summary>,
    /// What this user's input is as an impostor's: the events, windowed afresh for each
    /// takeover ([`takeover_windows`]).
    as_impostor: Vec<InputEvent>,
    /// In row `both`, the SapiMouse user whose mouse this user has: an impostor with the same
    /// mouse is no impostor in that part (its data would include the victim's enrollment).
    mouse: Option<usize>,
    /// Seconds of the held-out input: the page's windows that hold any event, summarised or
    /// not ([`active_seconds`]).
    active_seconds: f64,
}

/// How long a stream of input lasts as the page sees it: the length of every window the page
/// opens for it (at the default settings), those that carry their presses over
/// ([`telltale_core::features::keys::MIN_WINDOW_KEYS`]) and send no key part included. False
/// flags are counted per hour of this: the hours a worker works, whatever the window length
/// (counted over the summarised windows only, the hours would shrink as windows get shorter
/// and carry over more often).
fn active_seconds(events: &[InputEvent]) -> f64 {
    page_windows(events, WindowConfig::default().tick_ms())
        .iter()
        .filter(|s| s.counts.events > 0)
        .map(|s| (s.end_ms - s.start_ms) / 1000.0)
        .sum()
}

/// Which parts an eval profile must have enrolled.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Need {
    /// Keys or pointer (a one-modality row).
    Any,
    /// Keys and pointer.
    Both,
}

fn profile_of(enroll: &[Summary], need: Need) -> Option<Profile> {
    let params = ProfileParams {
        enroll_windows: ENROLL_WINDOWS,
        ..ProfileParams::default()
    }
    .check()
    .ok()?;
    let mut p = Profile::new(params);
    for s in enroll {
        p.learn(s).ok()?;
    }
    recalibrate(&mut p, enroll);
    // Enrolled and calibrated for the modality at hand.
    let scorer = p.scorer();
    let (keys, pointer) = (scorer.keys.is_some(), !scorer.pointer.is_empty());
    match need {
        Need::Any => keys || pointer,
        Need::Both => keys && pointer,
    }
    .then_some(p)
}

/// Learns the profile's similarity scale again as the server does ([`leave_one_out`]: each
/// enrollment window scored against a model of the others), from the others that do not overlap
/// it: the enrollment windows overlap (they start every quarter window), and a window's score
/// against a model that learned three-quarters of it is no honest score (scored so, the scale
/// was too narrow and genuine windows fell under similarity 1 four to five times too often).
/// Each enrolled part (keys, mouse) from the windows that hold it.
fn recalibrate(p: &mut Profile, enroll: &[Summary]) {
    let part_windows = |f: &dyn Fn(&Summary) -> Option<Vec<Feature>>| {
        enroll
            .iter()
            .filter_map(|s| Some((s.start_ms, s.end_ms, f(s)?)))
            .collect::<Vec<(f64, f64, Vec<Feature>)>>()
    };
    let calibrate = |part: &mut telltale_core::profile::WindowProfile,
                     windows: &[(f64, f64, Vec<Feature>)]| {
        let features: Vec<Vec<Feature>> = windows.iter().map(|w| w.2.clone()).collect();
        part.calibration = leave_one_out(part.model.params, &features, |i, j| {
            let ((s1, e1, _), (s2, e2, _)) = (&windows[i], &windows[j]);
            e2 <= s1 || s2 >= e1
        });
    };
    if let Some(k) = p.keys.as_mut() {
        calibrate(k, &part_windows(&|s| s.keys.as_ref().map(|k| k.features())));
    }
    if p.pointer.get(&PointerKind::Mouse).is_some() {
        let windows = part_windows(&|s| {
            s.pointer
                .iter()
                .find(|w| w.kind == PointerKind::Mouse)
                .map(|w| w.features())
        });
        let part = p
            .pointer
            .get_or_insert_with(PointerKind::Mouse, Default::default);
        calibrate(part, &windows);
    }
}

fn scored(profile: &Profile, s: &Summary) -> Window {
    Window {
        score: profile.score(s),
        end_ms: s.end_ms,
        keys: s.keys.as_ref().map_or(0, |k| k.keys),
    }
}

/// The decision's parameters, for the sensitivity table: the core's constants by default.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Rule {
    /// Subtracted per window.
    pub drift: f64,
    /// Evidence that flags.
    pub review: f64,
    /// Smallest p-value counted.
    pub p_floor: f64,
}

impl Rule {
    /// The core's rule ([`telltale_core::decision`]): checked against [`SessionTrust`] on every
    /// window the evaluation folds in.
    pub const CORE: Rule = Rule {
        drift: telltale_core::decision::DRIFT,
        review: REVIEW_EVIDENCE,
        p_floor: telltale_core::decision::P_FLOOR,
    };
}

/// Folds windows in order, flag by flag: the indices of the windows that raised a flag (the
/// decision starts again after each).
pub fn flags(windows: &[Window], rule: Rule) -> Vec<usize> {
    let core = rule.drift == Rule::CORE.drift
        && rule.review == Rule::CORE.review
        && rule.p_floor == Rule::CORE.p_floor;
    let mut out = Vec::new();
    let mut evidence: f64 = 0.0;
    let mut trust = SessionTrust::default();
    for (i, w) in windows.iter().enumerate() {
        let Some(similarity) = w.score.identity_similarity() else {
            continue;
        };
        let p = (similarity / 100.0).clamp(rule.p_floor, 1.0);
        evidence = (evidence - p.ln() - rule.drift).max(0.0);
        let flagged = evidence >= rule.review;
        if core {
            trust.push(&w.score);
            // The replica is the core's rule exactly (the sensitivity rows rely on it).
            assert_eq!(
                trust.decision().flagged(),
                flagged,
                "the evaluation's fold disagrees with SessionTrust"
            );
        }
        if flagged {
            out.push(i);
            evidence = 0.0;
            trust = SessionTrust::default();
        }
    }
    out
}

/// Result of one modality.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionResult {
    /// `keys` or `pointer`.
    pub modality: String,
    /// The rule measured.
    pub rule: Rule,
    /// Users with an enrolled profile.
    pub users: usize,
    /// Hours of genuine windows.
    pub genuine_hours: f64,
    /// False flags over them.
    pub false_flags: usize,
    /// False flags per genuine hour.
    pub false_flags_per_hour: f64,
    /// False flags when every user's genuine windows are chained into one long session (in the
    /// data set's order, each window scored against its own user's profile): the decision then
    /// carries evidence from one user's last windows into the next one's, as a shift-long session
    /// would from one hour into the next.
    pub chained_false_flags: usize,
    /// Takeover sessions.
    pub takeovers: usize,
    /// Share of them flagged before the impostor's data ran out.
    pub takeovers_flagged: f64,
    /// Keystrokes from takeover to flag: median and 90th percentile (`null` = not flagged).
    pub keys_to_flag_median: Option<f64>,
    /// 90th percentile.
    pub keys_to_flag_p90: Option<f64>,
    /// Seconds from takeover to flag: median.
    pub seconds_to_flag_median: Option<f64>,
    /// 90th percentile.
    pub seconds_to_flag_p90: Option<f64>,
    /// Share of takeovers flagged at the impostor's first, second and third window.
    pub flagged_at_window: [f64; 3],
    /// Share of takeovers flagged within [`AIM_SECONDS`] of the takeover.
    pub flagged_within_aim: f64,
    /// Share of takeovers whose impostor's second window ended within [`AIM_SECONDS`]: the
    /// ceiling on flags by then for a rule that needs two windows.
    pub second_window_within_aim: f64,
    /// Share of genuine windows under similarity 5 and 1 (a calibrated profile: 5% and 1%).
    pub genuine_below: [f64; 2],
    /// Share of the impostors' windows under similarity 5, 1 and 0.01.
    pub impostor_below: [f64; 3],
}

/// One takeover: when it was flagged, if it was.
#[derive(Debug, Clone, Copy, Default)]
struct Takeover {
    /// Keystrokes from the takeover to the flag.
    keys: Option<f64>,
    /// Seconds from the takeover to the flag.
    seconds: Option<f64>,
    /// The impostor's window that raised it, from 1.
    window: Option<usize>,
    /// Seconds from the takeover to the end of the impostor's second window.
    second_window_ends: Option<f64>,
}

/// Quantile `q` of values where `None` is "never" (above every number); `None` when the
/// quantile falls among those.
fn quantile(v: &[Option<f64>], q: f64) -> Option<f64> {
    let mut s: Vec<f64> = v.iter().map(|x| x.unwrap_or(f64::INFINITY)).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return None;
    }
    // The nearest-rank quantile: a value that was observed (or "never").
    let i = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len()) - 1;
    s[i].is_finite().then_some(s[i])
}

fn evaluate(modality: &str, users: &[Prepared], rule: Rule) -> SessionResult {
    let n = users.len();
    type PerUser = (f64, usize, Vec<Takeover>, Vec<f64>, Vec<f64>);
    let per_user: Vec<PerUser> = (0..n)
        .into_par_iter()
        .map(|u| {
            let me = &users[u];
            let genuine: Vec<Window> = me.held_out.iter().map(|s| scored(&me.profile, s)).collect();
            let hours = me.active_seconds / 3600.0;
            let false_flags = flags(&genuine, rule).len();
            let sims = |w: &[Window]| -> Vec<f64> {
                w.iter()
                    .filter_map(|w| w.score.identity_similarity())
                    .collect()
            };
            let mut impostor_sims = Vec::new();
            let takeovers = (1..n)
                .map(|k| (u + k) % n)
                .filter(|&v| me.mouse.is_none() || users[v].mouse != me.mouse)
                .take(IMPOSTORS)
                .enumerate()
                .map(|(k, v)| {
                    let mut session = genuine.clone();
                    let at = session.len();
                    let windows = takeover_windows(&users[v].as_impostor, phase(u, k));
                    session.extend(windows.iter().map(|s| scored(&me.profile, s)));
                    impostor_sims.extend(sims(&session[at..]));
                    let first = flags(&session, rule).into_iter().find(|&i| i >= at);
                    // Seconds from the impostor's first event (a window may start before it, at
                    // the timer's last tick).
                    let t0 = users[v].as_impostor.first().map_or(0.0, |e| e.time());
                    let since = |w: &Window| (w.end_ms - t0) / 1000.0;
                    let second_window_ends = session.get(at + 1).map(since);
                    match first {
                        None => Takeover {
                            second_window_ends,
                            ..Takeover::default()
                        },
                        Some(i) => {
                            let w = &session[at..=i];
                            Takeover {
                                keys: Some(w.iter().map(|w| f64::from(w.keys)).sum::<f64>()),
                                seconds: Some(since(&session[i])),
                                window: Some(w.len()),
                                second_window_ends,
                            }
                        }
                    }
                })
                .collect();
            (hours, false_flags, takeovers, sims(&genuine), impostor_sims)
        })
        .collect();
    let share = |v: &[f64], below: f64| {
        v.iter().filter(|&&s| s < below).count() as f64 / v.len().max(1) as f64
    };
    let g: Vec<f64> = per_user.iter().flat_map(|r| r.3.iter().copied()).collect();
    let i: Vec<f64> = per_user.iter().flat_map(|r| r.4.iter().copied()).collect();
    let genuine_below = [share(&g, 5.0), share(&g, 1.0)];
    let impostor_below = [share(&i, 5.0), share(&i, 1.0), share(&i, 0.01)];
    let chained: Vec<Window> = users
        .par_iter()
        .flat_map_iter(|me| {
            me.held_out
                .iter()
                .map(|s| scored(&me.profile, s))
                .collect::<Vec<_>>()
        })
        .collect();
    let chained_false_flags = flags(&chained, rule).len();
    let hours: f64 = per_user.iter().map(|r| r.0).sum();
    let false_flags: usize = per_user.iter().map(|r| r.1).sum();
    let t: Vec<Takeover> = per_user.into_iter().flat_map(|r| r.2).collect();
    let keys: Vec<Option<f64>> = t.iter().map(|x| x.keys).collect();
    let secs: Vec<Option<f64>> = t.iter().map(|x| x.seconds).collect();
    let share_of = |f: &dyn Fn(&Takeover) -> bool| {
        t.iter().filter(|x| f(x)).count() as f64 / t.len().max(1) as f64
    };
    let at_window = |n: usize| share_of(&|x| x.window == Some(n));
    let is_keys = modality != "pointer";
    SessionResult {
        modality: modality.into(),
        rule,
        users: n,
        genuine_hours: hours,
        false_flags,
        false_flags_per_hour: false_flags as f64 / hours.max(1e-9),
        chained_false_flags,
        takeovers: t.len(),
        takeovers_flagged: secs.iter().filter(|s| s.is_some()).count() as f64
            / t.len().max(1) as f64,
        keys_to_flag_median: if is_keys { quantile(&keys, 0.5) } else { None },
        keys_to_flag_p90: if is_keys { quantile(&keys, 0.9) } else { None },
        seconds_to_flag_median: quantile(&secs, 0.5),
        seconds_to_flag_p90: quantile(&secs, 0.9),
        flagged_at_window: [at_window(1), at_window(2), at_window(3)],
        flagged_within_aim: share_of(&|x| x.seconds.is_some_and(|s| s <= AIM_SECONDS)),
        second_window_within_aim: share_of(&|x| {
            x.second_window_ends.is_some_and(|s| s <= AIM_SECONDS)
        }),
        genuine_below,
        impostor_below,
    }
}

/// The page's summaries of a run of keystrokes, with the default windows.
fn key_summaries(strokes: &[Stroke]) -> Vec<Summary> {
    windowed(&freetext::events(strokes))
}

/// The summaries the page sends for `events` with the default windows: the windower fed as the
/// collector feeds it, with the collector's timer ticking between the events (every quarter
/// window), so that a window closes on a tick, as on the page, and not at the next event after
/// its time. The timer runs from the page's load, so its phase against the first event is the
/// page's: its first tick after the first event comes `first_tick` ms after it (0 <
/// `first_tick` <= a quarter window), and it ticked once a period before that, where the first
/// window starts ([`Windower`]'s window start). The last window closes at the last event (the
/// page hidden).
fn page_windows(events: &[InputEvent], first_tick: f64) -> Vec<Summary> {
    let config = WindowConfig::default();
    let mut w = Windower::new(config, "eval", "eval-page-000000");
    let mut out: Vec<Summary> = Vec::new();
    let mut next_tick = events.first().map_or(0.0, |e| e.time()) + first_tick;
    // The tick before the first event: nothing is open yet, so it closes nothing.
    out.extend(w.tick(next_tick - config.tick_ms()));
    for e in events {
        while next_tick <= e.time() {
            out.extend(w.tick(next_tick));
            next_tick += config.tick_ms();
        }
        out.extend(w.push(*e));
    }
    if let Some(last) = events.last() {
        out.extend(w.flush(last.time()));
    }
    out
}

/// The timer's phase for the `k`-th takeover of user `u`: where its first tick falls after the
/// impostor's first event. The impostor sits down at a page whose timer has run since the
/// worker loaded it, so the phase is anyone's: the takeovers spread it evenly over a quarter
/// window (tenths of it: 0.375 to 3.75 s at the default 15 s). The impostor's first window
/// starts at the tick before their first event (0 to 3.375 s before it) and, closed by its
/// time, ends a window length after that tick. With the timer's phase the same for every takeover (one started with the
/// impostor), every such window would end at the same moment of the impostor's input, and the
/// median time to flag would rest on that one phase (measured with 30 s windows: with the
/// first tick a whole quarter window after the first event, 60.0 s for typing where the
/// spread phases gave 64 s when windows closed at the first tick after their 30 s).
fn phase(u: usize, k: usize) -> f64 {
    WindowConfig::default().tick_ms() * ((u + k) % PHASES + 1) as f64 / PHASES as f64
}

/// Timer phases the takeovers spread over.
const PHASES: usize = 10;

/// A takeover's windows: the impostor's events on its own page from its first event, the
/// timer's first tick `first_tick` ms after it.
fn takeover_windows(events: &[InputEvent], first_tick: f64) -> Vec<Summary> {
    let mut out = page_windows(events, first_tick);
    out.retain(|s| s.keys.is_some() || !s.pointer.is_empty());
    out
}

/// Free-text sessions: each user enrolled on its first `enroll_keys` keystrokes (windows
/// starting every quarter of 100 keystrokes), held out the rest.
fn prepare_keys(users: &[freetext::User], enroll_keys: usize) -> Vec<Prepared> {
    // A default window closes at 200 key events: 100 keystrokes.
    let window_keys = WindowConfig::default().max_key_events as usize / 2;
    users
        .par_iter()
        .filter(|u| u.strokes.len() > enroll_keys)
        .filter_map(|u| {
            let (enroll, rest) = u.strokes.split_at(enroll_keys);
            let mut windows: Vec<Summary> = (0..ENROLL_PHASES)
                .flat_map(|k| key_summaries(&enroll[k * window_keys / ENROLL_PHASES..]))
                .collect();
            windows.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
            Some(Prepared {
                profile: profile_of(&windows, Need::Any)?,
                held_out: key_summaries(rest),
                active_seconds: active_seconds(&freetext::events(rest)),
                as_impostor: freetext::events(&u.strokes),
                mouse: None,
            })
        })
        .collect()
}

/// Reads a SapiMouse session as the events the boundary would hand the windower, from where
/// the person starts moving ([`from_first_movement`]).
pub fn pointer_events(path: &Path) -> Result<Vec<InputEvent>, String> {
    let events = telltale_eval::data::sapimouse(path)?;
    Ok(from_first_movement(&events)
        .iter()
        .copied()
        .map(InputEvent::Pointer)
        .collect())
}

/// A pause after a recording's first events that marks them as the page's, not the person's:
/// 10 s, two thirds of a default window. 30 of SapiMouse's 245 recordings begin with one or two moves at
/// the page's load and then nothing for 10.6 s to 256 s (the participant reading the task);
/// within the recordings proper, pauses of 10 s or more are rarer (5 of them, in 5 files).
const LEAD_PAUSE_MS: f64 = 10_000.0;
/// Events before such a pause that are taken as the page's: one (25 recordings) or two (5), all
/// plain moves.
const LEAD_EVENTS: usize = 2;

/// `events` without the page's leading ones: a session's time to flag a takeover counts from
/// the impostor's first event, and a lone move at the page's load minutes before their input
/// would count the minutes they sat reading (a window of it holds nothing to score). Sessions
/// (genuine, enrollment and impostor alike) start at the first move that input follows.
fn from_first_movement(events: &[PointerEvent]) -> &[PointerEvent] {
    let lead = events
        .windows(2)
        .take(LEAD_EVENTS)
        .rposition(|p| p[1].t - p[0].t >= LEAD_PAUSE_MS);
    lead.map_or(events, |i| &events[i + 1..])
}

/// The page's summaries of a stream of events with the default windows (the timer's first tick
/// a quarter window after the first event): those with keys or pointer windows.
fn windowed(events: &[InputEvent]) -> Vec<Summary> {
    takeover_windows(events, WindowConfig::default().tick_ms())
}

/// Enrollment windows of a stream: windows starting every quarter window (of time).
fn enrollment_windows(events: &[InputEvent]) -> Vec<Summary> {
    let window_ms = WindowConfig::default().window_ms;
    let t0 = events.first().map_or(0.0, |e| e.time());
    let mut windows: Vec<Summary> = (0..ENROLL_PHASES)
        .flat_map(|k| {
            let from = t0 + k as f64 * window_ms / ENROLL_PHASES as f64;
            let start = events.partition_point(|e| e.time() < from);
            windowed(&events[start..])
        })
        .collect();
    windows.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    windows
}

/// A user's two SapiMouse sessions as events: (3-minute, 1-minute).
type MouseSessions = (Vec<InputEvent>, Vec<InputEvent>);

fn mouse_sessions(
    dir: &Path,
    users: crate::keystroke::Users,
) -> Result<Vec<MouseSessions>, String> {
    let plan = crate::pointer::sapimouse_plan(dir)?;
    users
        .pick(plan.users.values().collect::<Vec<_>>())
        .par_iter()
        .map(|sets| Ok((pointer_events(&sets[0][0])?, pointer_events(&sets[1][0])?)))
        .collect()
}

/// Pointer sessions on a SapiMouse folder: each user enrolled on its 3-minute session (windows
/// starting every quarter window), held out its 1-minute session; as an impostor, its 1-minute
/// then its 3-minute session.
fn prepare_pointer(mice: &[MouseSessions]) -> Vec<Prepared> {
    mice.par_iter()
        .filter_map(|(three, one)| {
            Some(Prepared {
                profile: profile_of(&enrollment_windows(three), Need::Any)?,
                held_out: windowed(one),
                active_seconds: active_seconds(one),
                as_impostor: one_then_three(one, three),
                mouse: None,
            })
        })
        .collect()
}

/// A user's mouse as an impostor's: the 1-minute session, then the 3-minute one a second after
/// it ends.
fn one_then_three(one: &[InputEvent], three: &[InputEvent]) -> Vec<InputEvent> {
    let end = one.last().map_or(0.0, |e| e.time());
    let mut v = one.to_vec();
    v.extend(starting_at(three, end + 1000.0));
    v
}

/// `events` moved in time so that the first is at `at` ms.
fn starting_at(events: &[InputEvent], at: f64) -> Vec<InputEvent> {
    let shift = at - events.first().map_or(at, |e| e.time());
    events
        .iter()
        .map(|e| {
            let mut e = *e;
            match &mut e {
                InputEvent::Key(k) => k.t += shift,
                InputEvent::Pointer(p) => p.t += shift,
                InputEvent::Wheel(w) => w.t += shift,
            }
            e
        })
        .collect()
}

/// Typing and pointing at once: both streams from time 0, in time order (at equal times the
/// keys' first; each stream keeps its own order).
fn together(keys: &[Stroke], pointer: &[InputEvent]) -> Vec<InputEvent> {
    let mut v = starting_at(&freetext::events(keys), 0.0);
    v.extend(starting_at(pointer, 0.0));
    v.sort_by(|a, b| a.time().total_cmp(&b.time()));
    v
}

/// Keys and pointer in one session, as a portal worker's windows hold both: each Aalto user of
/// the half typing while a SapiMouse user of the same half moves the mouse (the Aalto user's
/// index modulo the SapiMouse users: a "chimeric" user, the usual stand-in where no data set
/// holds both modalities of one person, which takes the two as independent). Enrolled on the
/// first `enroll_keys` keystrokes beside the 3-minute mouse session, held out the rest beside
/// the 1-minute one; as an impostor, all its keystrokes beside its 1-minute then its 3-minute
/// session. Windows are the page's: 15 s or 200 key events, each scored on every part it holds.
fn prepare_both(
    users: &[freetext::User],
    mice: &[MouseSessions],
    enroll_keys: usize,
) -> Vec<Prepared> {
    if mice.is_empty() {
        return Vec::new();
    }
    users
        .par_iter()
        .enumerate()
        .filter(|(_, u)| u.strokes.len() > enroll_keys)
        .filter_map(|(i, u)| {
            let m = i % mice.len();
            let (three, one) = &mice[m];
            let (enroll, rest) = u.strokes.split_at(enroll_keys);
            Some(Prepared {
                profile: profile_of(&enrollment_windows(&together(enroll, three)), Need::Both)?,
                held_out: windowed(&together(rest, one)),
                active_seconds: active_seconds(&together(rest, one)),
                as_impostor: together(&u.strokes, &one_then_three(one, three)),
                mouse: Some(m),
            })
        })
        .collect()
}

/// Runs both modalities with `rules` (the core's first).
pub fn run(
    freetext_data: &Path,
    sapimouse: &Path,
    users: crate::keystroke::Users,
    enroll_keys: usize,
    rules: &[Rule],
) -> Result<Vec<SessionResult>, String> {
    let typists = users.pick(freetext::load(freetext_data)?);
    let keys = prepare_keys(&typists, enroll_keys);
    let mice = mouse_sessions(sapimouse, users)?;
    let pointer = prepare_pointer(&mice);
    let both = prepare_both(&typists, &mice, enroll_keys);
    let mut out = Vec::new();
    for &r in rules {
        out.push(evaluate("keys", &keys, r));
        out.push(evaluate("pointer", &pointer, r));
        out.push(evaluate("both", &both, r));
    }
    Ok(out)
}

/// Where the data README puts SapiMouse.
pub fn default_sapimouse() -> PathBuf {
    crate::pointer::default_sapimouse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_leading_moves_are_not_the_session() {
        let at = |t: f64| PointerEvent {
            t,
            phase: telltale_core::event::PointerPhase::Move,
            kind: PointerKind::Mouse,
            x: 0.0,
            y: 0.0,
            buttons: 0,
            movement: None,
            trusted: true,
        };
        let moves = |ts: &[f64]| ts.iter().map(|&t| at(t)).collect::<Vec<_>>();
        let first = |ts: &[f64]| from_first_movement(&moves(ts)).first().map(|e| e.t);
        // One or two moves, then a long pause: the session starts after it.
        assert_eq!(first(&[0.0, 60_000.0, 60_016.0]), Some(60_000.0));
        assert_eq!(first(&[0.0, 5.0, 30_000.0, 30_016.0]), Some(30_000.0));
        // A pause later on, or a short one, is the person's.
        assert_eq!(first(&[0.0, 5.0, 10.0, 30_000.0]), Some(0.0));
        assert_eq!(first(&[0.0, 9_000.0, 9_016.0]), Some(0.0));
        // A pause of exactly 10 s counts; two long pauses drop both events before them.
        assert_eq!(first(&[0.0, 10_000.0, 10_016.0]), Some(10_000.0));
        assert_eq!(first(&[0.0, 20_000.0, 40_000.0, 40_016.0]), Some(40_000.0));
        assert_eq!(first(&[]), None);
    }

    #[test]
    fn quantiles_with_never() {
        let v = [Some(1.0), Some(2.0), None, Some(3.0)];
        assert_eq!(quantile(&v, 0.5), Some(2.0));
        assert_eq!(quantile(&v, 0.9), None);
        assert_eq!(quantile(&[], 0.5), None);
    }
}
