//! What the browser uses instead of serde, on generated records: the hand-written JSON writer
//! against serde_json (what the server uses): every summary field is written under the name and
//! in the shape serde gives it; and the packed scorer (`telltale_core::pack`): every scorer
//! reads back equal from its packed form, also after a trip through JSON, a packed scorer scores
//! exactly as the profile it came from, and one that does not read is refused with its place
//! named.

use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use telltale_core::automation::{AutomationReport, Signal, SignalKind};
use telltale_core::detect::{
    Rung, TelltaleFixedModel, TelltaleFixedParams, WindowModel, WindowParams,
};
use telltale_core::features::keys::{ClassHold, PairTiming};
use telltale_core::features::pointer::NamedDist;
use telltale_core::features::stats::{Dist, Running};
use telltale_core::features::FeatureId;
use telltale_core::profile::{FixedProfile, WindowProfile};
use telltale_core::score::Calibration;
use telltale_core::scorer::{FeatureNorm, FixedScorer, Norm, WindowScorer};
use telltale_core::{
    Band, Counts, FixedSample, Json, KeyClass, KeyWindow, Packed, PointerKind, PointerWindow,
    Profile, ProfileParams, Score, Scorer, Summary, ToJson,
};

/// What a browser sends for a record written as [`Json`]: the text parsed with every number slot
/// filled (what `src/send.js` does), then printed by `JSON.stringify`, which writes integral
/// numbers without a fraction, so they become integers.
fn sent(j: &Json) -> serde_json::Value {
    fn fill(v: serde_json::Value, nums: &[f64]) -> serde_json::Value {
        match v {
            serde_json::Value::Number(n) => {
                let slot = n.as_u64().expect("a number in the text is a slot index") as usize;
                integral(nums[slot])
            }
            serde_json::Value::Array(a) => a.into_iter().map(|x| fill(x, nums)).collect(),
            serde_json::Value::Object(o) => {
                o.into_iter().map(|(k, x)| (k, fill(x, nums))).collect()
            }
            other => other,
        }
    }
    let parsed = serde_json::from_str(&j.text).expect("the text is JSON");
    fill(parsed, &j.nums)
}

/// A number as `JSON.stringify` prints it: integral values without a fraction.
fn integral(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        (n as i64).into()
    } else {
        n.into()
    }
}

/// serde's JSON with integral floats as integers, like [`sent`].
fn normalised(j: serde_json::Value) -> serde_json::Value {
    match j {
        serde_json::Value::Number(n) => integral(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => a.into_iter().map(normalised).collect(),
        serde_json::Value::Object(o) => o.into_iter().map(|(k, v)| (k, normalised(v))).collect(),
        other => other,
    }
}

fn num() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e6f64..1e6,
        (0u32..5000).prop_map(f64::from),
        Just(0.0),
        Just(1e-300),
    ]
}

fn dist() -> impl Strategy<Value = Dist> {
    (5u32..500, num(), num(), num(), num(), num()).prop_map(|(n, mean, sd, q25, q50, q75)| Dist {
        n,
        mean,
        sd,
        q25,
        q50,
        q75,
    })
}

fn class() -> impl Strategy<Value = KeyClass> {
    prop::sample::select(KeyClass::ALL.to_vec())
}

/// What a checked profile holds where scoring divides: positive numbers.
fn pos() -> impl Strategy<Value = f64> {
    prop_oneof![1e-3f64..1e6, (1u32..5000).prop_map(f64::from)]
}

fn norm() -> impl Strategy<Value = Norm> {
    (num(), pos()).prop_map(|(mean, sd)| Norm { mean, sd })
}

fn window_scorer() -> impl Strategy<Value = WindowScorer> {
    (
        norm(),
        btree_map(
            0u32..2000,
            ((num(), pos(), num(), num()), "[a-z ()-]{0,30}"),
            0..4,
        ),
    )
        .prop_map(|(calibration, features)| WindowScorer {
            calibration,
            features: features
                .into_iter()
                .map(|(id, ((mean, sd, dof, events), label))| {
                    let norm = FeatureNorm {
                        mean,
                        sd,
                        dof,
                        events,
                    };
                    (FeatureId(id), (norm, label))
                })
                .collect(),
        })
}

fn scorer() -> impl Strategy<Value = Scorer> {
    let fixed = (pos(), pos(), norm(), vec(norm(), 0..7)).prop_map(
        |(tau_ms, cap, calibration, timings)| FixedScorer {
            tau_ms,
            cap,
            calibration,
            timings,
        },
    );
    (
        btree_map("[a-z-]{1,10}", fixed, 0..3),
        option::of(window_scorer()),
        btree_map(kind(), window_scorer(), 0..3),
    )
        .prop_map(|(fixed, keys, pointer)| Scorer {
            fixed: fixed.into_iter().collect(),
            keys,
            pointer: pointer.into_iter().collect(),
            ..Scorer::default()
        })
}

