//! The words of window reasons: a ratio below usual is never more than 100% below, and a
//! difference compared linearly has its unit ("typing speed 221% below usual" and "… 372.75
//! above usual" were shown to reviewers), and which timings a fixed-text entry's reasons name.

use telltale_core::detect::Deviation;
use telltale_core::event::{KeyClass, PointerKind};
use telltale_core::features::FeatureId;

fn reason(id: FeatureId, diff: f64, log: bool) -> String {
    let d = Deviation {
        id,
        z: 0.0,
        diff,
        log,
        dof: 10.0,
    };
    d.reason(&id.label().unwrap())
}

/// `x` as a difference of logs: the log feature's value is `x` times usual.
fn times(x: f64) -> f64 {
    libm::log(x)
}

#[test]
fn log_features_read_as_ratios_never_more_than_all_below() {
    let speed = FeatureId::KEY_SPEED;
    assert_eq!(
        reason(speed, times(1.38), true),
        "typing speed 38% above usual"
    );
    assert_eq!(
        reason(speed, times(0.75), true),
        "typing speed 25% below usual"
    );
    // The ratio that read "221% below usual": a third of usual.
    assert_eq!(
        reason(speed, -1.166, true),
        "typing speed 3.2 times lower than usual"
    );
    assert_eq!(
        reason(speed, times(4.7), true),
        "typing speed 4.7 times higher than usual"
    );
    assert_eq!(reason(speed, 0.0, true), "typing speed 0% above usual");
    // Every ratio below usual, however far: a share under 100%, or "N times lower".
    for i in 1..400 {
        let r = reason(speed, -f64::from(i) / 50.0, true);
        let pct = r
            .strip_suffix("% below usual")
            .map(|s| s.rsplit(' ').next().unwrap().parse::<f64>().unwrap());
        match pct {
            Some(p) => assert!((0.0..=50.0).contains(&p), "{r}"),
            None => assert!(r.ends_with(" times lower than usual"), "{r}"),
        }
    }
}

#[test]
fn linear_features_carry_their_unit() {
    let ud = FeatureId::key_pair(KeyClass::LetterLeft, KeyClass::Space, true);
    assert_eq!(
        reason(ud, 372.75, false),
        "gap between releasing left-hand letters and pressing the space bar 373 ms above usual"
    );
    assert_eq!(
        reason(FeatureId::KEY_CORRECTIONS, -0.12, false),
        "correction rate 12 percentage points below usual"
    );
    assert_eq!(
        reason(
            FeatureId::pointer_click_share(PointerKind::Mouse),
            0.3,
            false
        ),
        "share of movements ending in a click (mouse) 30 percentage points above usual"
    );
    let turns = telltale_core::features::pointer::ACTION_FEATURES
        .iter()
        .position(|n| *n == "critical_points")
        .unwrap();
    assert_eq!(
        reason(
            FeatureId::pointer_action(PointerKind::Pen, turns, 1),
            1.5,
            false
        ),
        "typical sharp turns per movement (pen) 1.50 above usual"
    );
    let straight = telltale_core::features::pointer::ACTION_FEATURES
        .iter()
        .position(|n| *n == "straightness")
        .unwrap();
    assert_eq!(
        reason(
            FeatureId::pointer_action(PointerKind::Mouse, straight, 2),
            -0.05,
            false
        ),
        "high straightness of movements (mouse) 5 percentage points below usual"
    );
}

#[test]
fn deviations_beyond_any_real_one_read_as_a_million() {
    // A summary's statistics may reach 1e30: no reason prints a saturated number for them.
    let speed = FeatureId::KEY_SPEED;
    assert_eq!(
        reason(speed, times(1e12), true),
        "typing speed 1000000.0 times higher than usual"
    );
    assert_eq!(
        reason(speed, -times(1e30), true),
        "typing speed 1000000.0 times lower than usual"
    );
    assert_eq!(
        reason(speed, times(999.0), true),
        "typing speed 999.0 times higher than usual"
    );
    let ud = FeatureId::key_pair(KeyClass::LetterLeft, KeyClass::Space, true);
    assert_eq!(
        reason(ud, -1e18, false),
        "gap between releasing left-hand letters and pressing the space bar 1000000 ms below usual"
    );
}

/// A fixed-text entry's score and reasons read holds and up-down gaps only: a down-down time is
/// a hold plus the gap after it (`telltale_core::detect::is_scored`), so a deviation there is
/// neither scored again nor named.
#[test]
fn fixed_text_scores_and_names_no_down_down_time() {
    use telltale_core::detect::mean_capped_square;
    use telltale_core::features::FixedSample;
    use telltale_core::scorer::{FixedScorer, Norm};

    // `H0, DD01, UD01, H1`: only the down-down time is off, by 50 SD.
    assert_eq!(mean_capped_square(&[0.0, 50.0, 0.0, 0.0], 8.0), 0.0);
    assert_eq!(mean_capped_square(&[2.0, 50.0, 0.0, 0.0], 8.0), 4.0 / 3.0);
    let scorer = FixedScorer {
        tau_ms: 10.0,
        cap: 8.0,
        calibration: Norm { mean: 0.0, sd: 1.0 },
        timings: vec![Norm { mean: 0.0, sd: 1.0 }; 4],
    };
    let sample = FixedSample {
        field: "id".into(),
        edited: false,
        timings: vec![0.0, 1e6, 0.0, 0.0],
    };
    let v = scorer.verdict(&sample).unwrap();
    assert_eq!(v.anomaly, 0.0);
    // Ties keep the layout's order; the down-down time, 10⁶ SD off, is not among them.
    assert_eq!(
        v.reasons,
        [
            "id: hold time of key 1 0.0 standard deviations longer than usual",
            "id: release-to-press gap after key 1 0.0 standard deviations longer than usual",
            "id: hold time of key 2 0.0 standard deviations longer than usual",
        ]
    );
}
