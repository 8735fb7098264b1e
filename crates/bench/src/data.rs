//! Summary templates from real recordings: SapiMouse pointer sessions with CMU keystroke
//! repetitions typed in between, fed through telltale-core's [`Windower`] exactly as the
//! collector feeds it, so every template is a summary a browser could have sent.
//!
//! One *source* per SapiMouse user: that user's sessions (a 3-minute and a 1-minute one, a few
//! users more), each a page, with one CMU subject's repetitions (source `i` types as subject
//! `i mod 51`). The bench gives every simulated user one source, so a user's profile learns
//! one person's rhythm, as in a portal.
//!
//! crates/eval reads the same files, but it is a binary crate (no library to depend on) and
//! turns the recordings into feature vectors, not events: this module reads them itself.

use std::path::{Path, PathBuf};

use telltale_core::{
    InputEvent, KeyClass, KeyEvent, PointerEvent, Summary, WindowConfig, Windower,
};

/// Pointer data comes in continuously; every this many ms of it, the person types (CMU
/// repetitions): a support agent moves between fields and types into some of them.
const TYPE_EVERY_MS: f64 = 10_000.0;
/// CMU repetitions typed in one go: three passwords of 11 keys, 33 presses, enough for the
/// key window's five-event buckets in the common classes.
const REPS_PER_BURST: usize = 3;
/// Pause between the pointer and the keyboard, and between two repetitions: the CMU subjects
/// pressed Return and the next prompt appeared; about a second either way.
const HAND_OVER_MS: f64 = 1_000.0;

/// What a source hands out: its pages' summaries in order, and the time they span.
pub struct Source {
    /// The summaries of every page of the source, in time order (each page's times start
    /// after the previous page's end).
    pub summaries: Vec<Summary>,
    /// From the first summary's start to the last one's end, ms.
    pub span_ms: f64,
}

/// One CMU repetition: per key, its class, hold time and the down-down time to the next key.
struct Rep {
    keys: Vec<(KeyClass, f64, f64)>,
}

/// The class the collector's boundary gives a CMU key name (`period`, `t`, `five`,
/// `Shift.r`, `Return`...): the same left/right split as [`KeyClass`]'s documentation.
fn class_of(name: &str) -> KeyClass {
    match name {
        "period" => KeyClass::Punctuation,
        "five" => KeyClass::Digit,
        "Return" => KeyClass::Enter,
        // A shifted letter: the CMU data times the letter's press only (not Shift's own).
        n if n.starts_with("Shift.") => class_of(&n["Shift.".len()..]),
        n if n.len() == 1 && "qwertasdfgzxcvb".contains(n) => KeyClass::LetterLeft,
        n if n.len() == 1 && "yuiophjklnm".contains(n) => KeyClass::LetterRight,
        _ => KeyClass::Other,
    }
}

/// Reads the CMU file: per subject (in file order), its repetitions.
fn load_cmu(path: &Path) -> Result<Vec<Vec<Rep>>, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let headers = rdr.headers().map_err(|e| e.to_string())?.clone();
    // `subject, sessionIndex, rep`, then per key `H.k`, `DD.k.next`, `UD.k.next` (the last key
    // has only `H`): the keys are the `H.` columns, in typing order.
    let holds: Vec<(usize, KeyClass)> = headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("H.").map(|k| (i, class_of(k))))
        .collect();
    if holds.len() < 2 {
        return Err(format!("{}: no `H.` columns", path.display()));
    }
    let mut subjects: Vec<(String, Vec<Rep>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| format!("{}: {e}", path.display()))?;
        let ms = |i: usize| -> Result<f64, String> {
            rec.get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|s| s * 1000.0)
                .ok_or_else(|| format!("{}: bad value in column {}", path.display(), i + 1))
        };
        let mut keys = Vec::with_capacity(holds.len());
        for (j, &(col, class)) in holds.iter().enumerate() {
            // DD follows H; the last key has none.
            let dd = if j + 1 < holds.len() {
                ms(col + 1)?
            } else {
                0.0
            };
            keys.push((class, ms(col)?, dd));
        }
        let id = rec.get(0).unwrap_or_default();
        match subjects.last_mut() {
            Some((last, reps)) if last == id => reps.push(Rep { keys }),
            _ => subjects.push((id.to_owned(), vec![Rep { keys }])),
        }
    }
    Ok(subjects.into_iter().map(|(_, reps)| reps).collect())
}

/// What the windower is given, in order.
enum Step {
    Event(InputEvent),
    /// Focus moved: the run of typing ends ([`Windower::break_key_run`]).
    BreakRun,
}

