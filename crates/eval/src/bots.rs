//! Automation against bots that imitate people (`telltale-eval bots`): timed event streams
//! (written by `scripts/bots/write.mjs`: people's recordings and bots of several kinds) run
//! through telltale-core's windower, the code the collector runs in the page, and each session
//! cut at 30, 60 and 120 s counts as flagged when one of its windows reaches the automation
//! verdict. Replays are also checked against the replay memory the server keeps: the
//! fingerprints of the summaries of the recorded session they copy.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use telltale_core::automation::AUTOMATION_VERDICT;
use telltale_core::event::{InputEvent, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::{Summary, WindowConfig, Windower};

use crate::freetext::key_class;

/// Session lengths reported, in seconds.
pub const LENGTHS: [f64; 3] = [30.0, 60.0, 120.0];

/// One session as written by `scripts/bots/write.mjs`.
#[derive(Deserialize)]
pub struct Stream {
    /// human-pointer, human-keys, human-cmu, naive, humanised, windmouse, minjerk, original,
    /// replay, replay-jitter.
    pub kind: String,
    /// dev or held (human users), bot.
    pub group: String,
    /// Where it came from (a user id, a seed).
    pub source: String,
    /// `["m", t, x, y, buttons]`, `["d", t, x, y]`, `["u", t, x, y]`, `["k", t, down, keyCode, press]`.
    pub events: Vec<Vec<serde_json::Value>>,
}

/// Reads the streams file (one JSON object per line).
pub fn load(path: &Path) -> Result<Vec<Stream>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    std::io::BufReader::new(f)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let l = l.map_err(|e| format!("{}: {e}", path.display()))?;
            serde_json::from_str(&l).map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// The core's input events of a stream, as the collector's boundary would hand them over
/// (trusted: CDP input is trusted; `movementX/Y` absent, as in the recordings).
pub fn events(s: &Stream) -> Result<Vec<InputEvent>, String> {
    let bad = || format!("{} ({}): bad event", s.kind, s.source);
    s.events
        .iter()
        .map(|e| {
            let num = |i: usize| e.get(i).and_then(serde_json::Value::as_f64).ok_or_else(bad);
            let pointer = |phase, buttons| -> Result<InputEvent, String> {
                Ok(InputEvent::Pointer(PointerEvent {
                    t: num(1)?,
                    phase,
                    kind: PointerKind::Mouse,
                    x: num(2)?,
                    y: num(3)?,
                    buttons,
                    movement: None,
                    trusted: true,
                }))
            };
            match e.first().and_then(serde_json::Value::as_str) {
                Some("m") => pointer(PointerPhase::Move, num(4)? as u16),
                Some("d") => pointer(PointerPhase::Down, 1),
                Some("u") => pointer(PointerPhase::Up, 0),
                Some("k") => Ok(InputEvent::Key(KeyEvent {
                    t: num(1)?,
                    down: num(2)? != 0.0,
                    class: key_class(num(3)? as u32),
                    press: num(4)? as u32,
                    trusted: true,
                })),
                _ => Err(bad()),
            }
        })
        .collect()
}

/// The summaries of a session's first `secs` seconds, windowed as the collector windows them
/// (default configuration), the last window flushed at the cut.
pub fn summaries(ev: &[InputEvent], secs: f64) -> Vec<Summary> {
    let mut w = Windower::new(
        WindowConfig::default(),
        "bench-token",
        "bench-page-0123456789",
    );
    let cut = secs * 1000.0;
    let mut out = Vec::new();
    for e in ev.iter().take_while(|e| e.time() < cut) {
        out.extend(w.push(*e));
    }
    out.extend(w.flush(cut));
    out
}

/// Whether any window reached the automation verdict.
pub fn automated(summaries: &[Summary]) -> bool {
    summaries
        .iter()
        .any(|s| s.automation.score >= AUTOMATION_VERDICT)
}

/// One row of the table: a kind, a human group, a session length.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The kind of session.
    pub kind: String,
    /// dev, held or bot.
    pub group: String,
    /// Session length in s.
    pub seconds: f64,
    /// Sessions.
    pub sessions: usize,
    /// Sessions with a window at the automation verdict.
    pub automated: usize,
    /// Sessions the server's replay memory catches (replays only).
    pub replayed: Option<usize>,
    /// The signals that fired, with the windows they fired in.
    pub signals: BTreeMap<String, usize>,
}

