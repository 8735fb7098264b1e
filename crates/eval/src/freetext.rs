//! Free text: keystroke logs in the layout of `../shared/data/freetext/aalto-keystrokes.csv`
//! (`user,sentence,press_ms,release_ms,keycode`), turned into key events exactly as the browser
//! boundary would (a key class, never the key), windowed by telltale-core's [`Windower`] (the
//! code the page runs), and scored by the window detector, one-class and against a population.
//! Beside it, a reference row that sees key identity: Gunetti and Picardi's digraph measures.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use telltale_core::detect::{WindowModel, WindowParams, WindowPopulationModel};
use telltale_core::event::{InputEvent, KeyClass, KeyEvent};
use telltale_core::{Feature, Summary, WindowConfig, Windower};

use crate::metrics::{eer, halves, mean_sd};
use telltale_eval::data;

/// One keystroke as logged.
#[derive(Debug, Clone, Copy)]
pub struct Stroke {
    /// Keydown, ms.
    pub press: f64,
    /// Keyup, ms.
    pub release: f64,
    /// The browser's legacy `KeyboardEvent.keyCode` (read only by the reference row and by
    /// [`key_class`], as the boundary reads `code`).
    pub keycode: u32,
}

/// A user's keystrokes in file order (users are told apart by position: nothing prints an id).
pub struct User {
    /// Keystrokes.
    pub strokes: Vec<Stroke>,
}

/// Reads a CSV with columns `user, sentence, press_ms, release_ms, keycode` (header first). Users
/// keep their order of first appearance.
pub fn load(path: &Path) -> Result<Vec<User>, String> {
    let mut users: Vec<User> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in data::rows(path)? {
        let (row, rec) = row?;
        let bad = || data::bad(path, row);
        let num = |i: usize| data::num(&rec, i, path, row);
        let id = rec.get(0).ok_or_else(bad)?.to_owned();
        let stroke = Stroke {
            press: num(2)?,
            release: num(3)?,
            keycode: rec.get(4).and_then(|v| v.parse().ok()).ok_or_else(bad)?,
        };
        let u = *index.entry(id).or_insert_with(|| {
            users.push(User {
                strokes: Vec::new(),
            });
            users.len() - 1
        });
        users[u].strokes.push(stroke);
    }
    Ok(users)
}

/// The collector's key class of a legacy `keyCode`, as the boundary (`src/read.js`, `keyClass`)
/// classes the `KeyboardEvent.code` that key has on a US layout: letters by the hand that types
/// them on QWERTY, main-row and keypad digits, the punctuation keys, Shift/Control/Alt/Meta/
/// CapsLock, and everything else (Tab, arrows, keycode 0) as other.
pub fn key_class(keycode: u32) -> KeyClass {
    match keycode {
        // KeyQ W E R T A S D F G Z X C V B
        81 | 87 | 69 | 82 | 84 | 65 | 83 | 68 | 70 | 71 | 90 | 88 | 67 | 86 | 66 => {
            KeyClass::LetterLeft
        }
        // KeyY U I O P H J K L N M
        89 | 85 | 73 | 79 | 80 | 72 | 74 | 75 | 76 | 78 | 77 => KeyClass::LetterRight,
        32 => KeyClass::Space,
        13 => KeyClass::Enter,
        8 | 46 => KeyClass::Delete,
        // Digit0-9, Numpad0-9
        48..=57 | 96..=105 => KeyClass::Digit,
        // ShiftLeft/Right, ControlLeft/Right, AltLeft/Right, CapsLock, MetaLeft/Right (91, 92;
        // 224 in Firefox), AltGraph (225)
        16 | 17 | 18 | 20 | 91 | 92 | 224 | 225 => KeyClass::Modifier,
        // NumpadMultiply, Add, Subtract, Decimal, Divide (106-111 but 108, the separator);
        // Semicolon, Equal, Comma, Minus, Period, Slash, Backquote (186-192); BracketLeft,
        // Backslash, BracketRight, Quote (219-222); Firefox's Semicolon (59), Equal (61),
        // Minus (173); IntlBackslash (226)
        106 | 107 | 109 | 110 | 111 | 186..=192 | 219..=222 | 59 | 61 | 173 | 226 => {
            KeyClass::Punctuation
        }
        _ => KeyClass::Other,
    }
}