fn kind() -> impl Strategy<Value = PointerKind> {
    prop::sample::select(PointerKind::ALL.to_vec())
}

fn key_window() -> impl Strategy<Value = KeyWindow> {
    (
        (0u32..1000, num(), option::of(num()), num(), num(), 0u32..50),
        vec((class(), dist()), 0..4),
        vec(
            (class(), class(), option::of(dist()), option::of(dist())),
            0..4,
        ),
    )
        .prop_map(
            |((keys, speed, pause, burst, corr, pauses), holds, pairs)| KeyWindow {
                keys,
                speed_kpm: speed,
                holds: holds
                    .into_iter()
                    .map(|(class, hold)| ClassHold { class, hold })
                    .collect(),
                pairs: pairs
                    .into_iter()
                    .map(|(from, to, dd, ud)| PairTiming { from, to, dd, ud })
                    .collect(),
                pauses,
                pause_median_ms: pause,
                burst_mean_keys: burst,
                correction_rate: corr,
            },
        )
}

fn pointer_window() -> impl Strategy<Value = PointerWindow> {
    (
        (
            kind(),
            0u32..500,
            0u32..500,
            0u32..500,
            0u32..500,
            0u32..500,
        ),
        vec(("[a-z_]{1,20}", dist()), 0..4),
        prop::array::uniform8(0u32..100),
        (option::of(dist()), option::of(dist()), option::of(dist())),
    )
        .prop_map(
            |((kind, actions, mm, pc, dd, robotic), features, directions, (hold, pre, post))| {
                PointerWindow {
                    kind,
                    actions,
                    mouse_moves: mm,
                    point_clicks: pc,
                    drag_drops: dd,
                    features: features
                        .into_iter()
                        .map(|(name, dist)| NamedDist { name, dist })
                        .collect(),
                    directions,
                    robotic_actions: robotic,
                    press_hold_ms: hold,
                    pre_press_ms: pre,
                    post_release_ms: post,
                }
            },
        )
}

fn signal_kind() -> impl Strategy<Value = SignalKind> {
    prop::sample::select(vec![
        SignalKind::UntrustedEvents,
        SignalKind::Webdriver,
        SignalKind::PeriodicTyping,
        SignalKind::RoboticPointer,
        SignalKind::FrozenMovement,
        SignalKind::ClicksWithoutApproach,
        SignalKind::FlatSpeed,
        SignalKind::NoCorrections,
        SignalKind::StraightPaths,
    ])
}

fn score() -> impl Strategy<Value = Score> {
    (
        num(),
        prop::sample::select(Band::ALL.to_vec()),
        0.0f64..1.0,
        vec("[ -~]{0,40}", 0..3),
        "[a-z0-9-]{1,12}",
    )
        .prop_map(
            |(similarity, band, automation, reasons, model_version)| Score {
                similarity,
                band,
                automation,
                reasons,
                model_version,
            },
        )
}

fn summary() -> impl Strategy<Value = Summary> {
    (
        (
            0u32..3,
            "[ -~]{0,30}",
            any::<u32>(),
            num(),
            num(),
            any::<u32>(),
        ),
        vec(("[a-z-]{1,10}", any::<bool>(), vec(num(), 0..10)), 0..3),
        option::of(key_window()),
        vec(pointer_window(), 0..3),
        prop::array::uniform9(0u32..1000),
        (
            0.0f64..1.0,
            vec((signal_kind(), 0.0f64..1.0), 0..3),
            vec(any::<u32>(), 0..9),
        ),
        option::of(score()),
    )
        .prop_map(
            |(
                (schema, session, seq, start, end, faults),
                fixed,
                keys,
                pointer,
                c,
                (a, signals, fingerprint),
                score,
            )| {
                Summary {
                    schema,
                    session,
                    page: "page-0123456789abcdef".into(),
                    seq: u64::from(seq),
                    start_ms: start,
                    end_ms: end,
                    fixed: fixed
                        .into_iter()
                        .map(|(field, edited, timings)| FixedSample {
                            field,
                            edited,
                            timings,
                        })
                        .collect(),
                    keys,
                    pointer,
                    counts: Counts {
                        events: c[0],
                        untrusted: c[1],
                        ignored: c[2],
                        composing: c[3],
                        repeats: c[4],
                        pastes: c[5],
                        drops: c[6],
                        autofills: c[7],
                        wheels: c[8],
                    },
                    automation: AutomationReport {
                        score: a,
                        signals: signals
                            .into_iter()
                            .map(|(kind, strength)| Signal { kind, strength })
                            .collect(),
                        fingerprint,
                    },
                    faults,
                    score,
                }
            },
        )
}