/// A page's input: the pointer recording, shifted to start at `t0`, with bursts of typing put
/// in every [`TYPE_EVERY_MS`] (the pointer waits while the person types).
fn page_steps(
    mouse: &[PointerEvent],
    reps: &[Rep],
    next_rep: &mut usize,
    press: &mut u32,
    t0: f64,
) -> Vec<Step> {
    let mut out = Vec::with_capacity(mouse.len() * 2);
    let Some(first) = mouse.first() else {
        return out;
    };
    let shift0 = t0 - first.t;
    let mut pause = 0.0; // time typing added so far
    let mut next_typing = first.t + TYPE_EVERY_MS;
    for p in mouse {
        let now = p.t + shift0 + pause;
        if p.t >= next_typing && !reps.is_empty() {
            out.push(Step::BreakRun);
            let mut t = now + HAND_OVER_MS;
            for _ in 0..REPS_PER_BURST {
                let rep = &reps[*next_rep % reps.len()];
                *next_rep += 1;
                let mut evs = Vec::with_capacity(rep.keys.len() * 2);
                let mut down = t;
                let mut last_up = t;
                for &(class, hold, dd) in &rep.keys {
                    *press += 1;
                    for (at, is_down) in [(down, true), (down + hold, false)] {
                        evs.push(KeyEvent {
                            t: at,
                            down: is_down,
                            class,
                            press: *press,
                            trusted: true,
                        });
                    }
                    last_up = last_up.max(down + hold);
                    down += dd;
                }
                // Rollover (a negative up-down time): the next key goes down before this one
                // comes up. Events reach the windower in time order, as the browser sends them.
                evs.sort_by(|a, b| a.t.total_cmp(&b.t));
                out.extend(evs.into_iter().map(|k| Step::Event(InputEvent::Key(k))));
                t = last_up + HAND_OVER_MS;
            }
            pause += t - now;
            next_typing = p.t + TYPE_EVERY_MS;
        }
        out.push(Step::Event(InputEvent::Pointer(PointerEvent {
            t: p.t + shift0 + pause,
            ..*p
        })));
    }
    out
}

/// The sources: one per SapiMouse user folder (sorted by name), with CMU subject `i mod n`.
/// `limit` caps how many are built (0: all).
pub fn load(data: &Path, limit: usize) -> Result<Vec<Source>, String> {
    let cmu = load_cmu(&data.join("keystroke/DSL-StrongPasswordData.csv"))?;
    let mouse_dir = data.join("mouse/sapimouse");
    let mut users: Vec<PathBuf> = std::fs::read_dir(&mouse_dir)
        .map_err(|e| format!("{}: {e}", mouse_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    users.sort();
    if limit > 0 {
        users.truncate(limit);
    }
    let mut sources = Vec::with_capacity(users.len());
    for (i, dir) in users.iter().enumerate() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        let reps = &cmu[i % cmu.len()];
        let (mut next_rep, mut press) = (0, 0);
        let mut summaries = Vec::new();
        // Each page starts a minute after the previous one ended (the collector's clock is the
        // page's: a new page would start near 0, but one timeline keeps a source's windows in
        // order, which the bench's time shifts rely on).
        let mut t0 = 0.0;
        for f in &files {
            let mouse = telltale_eval::data::sapimouse(f)?;
            // Page ids are replaced per simulated session; this one only has to be valid.
            let mut w = Windower::new(WindowConfig::default(), "template", "template-page-0000");
            let mut last = t0;
            for step in page_steps(&mouse, reps, &mut next_rep, &mut press, t0) {
                match step {
                    Step::BreakRun => w.break_key_run(),
                    Step::Event(ev) => {
                        last = ev.time();
                        summaries.extend(w.push(ev));
                    }
                }
            }
            summaries.extend(w.flush(last));
            t0 = last + 60_000.0;
        }
        for s in &summaries {
            s.validate()
                .map_err(|e| format!("{}: a template fails validation: {e}", dir.display()))?;
        }
        let span_ms = match (summaries.first(), summaries.last()) {
            (Some(a), Some(b)) => b.end_ms - a.start_ms,
            _ => continue, // a folder without usable data
        };
        sources.push(Source { summaries, span_ms });
    }
    if sources.is_empty() {
        return Err(format!("{}: no SapiMouse sessions", mouse_dir.display()));
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
    }

    #[test]
    fn templates_are_valid_summaries_with_keys_and_pointer() {
        let sources = load(&data(), 3).expect("the shared data sets");
        assert_eq!(sources.len(), 3);
        for src in &sources {
            // A 3-minute and a 1-minute recording plus typing: several windows.
            assert!(src.summaries.len() >= 5, "{}", src.summaries.len());
            assert!(src.summaries.iter().any(|s| s.keys.is_some()));
            assert!(src.summaries.iter().any(|s| !s.pointer.is_empty()));
            for w in src.summaries.windows(2) {
                assert!(w[0].end_ms <= w[1].start_ms + 1e-9);
            }
            for s in &src.summaries {
                let json = serde_json::to_string(s).unwrap();
                assert!(json.len() <= telltale_core::summary::MAX_SUMMARY_BYTES);
            }
        }
    }

    #[test]
    fn cmu_classes() {
        assert_eq!(class_of("Shift.r"), KeyClass::LetterLeft);
        assert_eq!(class_of("l"), KeyClass::LetterRight);
        assert_eq!(class_of("period"), KeyClass::Punctuation);
        assert_eq!(class_of("Return"), KeyClass::Enter);
    }
}