/// The key events of `strokes` in time order, as the boundary hands them to the windower: a
/// keydown and a keyup per stroke, paired by an opaque press number. A keyup logged before its
/// keydown (three rows of the Aalto file) is dropped, as the windower would drop its hold.
pub fn events(strokes: &[Stroke]) -> Vec<InputEvent> {
    let mut ev: Vec<(f64, u8, KeyEvent)> = Vec::with_capacity(2 * strokes.len());
    for (i, s) in strokes.iter().enumerate() {
        let class = key_class(s.keycode);
        let key = |t, down| KeyEvent {
            t,
            down,
            class,
            press: i as u32,
            trusted: true,
        };
        ev.push((s.press, 1, key(s.press, true)));
        if s.release >= s.press {
            // At equal times a keyup goes first: the earlier key is released, then the next
            // goes down (what a browser reports for a release and a press in one frame).
            ev.push((s.release, 0, key(s.release, false)));
        }
    }
    ev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    ev.into_iter().map(|(_, _, k)| InputEvent::Key(k)).collect()
}

/// The summaries the page would send for `strokes` with windows of `config`.
pub fn summaries(strokes: &[Stroke], config: WindowConfig) -> Vec<Summary> {
    let mut w = Windower::new(config, "eval", "eval-page-000000");
    let mut out: Vec<Summary> = Vec::new();
    let evs = events(strokes);
    for e in &evs {
        out.extend(w.push(*e));
    }
    if let Some(last) = evs.last() {
        out.extend(w.flush(last.time()));
    }
    out.retain(|s| s.keys.is_some());
    out
}

/// Windows of `keys` keystrokes (the windower closes a window at `2 * keys` key events; its time
/// limit is set to the longest it allows, 10 min, so that windows are cut by count), as features.
pub fn windows(strokes: &[Stroke], keys: usize) -> Vec<Vec<Feature>> {
    summaries(strokes, count_config(keys))
        .iter()
        .filter_map(|s| s.keys.as_ref().map(|k| k.features()))
        .collect()
}

/// The whole windows of `keys` keystrokes in `strokes`: [`windows`] without the rest after the
/// last whole one (what the end of the data flushes). A test window is of the length its row
/// names, for the user as for the impostors (whose windows are whole ones too); the rest, often
/// a few dozen keystrokes, was once counted as a genuine window of the full length.
pub fn whole_windows(strokes: &[Stroke], keys: usize) -> Vec<Vec<Feature>> {
    windows(&strokes[..strokes.len() / keys * keys], keys)
}

/// A window configuration that cuts windows by keystroke count.
pub fn count_config(keys: usize) -> WindowConfig {
    WindowConfig {
        // The windower's longest window: windows close by count, not time.
        window_ms: 600_000.0,
        max_key_events: (2 * keys) as u32,
    }
}

/// Enrollment windows: windows of `keys` keystrokes starting every `keys / 4` keystrokes
/// (overlapping, as the pointer evaluation's enrollment blocks, so that an enrollment of a few
/// hundred keystrokes still gives enough windows to estimate each feature's spread).
pub fn enrollment_windows(strokes: &[Stroke], keys: usize) -> Vec<Vec<Feature>> {
    let step = (keys / 4).max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while start + keys <= strokes.len() {
        out.extend(
            windows(&strokes[start..start + keys], keys)
                .into_iter()
                .take(1),
        );
        start += step;
    }
    out
}

/// Gunetti and Picardi's digraph measures (ACM TISSEC 8(3), 2005), the reference row: a sample
/// is the mean down-down time of each digraph (pair of consecutive *keys*, by identity) typed at
/// least once in it; two samples are compared on the digraphs they share by R (the disorder of
/// the shared digraphs ranked by time, normalised by its maximum) plus A (the share of shared
/// digraphs whose times differ by a ratio of 1.25 or more).
#[derive(Debug, Clone)]
pub struct Digraphs(HashMap<(u32, u32), f64>);

/// Gunetti and Picardi's threshold of the A measure: times within a ratio of 1.25 are similar.
const GP_RATIO: f64 = 1.25;
/// A pause between keydowns this long ends a digraph run (the windower's pause, 2 s).
const GP_PAUSE_MS: f64 = 2000.0;

impl Digraphs {
    /// The digraphs of a run of keystrokes (in press order).
    pub fn of(strokes: &[Stroke]) -> Self {
        let mut acc: HashMap<(u32, u32), (f64, u32)> = HashMap::new();
        let mut sorted: Vec<&Stroke> = strokes.iter().collect();
        sorted.sort_by(|a, b| a.press.total_cmp(&b.press));
        for w in sorted.windows(2) {
            let dd = w[1].press - w[0].press;
            if dd > 0.0 && dd < GP_PAUSE_MS {
                let e = acc.entry((w[0].keycode, w[1].keycode)).or_default();
                e.0 += dd;
                e.1 += 1;
            }
        }
        Digraphs(
            acc.into_iter()
                .map(|(k, (s, n))| (k, s / f64::from(n)))
                .collect(),
        )
    }