fn running() -> impl Strategy<Value = Running> {
    (0u64..1_000_000, num(), num(), num()).prop_map(|(n, w, mean, m2)| Running { n, w, mean, m2 })
}

fn profile() -> impl Strategy<Value = Profile> {
    let fixed = (
        (pos(), num(), num(), num(), num(), 0u32..100),
        vec((num(), vec(running(), 0..4), num()), 0..3),
        running(),
        vec(vec(num(), 0..4), 0..3),
    )
        .prop_map(
            |((tau_ms, lo, hi, cap_tail, clip, warmup), rungs, log_scores, entries)| FixedProfile {
                model: TelltaleFixedModel {
                    params: TelltaleFixedParams {
                        tau_ms,
                        min_half_life: lo,
                        max_half_life: hi,
                        cap_tail,
                        clip,
                        warmup,
                    },
                    rungs: rungs
                        .into_iter()
                        .map(|(half_life, stats, prequential)| Rung {
                            half_life,
                            stats,
                            prequential,
                        })
                        .collect(),
                    entries,
                },
                calibration: Calibration { log_scores },
            },
        );
    let window = || {
        (
            (num(), num(), 0u64..100),
            0u64..10_000,
            (
                btree_map("[a-z_.:]{1,24}", running(), 0..4),
                btree_map("[a-z_.:]{1,24}", running(), 0..4),
            ),
            running(),
        )
            .prop_map(
                |((half_life, clip, min_windows), windows, (features, events), log_scores)| {
                    WindowProfile {
                        model: WindowModel {
                            params: WindowParams {
                                half_life,
                                clip,
                                min_windows,
                            },
                            windows,
                            features: features.into_iter().collect(),
                            events: events.into_iter().collect(),
                        },
                        calibration: Calibration { log_scores },
                        enrolling: Vec::new(),
                    }
                },
            )
    };
    (
        "[a-z0-9-]{1,12}",
        (0u32..100, 0u32..100),
        btree_map("[a-z-]{1,10}", fixed, 0..3),
        option::of(window()),
        btree_map(kind(), window(), 0..3),
    )
        .prop_map(|(model_version, (ef, ew), fixed, keys, pointer)| Profile {
            model_version,
            params: ProfileParams {
                enroll_fixed: ef,
                enroll_windows: ew,
                ..ProfileParams::default()
            },
            fixed: fixed.into_iter().collect(),
            keys,
            pointer: pointer.into_iter().collect(),
        })
}

proptest! {
    #[test]
    fn summaries_map_like_serde(s in summary()) {
        let ours = sent(&s.to_json());
        prop_assert_eq!(&ours, &normalised(serde_json::to_value(&s).unwrap()));
        // And what the browser sends, the server reads back equal.
        let back: Summary = serde_json::from_value(ours).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn strings_are_escaped_like_serde(text in any::<String>(), x in num()) {
        let s = Score {
            similarity: x,
            band: Band::Review,
            automation: 0.5,
            reasons: vec![text.clone(), String::new()],
            model_version: text,
        };
        prop_assert_eq!(sent(&s.to_json()), normalised(serde_json::to_value(&s).unwrap()));
    }

    #[test]
    fn scorers_read_back_from_their_packed_form(p in scorer()) {
        let packed = p.pack();
        prop_assert_eq!(Scorer::unpack(&packed.names, &packed.nums).unwrap(), p.clone());
        // As the browser gets it: JSON from the server, parsed.
        prop_assert_eq!(through_json(&packed), p);
    }

    #[test]
    fn every_cut_short_scorer_is_refused(p in scorer(), cut in any::<prop::sample::Index>()) {
        let packed = p.pack();
        let keep = cut.index(packed.nums.len());
        let e = Scorer::unpack(&packed.names, &packed.nums[..keep]).unwrap_err().to_string();
        prop_assert!(e.starts_with("nums[") || e.starts_with("names["), "{}", e);
    }

    /// Every profile compiles to a scorer that packs and reads back (what the server hands the
    /// browser is always loadable), and the packed one scores like the profile.
    #[test]
    fn every_profile_compiles_to_a_loadable_scorer(p in profile(), s in summary()) {
        let scorer = p.scorer();
        let back = through_json(&scorer.pack());
        prop_assert_eq!(&back, &scorer);
        prop_assert_eq!(back.score(&s), p.score(&s));
    }
}

/// A packed scorer sent as JSON (the server's `serde_json`) and read back.
fn through_json(packed: &Packed) -> Scorer {
    let sent: Packed = serde_json::from_str(&serde_json::to_string(packed).unwrap()).unwrap();
    Scorer::unpack(&sent.names, &sent.nums).unwrap()
}

/// The packed scorer the end-to-end tests load: kept equal to the empty profile's.
#[test]
fn fixture_packed_profile_is_the_default_profile() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/empty-profile.packed.json"
    );
    let want = Profile::default().scorer().pack();
    if std::env::var_os("TELLTALE_WRITE_FIXTURES").is_some() {
        std::fs::write(path, serde_json::to_string(&want).unwrap()).unwrap();
        return;
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let got: Packed = serde_json::from_str(&text).expect(
        "tests/fixtures/empty-profile.packed.json (TELLTALE_WRITE_FIXTURES=1 cargo test writes it)",
    );
    assert_eq!(
        Scorer::unpack(&got.names, &got.nums).unwrap(),
        Scorer::default()
    );
}