/// Runs every stream at every length.
pub fn run(streams: &[Stream]) -> Result<Vec<Row>, String> {
    let evs: Vec<Vec<InputEvent>> = streams.par_iter().map(events).collect::<Result<_, _>>()?;
    let mut rows: BTreeMap<(String, String, u32), Row> = BTreeMap::new();
    for &secs in &LENGTHS {
        let results: Vec<(bool, Vec<String>, Option<bool>)> = streams
            .par_iter()
            .zip(&evs)
            .enumerate()
            .map(|(i, (s, ev))| {
                let sum = summaries(ev, secs);
                let names = signal_names(&sum);
                // A replay is checked against the original session it copies (the stream
                // written just before it with the same source), which the server stored.
                let replayed = s.kind.starts_with("replay").then(|| {
                    let original = streams[..i]
                        .iter()
                        .zip(&evs)
                        .rev()
                        .find(|(o, _)| o.kind == "original" && o.source == s.source)
                        .map(|(_, e)| summaries(e, LENGTHS[LENGTHS.len() - 1]))
                        .unwrap_or_default();
                    let memory: Vec<&[u32]> = original
                        .iter()
                        .map(|x| x.automation.fingerprint.as_slice())
                        .collect();
                    sum.iter().any(|x| {
                        memory.iter().any(|m| {
                            telltale_core::automation::replayed(&x.automation.fingerprint, m)
                        })
                    })
                });
                (automated(&sum), names, replayed)
            })
            .collect();
        for (s, (auto, names, replayed)) in streams.iter().zip(results) {
            let r = rows
                .entry((s.kind.clone(), s.group.clone(), secs as u32))
                .or_insert_with(|| Row {
                    kind: s.kind.clone(),
                    group: s.group.clone(),
                    seconds: secs,
                    sessions: 0,
                    automated: 0,
                    replayed: None,
                    signals: BTreeMap::new(),
                });
            r.sessions += 1;
            r.automated += usize::from(auto);
            if let Some(rep) = replayed {
                *r.replayed.get_or_insert(0) += usize::from(rep);
            }
            for n in names {
                *r.signals.entry(n).or_default() += 1;
            }
        }
    }
    Ok(rows.into_values().collect())
}

/// Replay memory's false alarms: human sessions (each data set's recordings, 120 s) with a
/// window that [`replayed`](telltale_core::automation::replayed) a window of another human
/// session, of another person and of the same person (a CMU subject's eight sessions, typing
/// one password: a login's fixed text typed again). -> (sessions, of another's, of one's own).
pub fn false_replays(streams: &[Stream]) -> Result<(usize, usize, usize), String> {
    let humans: Vec<&Stream> = streams
        .iter()
        .filter(|s| s.kind.starts_with("human"))
        .collect();
    let windows: Vec<Vec<Vec<u32>>> = humans
        .par_iter()
        .map(|s| {
            events(s).map(|ev| {
                summaries(&ev, LENGTHS[LENGTHS.len() - 1])
                    .into_iter()
                    .map(|x| x.automation.fingerprint)
                    .collect()
            })
        })
        .collect::<Result<_, _>>()?;
    // hash -> every (session, window) holding it
    let mut index: std::collections::HashMap<u32, Vec<(usize, usize)>> =
        std::collections::HashMap::new();
    for (i, ws) in windows.iter().enumerate() {
        for (j, fp) in ws.iter().enumerate() {
            for &h in fp {
                index.entry(h).or_default().push((i, j));
            }
        }
    }
    let person = |i: usize| humans[i].source.split(" session").next();
    let hits: Vec<(bool, bool)> = (0..windows.len())
        .into_par_iter()
        .map(|i| {
            let (mut other, mut own) = (false, false);
            for fp in &windows[i] {
                let mut shared: std::collections::HashMap<(usize, usize), usize> =
                    std::collections::HashMap::new();
                for h in fp {
                    for &(k, w) in index.get(h).into_iter().flatten() {
                        if k != i {
                            *shared.entry((k, w)).or_default() += 1;
                        }
                    }
                }
                for (&(k, _), &n) in &shared {
                    if n >= telltale_core::automation::REPLAY_SHARED {
                        if person(k) == person(i) {
                            own = true;
                        } else {
                            other = true;
                        }
                    }
                }
            }
            (other, own)
        })
        .collect();
    Ok((
        windows.len(),
        hits.iter().filter(|h| h.0).count(),
        hits.iter().filter(|h| h.1).count(),
    ))
}

/// One session's outcome at one length, for comparing with the browser's
/// (tests/e2e/bots.test.mjs).
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The session's position in the streams file.
    pub index: usize,
    /// Its kind.
    pub kind: String,
    /// Session length in s.
    pub seconds: f64,
    /// A window reached the automation verdict.
    pub automated: bool,
    /// Highest automation score of its windows.
    pub max_automation: f64,
    /// The signals that fired in any window, by name.
    pub signals: Vec<String>,
}

/// Every session's outcome at every length.
pub fn outcomes(streams: &[Stream]) -> Result<Vec<Outcome>, String> {
    let mut out = Vec::new();
    for (index, s) in streams.iter().enumerate() {
        let ev = events(s)?;
        for &seconds in &LENGTHS {
            let sum = summaries(&ev, seconds);
            let mut signals = signal_names(&sum);
            signals.sort();
            signals.dedup();
            out.push(Outcome {
                index,
                kind: s.kind.clone(),
                seconds,
                automated: automated(&sum),
                max_automation: sum.iter().map(|x| x.automation.score).fold(0.0, f64::max),
                signals,
            });
        }
    }
    Ok(out)
}

/// The kinds of every automation signal in `sum`, in order.
fn signal_names(sum: &[Summary]) -> Vec<String> {
    sum.iter()
        .flat_map(|x| {
            x.automation
                .signals
                .iter()
                .map(|g| g.kind.name().to_owned())
        })
        .collect()
}