    /// R + A distance (0 = alike, 2 = nothing alike; 2 too when nothing is shared).
    pub fn distance(&self, other: &Digraphs) -> f64 {
        let mut shared: Vec<(f64, f64)> = self
            .0
            .iter()
            .filter_map(|(k, a)| other.0.get(k).map(|b| (*a, *b)))
            .collect();
        let n = shared.len();
        if n < 2 {
            return 2.0;
        }
        let a_measure = shared
            .iter()
            .filter(|(a, b)| a.max(*b) / a.min(*b).max(1e-9) >= GP_RATIO)
            .count() as f64
            / n as f64;
        // Rank of each shared digraph in the other sample's order.
        shared.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut by_b: Vec<usize> = (0..n).collect();
        by_b.sort_by(|&i, &j| shared[i].1.total_cmp(&shared[j].1));
        let mut rank_b = vec![0usize; n];
        for (r, &i) in by_b.iter().enumerate() {
            rank_b[i] = r;
        }
        let disorder: usize = (0..n).map(|i| i.abs_diff(rank_b[i])).sum();
        // The largest disorder of n items: n²/2 for even n, (n² - 1)/2 for odd.
        let max = if n % 2 == 0 {
            n * n / 2
        } else {
            (n * n - 1) / 2
        };
        disorder as f64 / max as f64 + a_measure
    }
}

/// The protocol's knobs.
#[derive(Debug, Clone, Copy)]
pub struct Protocol {
    /// Keystrokes of each user's enrollment (the first ones).
    pub enroll_keys: usize,
    /// Keystrokes per test window.
    pub window_keys: usize,
}

/// Result of one detector at one window length.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FreetextResult {
    /// Detector name.
    pub detector: String,
    /// Keystrokes per window.
    pub window_keys: usize,
    /// Keystrokes of enrollment.
    pub enroll_keys: usize,
    /// Mean per-user EER.
    pub eer_mean: f64,
    /// Its standard deviation.
    pub eer_sd: f64,
    /// Users evaluated.
    pub users: usize,
    /// Whether other users' enrollment data was used.
    pub population: bool,
    /// Whether the detector read key identity (the reference row only).
    pub key_identity: bool,
}

fn result(
    detector: &str,
    p: Protocol,
    population: bool,
    key_identity: bool,
    per_user: &[(Vec<f64>, Vec<f64>)],
) -> FreetextResult {
    let eers: Vec<f64> = per_user
        .iter()
        .filter(|(g, i)| !g.is_empty() && !i.is_empty())
        .map(|(g, i)| eer(g, i))
        .collect();
    let (m, sd) = mean_sd(&eers);
    FreetextResult {
        detector: detector.into(),
        window_keys: p.window_keys,
        enroll_keys: p.enroll_keys,
        eer_mean: m,
        eer_sd: sd,
        users: eers.len(),
        population,
        key_identity,
    }
}

/// Impostor windows taken from each impostor (its first test windows): every impostor weighs alike.
const IMPOSTOR_WINDOWS: usize = 2;
/// Other users each user is tested against: the next 2 × 50 in the file's order (cyclically),
/// split into two halves of 50 by position (background and impostors, then swapped). 100
/// impostors of two windows give a per-user EER in steps of 0.5%; all 999 others made a run of
/// the three window lengths take 20 minutes on two cores for the same figures within 0.005.
const OTHERS: usize = 100;