#[test]
fn bad_packed_scorers_are_refused_with_the_place_named() {
    let unpack = |p: &Packed| Scorer::unpack(&p.names, &p.nums).unwrap_err().to_string();
    let good = Scorer::default().pack();
    // The walk: model_version; the lengths of `fixed`, the option `keys` and `pointer`.
    assert_eq!(good.names, ["telltale-12"]);
    assert_eq!(good.nums, [0.0, 0.0, 0.0]);

    let mut p = good.clone();
    p.nums[0] = 0.5;
    assert_eq!(unpack(&p), "nums[0]: expected a whole number from 0 to 3");
    p.nums[0] = f64::NAN;
    assert_eq!(unpack(&p), "nums[0]: expected a whole number from 0 to 3");
    // `keys` is an option: 0 or 1.
    let mut p = good.clone();
    p.nums[1] = 2.0;
    assert_eq!(unpack(&p), "nums[1]: expected a whole number from 0 to 1");
    // A forged length cannot ask for more items than there are numbers left.
    let mut p = good.clone();
    p.nums[0] = 1e15;
    assert_eq!(unpack(&p), "nums[0]: expected a whole number from 0 to 3");
    // Missing and left over.
    let mut p = good.clone();
    p.names.clear();
    assert_eq!(unpack(&p), "names[0]: missing");
    let mut p = good.clone();
    p.nums.pop();
    assert_eq!(unpack(&p), "nums[2]: missing");
    let mut p = good.clone();
    p.nums.push(0.0);
    assert_eq!(unpack(&p), "nums[3]: left over after the profile");
    let mut p = good.clone();
    p.names.push("x".into());
    assert_eq!(unpack(&p), "names[1]: left over after the profile");
    // Another scoring model's numbers mean other things.
    let mut p = good.clone();
    p.names[0] = "telltale-0".into();
    assert_eq!(
        unpack(&p),
        "names[0]: made by scoring model telltale-0, not telltale-12"
    );
    // Spreads are divided by: a zero, negative or infinite one is refused. A keys scorer:
    // calibration (mean, sd), one feature (its number; mean, sd, dof, usual events; its words).
    let keys = |sd: f64| {
        let mut p = good.clone();
        p.nums = vec![0.0, 1.0, 0.0, 1.0, 1.0, 180.0, 0.5, sd, 3.0, 0.0, 0.0];
        p.names.push("typing speed".into());
        p
    };
    assert_eq!(
        Scorer::unpack(&keys(0.2).names, &keys(0.2).nums)
            .unwrap()
            .keys
            .unwrap()
            .features
            .len(),
        1
    );
    for bad in [0.0, -0.2, f64::INFINITY, f64::NAN] {
        assert_eq!(
            unpack(&keys(bad)),
            "nums[7]: expected a positive number",
            "{bad}"
        );
    }
    // A pointer kind that does not exist, and map keys out of order (the packer writes them
    // sorted; a map read in any other order would not be a map).
    let mut p = good.clone();
    p.nums[2] = 1.0;
    p.nums.extend(pointer_entry(7.0));
    assert_eq!(unpack(&p), "nums[3]: expected a whole number from 0 to 2");
    let mut p = good;
    p.nums[2] = 2.0;
    p.nums.extend(pointer_entry(1.0));
    p.nums.extend(pointer_entry(0.0));
    let at = p.nums.len();
    assert_eq!(
        unpack(&p),
        ["nums[", &at.to_string(), "]: map keys out of order"].concat()
    );
}

/// A packed pointer-kind entry with no features: kind, calibration (mean, sd), no features.
fn pointer_entry(kind: f64) -> Vec<f64> {
    vec![kind, 0.0, 1.0, 0.0]
}
