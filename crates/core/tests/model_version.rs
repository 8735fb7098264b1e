//! A scoring model is its version ([`MODEL_VERSION`]). The browser scores with the scorer the
//! server hands it only if both name the same model (`Scorer::unpack` refuses another), so a
//! collector built before a model change (a package a browser cached, a `pkg/` not rebuilt)
//! never scores a new profile with its old arithmetic. That holds only if every change to what
//! the model computes comes with a new version: with up-down times moved to a near-linear scale
//! (τ = 1000 ms) under the same `telltale-1`, a collector built before read the new profile's
//! up-down references on the old log scale and scored a genuine entry at similarity 0.03
//! ("release-to-press gap after key 3 160.8 standard deviations longer") where the server said 84.
//!
//! So this test pins what the model computes, per version: profiles learned from fixed synthetic
//! data (fixed-text entries and free-text windows), and the similarities of held-out summaries.
//! When it fails, the model changed: give it a new [`MODEL_VERSION`] and add a row for it here
//! (keep the old rows: a version names one model, once).

use telltale_core::event::{KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::features::{timing_vector, FixedSample};
use telltale_core::{Band, InputEvent, Profile, Summary, WindowConfig, Windower, MODEL_VERSION};

/// What each model version computes for [`fingerprint`]: (version, similarities). The seventh
/// summary (a short window) came with `telltale-6`, the first model a window's count of events
/// changes; the rows before have the first six. The next two (pointer windows) came with
/// `telltale-9`, the first model that weighs pointer features apart from free text's, the last
/// (typing and pointing in one window) with `telltale-11`.
const MODELS: &[(&str, &[f64])] = &[
    (
        "telltale-1",
        &[
            0.9786730840525655,
            0.0024080616780361437,
            0.00023517102643663508,
            50.10304076802357,
            84.81935868042898,
            9.397476227531734e-16,
        ],
    ),
    // Up-down times on a near-linear scale (τ = 1000 ms), |z| capped at 6, one half-life.
    (
        "telltale-2",
        &[
            1.4668429062218242,
            2.1930188551832284e-6,
            6.904375073314875e-5,
            50.10304076802357,
            84.81935868042898,
            9.397476227531734e-16,
        ],
    ),
    // Fixed text scored by the mean capped z², the cap at Student's t two-sided 0.1% point.
    (
        "telltale-3",
        &[
            4.1610593211381355,
            1.0015124305732425e-6,
            1.315763311161145e-5,
            50.10304076802357,
            84.81935868042898,
            9.397476227531734e-16,
        ],
    ),
    // Down-down times left out of the fixed-text score (each is a hold plus an up-down gap).
    (
        "telltale-4",
        &[
            11.245670624027628,
            2.385497815944979e-5,
            1.8653714865459128e-8,
            50.10304076802357,
            84.81935868042898,
            9.397476227531734e-16,
        ],
    ),
    // A free-text window's class-pair medians (down-down, up-down) count half each.
    (
        "telltale-5",
        &[
            11.245670624027628,
            2.385497815944979e-5,
            1.8653714865459128e-8,
            57.452488247888326,
            89.15518545090579,
            4.3576839466432933e-14,
        ],
    ),
    // A window statistic of fewer events than the profile's usual deviates less per unit.
    (
        "telltale-6",
        &[
            11.245670624027628,
            2.385497815944979e-5,
            1.8653714865459128e-8,
            57.452488247888326,
            89.15518545090579,
            4.3576839466432933e-14,
            3.576895717685227e-11,
        ],
    ),
    // A window modality's similarity scale learned leave-one-out from its enrollment windows;
    // free text no longer weighs a statistic by its count (the pointer does).
    (
        "telltale-7",
        &[
            11.245670624027628,
            2.385497815944979e-5,
            1.8653714865459128e-8,
            51.27569340185065,
            87.35883963826178,
            1.550146727638772e-16,
            7.152230492363502e-14,
        ],
    ),
    // A young fixed-text profile's reference of each timing is the weighted median of its entries.
    (
        "telltale-8",
        &[
            14.243535345811804,
            4.924485626891205e-5,
            5.115448245926009e-7,
            51.27569340185065,
            87.35883963826178,
            1.550146727638772e-16,
            7.152230492363502e-14,
        ],
    ),
    // Each pointer feature weighs by how much further impostors deviate in it than the user's
    // next session (`FeatureId::weight`); the pointer windows join the fingerprint.
    (
        "telltale-9",
        &[
            14.243535345811804,
            4.924485626891205e-5,
            5.115448245926009e-7,
            51.27569340185065,
            87.35883963826178,
            1.550146727638772e-16,
            7.152230492363502e-14,
            60.0438055954036,
            2.2542550373510834e-7,
        ],
    ),
    // A pointer deviation weighs by its window's count of events to the power ⅜, not ¼.
    (
        "telltale-10",
        &[
            14.243535345811804,
            4.924485626891205e-5,
            5.115448245926009e-7,
            51.27569340185065,
            87.35883963826178,
            1.550146727638772e-16,
            7.152230492363502e-14,
            60.04076436324074,
            4.3500526969968735e-6,
        ],
    ),
    // A summary's parts combined by Fisher's method (the least similar decided alone): the
    // one-part summaries score as before; a window of typing and pointing joins the fingerprint.
    (
        "telltale-11",
        &[
            14.243535345811804,
            4.924485626891205e-5,
            5.115448245926009e-7,
            51.27569340185065,
            87.35883963826178,
            1.550146727638772e-16,
            7.152230492363502e-14,
            60.04076436324074,
            4.3500526969968735e-6,
            1.4027719777985532e-12,
        ],
    ),
    // The spread of the free-text and mouse calibrations drawn toward a typical one: the fixed
    // text (the first three) scores as before.
    (
        "telltale-12",
        &[
            14.243535345811804,
            4.924485626891205e-5,
            5.115448245926009e-7,
            51.15740221477001,
            85.02374912375868,
            1.3939923861385974e-13,
            2.2046378899704035e-11,
            58.830035820028534,
            0.00013328470556306783,
            2.574486618487381e-10,
        ],
    ),
];

/// A repeatable stream of numbers in 0..1 (no randomness: the figures are pinned).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One entry of a six-key id: holds around `hold` ms, key-downs `gap` ms apart, some keys
/// pressed before the last is released (negative up-down times).
fn entry(r: &mut Stream, hold: f64, gap: f64) -> FixedSample {
    let mut t = 1_000.0;
    let presses: Vec<(f64, f64)> = (0..6)
        .map(|_| {
            t += gap * (0.7 + 0.6 * r.next());
            (t, t + hold * (0.8 + 0.4 * r.next()))
        })
        .collect();
    FixedSample {
        field: "employee-id".into(),
        edited: false,
        timings: timing_vector(&presses),
    }
}

/// A summary of free text: 150 key presses, holds around `hold` ms, presses `gap` ms apart.
fn window(r: &mut Stream, hold: f64, gap: f64) -> Summary {
    window_of(r, hold, gap, 150)
}

/// A summary of free text of `presses` key presses.
fn window_of(r: &mut Stream, hold: f64, gap: f64, presses: u32) -> Summary {
    let config = WindowConfig {
        window_ms: 600_000.0,
        max_key_events: 10_000,
    };
    let mut w = Windower::new(config, "session", "page");
    let mut t = 0.0;
    for press in 0..presses {
        let class =
            [KeyClass::LetterLeft, KeyClass::LetterRight, KeyClass::Space][press as usize % 3];
        let h = hold * (0.7 + 0.6 * r.next());
        for (at, down) in [(t, true), (t + h, false)] {
            let ev = KeyEvent {
                t: at,
                down,
                class,
                press,
                trusted: true,
            };
            assert!(w.push(InputEvent::Key(ev)).is_none(), "one window");
        }
        t += gap * (0.6 + 0.8 * r.next());
    }
    w.flush(t + 1_000.0).expect("a window")
}

/// A summary of 30 mouse movements, each ended by a click: movements of about `ms` ms, buttons
/// held about `hold` ms.
fn pointer(r: &mut Stream, ms: f64, hold: f64) -> Summary {
    // 30 s windows, the default when these were pinned: the movements last longer, and the
    // summary is of the last window's.
    let config = WindowConfig {
        window_ms: 30_000.0,
        ..WindowConfig::default()
    };
    let mut w = Windower::new(config, "session", "page");
    let mut t = 0.0;
    let (mut x, mut y) = (400.0, 300.0);
    for _ in 0..30 {
        let angle = core::f64::consts::TAU * r.next();
        let (steps, len) = (8 + (6.0 * r.next()) as u32, 120.0 + 200.0 * r.next());
        let step_ms = ms * (0.8 + 0.4 * r.next()) / f64::from(steps);
        let bend = 10.0 * (r.next() - 0.5);
        let mut ev = |t: f64, phase, x: f64, y: f64, buttons| {
            let e = PointerEvent {
                t,
                phase,
                kind: PointerKind::Mouse,
                x,
                y,
                buttons,
                movement: None,
                trusted: true,
            };
            let _ = w.push(InputEvent::Pointer(e));
        };
        for k in 1..=steps {
            // An eased path: slow, fast, slow, bowed a little to one side.
            let f = f64::from(k) / f64::from(steps);
            let s = len * f * f * (3.0 - 2.0 * f);
            let off = bend * f * (1.0 - f) * 4.0;
            t += step_ms;
            ev(
                t,
                PointerPhase::Move,
                x + s * libm::cos(angle) - off * libm::sin(angle),
                y + s * libm::sin(angle) + off * libm::cos(angle),
                0,
            );
        }
        x += len * libm::cos(angle);
        y += len * libm::sin(angle);
        t += 150.0 * (0.5 + r.next());
        ev(t, PointerPhase::Down, x, y, 1);
        t += hold * (0.7 + 0.6 * r.next());
        ev(t, PointerPhase::Up, x, y, 0);
        t += 300.0 * (0.5 + r.next());
    }
    w.flush(t + 1_000.0).expect("a window")
}

/// A window of free text and mouse movement (`telltale-11`, the first model that combines a
/// window's parts).
fn typing_and_pointing(r: &mut Stream, m: &mut Stream) -> Summary {
    let mut s = window(r, 100.0, 300.0);
    s.pointer = pointer(m, 500.0, 130.0).pointer;
    s
}

fn with_fixed(e: FixedSample) -> Summary {
    let mut w = Windower::new(WindowConfig::default(), "session", "page");
    w.push_fixed(e);
    w.flush(1.0).expect("an entry's summary")
}

/// Similarities of held-out summaries against a profile learned from 40 entries and 40
/// windows: fixed text as the user types it, slower, with long holds; free text as the user
/// types it, twice as slow, and a short window as the user types it; a pointer window as the
/// user moves and clicks, and one slower with longer clicks.
fn fingerprint() -> Vec<f64> {
    let mut r = Stream(7);
    let mut profile = Profile::default();
    for _ in 0..40 {
        profile
            .learn(&with_fixed(entry(&mut r, 95.0, 170.0)))
            .unwrap();
        profile.learn(&window(&mut r, 100.0, 200.0)).unwrap();
    }
    // The pointer's own stream, so that the free-text figures stay those of earlier models.
    let mut m = Stream(13);
    for _ in 0..40 {
        profile.learn(&pointer(&mut m, 400.0, 100.0)).unwrap();
    }
    let held_out = [
        with_fixed(entry(&mut r, 95.0, 170.0)),
        with_fixed(entry(&mut r, 95.0, 260.0)),
        with_fixed(entry(&mut r, 150.0, 170.0)),
        window(&mut r, 100.0, 200.0),
        window(&mut r, 100.0, 200.0),
        window(&mut r, 100.0, 400.0),
        window_of(&mut r, 100.0, 200.0, 40),
        pointer(&mut m, 400.0, 100.0),
        pointer(&mut m, 600.0, 160.0),
        typing_and_pointing(&mut r, &mut m),
    ];
    held_out
        .iter()
        .map(|s| {
            let score = profile.score(s);
            assert_ne!(score.band, Band::Enrolling, "{score:?}");
            score.similarity
        })
        .collect()
}

#[test]
fn the_model_version_names_what_the_model_computes() {
    let got = fingerprint();
    let pinned = MODELS.iter().find(|(v, _)| *v == MODEL_VERSION);
    assert_eq!(
        pinned.map(|(_, s)| s.to_vec()),
        Some(got.clone()),
        "the scoring model computes {got:?}, which is not what {MODEL_VERSION} computed: a \
         changed model needs a new MODEL_VERSION (and a row in MODELS), so that a collector \
         built before the change refuses the new profiles instead of misreading them"
    );
    // And no other version computed it: a model change under an old name is what this catches.
    for (v, s) in MODELS {
        assert!(
            *v == MODEL_VERSION || s.to_vec() != got,
            "{v} computed the same"
        );
    }
}

/// A profile enrolled on 40 login entries of one typist (stream `seed`), and their next entry.
fn enrolled_on_entries(seed: u64) -> (Profile, Summary) {
    let mut r = Stream(seed);
    let mut profile = Profile::default();
    for _ in 0..40 {
        profile
            .learn(&with_fixed(entry(&mut r, 95.0, 170.0)))
            .unwrap();
    }
    (profile, with_fixed(entry(&mut r, 95.0, 170.0)))
}

#[test]
fn a_profile_of_another_model_scores_nothing_and_only_an_older_one_starts_again() {
    let (profile, s) = enrolled_on_entries(11);
    assert_ne!(profile.score(&s).band, Band::Enrolling);
    // As the server reads a profile stored by a build of the older model.
    let mut old = profile.clone();
    old.model_version = "telltale-1".into();
    assert!(!old.is_current());
    assert_eq!(old.score(&s).band, Band::Enrolling);
    assert!(old.scorer().fixed.is_empty() && old.enrollment().is_empty());
    old.learn(&s).unwrap();
    assert!(old.is_current());
    let progress = old.enrollment();
    assert_eq!(progress.len(), 1);
    assert_eq!((progress[0].samples, progress[0].needed), (1, 20));
    // A newer model's profile (a rollback) scores nothing either, and learning refuses it
    // rather than overwriting it.
    let mut newer = profile.clone();
    newer.model_version = "telltale-99".into();
    assert_eq!(newer.score(&s).band, Band::Enrolling);
    let before = newer.clone();
    assert!(newer.learn(&s).is_err());
    assert!(newer.learn_fixed(&s.fixed[0]).is_err());
    assert_eq!(newer, before);
}

#[test]
fn a_profile_of_a_model_this_one_reads_keeps_its_enrollment() {
    let (mut profile, s) = enrolled_on_entries(12);
    // As the server reads a profile stored by the model before (which learned the same
    // statistics): it scores as this build's own, and takes this build's version when it learns.
    let mut kept = profile.clone();
    kept.model_version = telltale_core::score::READS_PROFILES_OF[0].into();
    assert!(telltale_core::is_older_model(&kept.model_version));
    assert!(kept.is_current() && !kept.is_newer());
    assert_eq!(kept.score(&s), profile.score(&s));
    assert_eq!(kept.scorer().model_version, MODEL_VERSION);
    assert_eq!(kept.enrollment(), profile.enrollment());
    kept.learn(&s).unwrap();
    profile.learn(&s).unwrap();
    assert_eq!(kept, profile);
    assert_eq!(kept.model_version, MODEL_VERSION);
}