/// Runs the protocol for one window length: each user enrolled on its first `enroll_keys`
/// keystrokes, genuine tests its later windows, impostors the test windows of [`OTHERS`] other
/// users. The population row splits those into two halves by position: one half's enrollment
/// profiles are the background, the other half's windows the impostors, then the halves swap,
/// so no impostor is ever in its target's background.
pub fn run(users: &[User], p: Protocol, tick: &(dyn Fn() + Sync)) -> Vec<FreetextResult> {
    let params = WindowParams::default();
    let users: Vec<&User> = users
        .iter()
        .filter(|u| u.strokes.len() >= p.enroll_keys + p.window_keys)
        .collect();
    struct Prepared {
        model: WindowModel,
        tests: Vec<Vec<Feature>>,
        enroll_digraphs: Vec<Digraphs>,
        test_digraphs: Vec<Digraphs>,
    }
    let prepared: Vec<Prepared> = users
        .par_iter()
        .map(|u| {
            let (enroll, test) = u.strokes.split_at(p.enroll_keys);
            let mut model = WindowModel::new(params);
            for w in enrollment_windows(enroll, p.window_keys) {
                model.update(&w);
            }
            let tests = whole_windows(test, p.window_keys);
            // The reference row's samples: the enrollment cut in windows of the test length
            // (at least one), and each test window's keystrokes.
            let enroll_digraphs = enroll
                .chunks(p.window_keys)
                .filter(|c| c.len() * 2 >= p.window_keys)
                .map(Digraphs::of)
                .collect();
            let test_digraphs = test.chunks_exact(p.window_keys).map(Digraphs::of).collect();
            Prepared {
                model,
                tests,
                enroll_digraphs,
                test_digraphs,
            }
        })
        .collect();
    let per_user: Vec<[(Vec<f64>, Vec<f64>); 3]> = (0..prepared.len())
        .into_par_iter()
        .map(|u| {
            let me = &prepared[u];
            let one = |w: &Vec<Feature>| me.model.score(w);
            let g1: Vec<f64> = me.tests.iter().filter_map(one).collect();
            let n = prepared.len();
            let others: Vec<usize> = (1..n).map(|k| (u + k) % n).take(OTHERS).collect();
            let i1: Vec<f64> = others
                .iter()
                .flat_map(|&o| prepared[o].tests.iter().take(IMPOSTOR_WINDOWS))
                .filter_map(one)
                .collect();
            let halves = halves(&others);
            let mut g2 = vec![0.0; me.tests.len()];
            let mut i2 = Vec::new();
            for h in 0..2 {
                let bg: Vec<&WindowModel> = halves[h].iter().map(|&o| &prepared[o].model).collect();
                let pm = WindowPopulationModel::new(&me.model, &bg);
                for (g, w) in g2.iter_mut().zip(&me.tests) {
                    *g += pm.score(w).unwrap_or(0.0) / 2.0;
                }
                for &o in &halves[1 - h] {
                    i2.extend(
                        prepared[o]
                            .tests
                            .iter()
                            .take(IMPOSTOR_WINDOWS)
                            .filter_map(|w| pm.score(w)),
                    );
                }
            }
            let gp = |d: &Digraphs| {
                me.enroll_digraphs
                    .iter()
                    .map(|e| e.distance(d))
                    .sum::<f64>()
                    / me.enroll_digraphs.len().max(1) as f64
            };
            let g3: Vec<f64> = me.test_digraphs.iter().map(gp).collect();
            let i3: Vec<f64> = others
                .iter()
                .flat_map(|&o| prepared[o].test_digraphs.iter().take(IMPOSTOR_WINDOWS))
                .map(gp)
                .collect();
            tick();
            [(g1, i1), (g2, i2), (g3, i3)]
        })
        .collect();
    let col =
        |k: usize| -> Vec<(Vec<f64>, Vec<f64>)> { per_user.iter().map(|r| r[k].clone()).collect() };
    vec![
        result("telltale-window", p, false, false, &col(0)),
        result("telltale-window-population", p, true, false, &col(1)),
        result("gunetti-picardi (key identity)", p, false, true, &col(2)),
    ]
}

/// Where the README says the Aalto subset is, relative to the project root.
pub fn default_data() -> PathBuf {
    crate::project_root().join("../shared/data/freetext/aalto-keystrokes.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keycodes_fall_in_the_boundary_classes() {
        assert_eq!(key_class(65), KeyClass::LetterLeft); // A
        assert_eq!(key_class(74), KeyClass::LetterRight); // J
        assert_eq!(key_class(32), KeyClass::Space);
        assert_eq!(key_class(8), KeyClass::Delete);
        assert_eq!(key_class(16), KeyClass::Modifier);
        assert_eq!(key_class(190), KeyClass::Punctuation); // Period
        assert_eq!(key_class(50), KeyClass::Digit);
        assert_eq!(key_class(9), KeyClass::Other); // Tab
        assert_eq!(key_class(0), KeyClass::Other);
        // Every letter is in one of the two letter classes.
        for c in 65..=90 {
            assert!(matches!(
                key_class(c),
                KeyClass::LetterLeft | KeyClass::LetterRight
            ));
        }
    }

    #[test]
    fn gunetti_picardi_distance() {
        let s = |v: &[(u32, f64)]| {
            let mut t = 0.0;
            let strokes: Vec<Stroke> = v
                .iter()
                .map(|&(k, dd)| {
                    t += dd;
                    Stroke {
                        press: t,
                        release: t + 50.0,
                        keycode: k,
                    }
                })
                .collect();
            Digraphs::of(&strokes)
        };
        let a = s(&[(1, 0.0), (2, 100.0), (3, 200.0), (4, 300.0)]);
        assert_eq!(a.distance(&a), 0.0);
        // Same order, every time 1.5 times longer: R = 0, A = 1.
        let b = s(&[(1, 0.0), (2, 150.0), (3, 300.0), (4, 450.0)]);
        assert!((a.distance(&b) - 1.0).abs() < 1e-12);
    }
}
