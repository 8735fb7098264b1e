//! The "what must hold", checked on the public data sets with the published protocols:
//! the CMU paper reproduced, Telltale's detectors ahead of every published one-class result, and
//! SapiMouse above the required AUC. Figures, not timings: these are deterministic.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    assert!(
        p.exists(),
        "{} is missing: the public data sets live in ../shared/data beside the project (see the README)",
        p.display()
    );
    p
}

fn eval(args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_telltale-eval"))
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("telltale-eval runs");
    assert!(
        out.status.success(),
        "telltale-eval {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn eer_of(rows: &[Value], name: &str) -> f64 {
    let r = rows
        .iter()
        .find(|r| r["detector"] == name)
        .unwrap_or_else(|| panic!("no row for {name}"));
    assert_eq!(r["subjects"], 51);
    r["eer_mean"].as_f64().unwrap()
}

fn cmu(extra: &[&str]) -> Vec<Value> {
    let csv = data("../shared/data/keystroke/DSL-StrongPasswordData.csv");
    let mut args = vec!["keystroke", "--data", csv.to_str().unwrap()];
    args.extend_from_slice(extra);
    eval(&args)
}

#[test]
fn cmu_paper_is_reproduced() {
    let rows = cmu(&[]);
    // (detector, the paper's mean EER, allowed distance: the tolerances)
    for (name, paper, tol) in [
        ("manhattan-scaled", 0.0962, 0.005),
        ("outlier-count", 0.1022, 0.01),
        ("nn-mahalanobis", 0.0996, 0.01),
        ("manhattan", 0.1529, 0.01),
        ("euclidean", 0.1706, 0.01),
    ] {
        let got = eer_of(&rows, name);
        assert!(
            (got - paper).abs() <= tol,
            "{name}: {got:.4} vs the paper's {paper}"
        );
    }
}

#[test]
fn telltale_beats_every_published_one_class_result_at_every_clock() {
    for res in ["0", "1", "16.7"] {
        let rows = cmu(&["--timer-resolution-ms", res]);
        let ours = eer_of(&rows, "telltale");
        assert!(
            ours <= 0.075,
            "clock {res} ms: telltale EER {ours:.4} > 0.075"
        );
        // Below the best published one-class result (0.084) and every detector of the table.
        assert!(ours < 0.084, "clock {res} ms: telltale EER {ours:.4}");
        for r in rows
            .iter()
            .filter(|r| r["population"] == false && r["detector"] != "telltale")
        {
            assert!(
                ours < r["eer_mean"].as_f64().unwrap(),
                "clock {res} ms: telltale {ours:.4} not below {}",
                r["detector"]
            );
        }
        // The population row never mixes an impostor into its target's background, and still
        // must beat the published population result (GMM-UBM 0.055).
        let pop = eer_of(&rows, "telltale-population");
        assert!(pop < 0.055, "clock {res} ms: population EER {pop:.4}");
    }
}

/// The small-enrollment table (README, "Small enrollments"): one run, one row per size. The
/// figures are deterministic; the tolerance (0.005) only absorbs a change of floating-point
/// order, not a change of the detector.
#[test]
fn small_enrollments_in_one_run() {
    let sizes = [5usize, 10, 20, 50, 100, 200];
    let rows = cmu(&["--train", "5,10,20,50,100,200"]);
    let at = |name: &str, train: usize| {
        rows.iter()
            .find(|r| r["detector"] == name && r["train"] == train)
            .unwrap_or_else(|| panic!("no row for {name} at {train}"))["eer_mean"]
            .as_f64()
            .unwrap()
    };
    // (train, telltale, telltale-population) as the README prints them.
    for (train, one, pop) in [
        (5, 0.1908, 0.1775),
        (10, 0.1598, 0.1532),
        (20, 0.1230, 0.1128),
        (50, 0.0910, 0.0898),
        (100, 0.0612, 0.0594),
        (200, 0.0441, 0.0437),
    ] {
        let (o, p) = (at("telltale", train), at("telltale-population", train));
        assert!(
            (o - one).abs() <= 0.005,
            "train {train}: telltale {o:.4}, README {one}"
        );
        assert!(
            (p - pop).abs() <= 0.005,
            "train {train}: population {p:.4}, README {pop}"
        );
        // The population row is better than the one-class one at every size (while the
        // profiles are young it adds the one-class score: README).
        assert!(p < o, "train {train}: population {p:.4} not below {o:.4}");
    }
    // At every size Telltale's detector is the best one-class row, over all subjects and on each
    // half (README).
    let dev = cmu(&["--train", "5,10,20,50,100,200", "--users", "dev"]);
    let held_out = cmu(&["--train", "5,10,20,50,100,200", "--users", "held-out"]);
    for (users, rows) in [("all", &rows), ("dev", &dev), ("held-out", &held_out)] {
        for &train in &sizes {
            let of = |r: &Value| r["eer_mean"].as_f64().unwrap();
            let here = |r: &&Value| r["train"] == train && r["population"] == false;
            let ours = rows
                .iter()
                .filter(here)
                .find(|r| r["detector"] == "telltale")
                .map(of)
                .unwrap();
            for r in rows
                .iter()
                .filter(here)
                .filter(|r| r["detector"] != "telltale")
            {
                assert!(
                    ours < of(r),
                    "{users}, train {train}: telltale {ours:.4} not below {}",
                    r["detector"]
                );
            }
        }
    }
    // Against practised impostors (their last repetitions), the best one-class row at every size.
    let practised = cmu(&["--train", "5,10,20,50,100,200", "--practised-impostors"]);
    for &train in &sizes {
        let of = |name: &str| {
            practised
                .iter()
                .find(|r| r["detector"] == name && r["train"] == train)
                .unwrap()["eer_mean"]
                .as_f64()
                .unwrap()
        };
        let ours = of("telltale");
        for name in ["manhattan-scaled", "outlier-count", "nn-mahalanobis"] {
            assert!(
                ours < of(name),
                "practised, train {train}: {ours:.4} vs {name}"
            );
        }
    }
}

#[test]
fn sapimouse_figures() {
    let dir = data("../shared/data/mouse/sapimouse");
    let rows = eval(&[
        "pointer",
        "--sapimouse",
        dir.to_str().unwrap(),
        "--block-seconds",
        "15,60",
    ]);
    let auc = |secs: f64, det: &str| {
        rows.iter()
            .find(|r| r["block_seconds"] == secs && r["detector"] == det)
            .map(|r| {
                assert_eq!(r["users"], 120);
                r["auc_mean"].as_f64().unwrap()
            })
            .unwrap_or_else(|| panic!("no row for {det} at {secs} s"))
    };
    // The README's figures (deterministic: the tolerance is for the fourth digit only).
    for (secs, det, want) in [
        (15.0, "telltale-window", 0.9310),
        (60.0, "telltale-window", 0.9730),
        (15.0, "telltale-window-population", 0.9353),
        (60.0, "telltale-window-population", 0.9601),
    ] {
        let got = auc(secs, det);
        assert!(
            (got - want).abs() < 0.001,
            "{det} at {secs} s: {got:.4}, README {want}"
        );
    }
    // The aim at 15 s (README, "SapiMouse"), one-class over all users.
    assert!(auc(15.0, "telltale-window") >= 0.93);
}

#[test]
fn manifest_mode_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let sapi = data("../shared/data/mouse/sapimouse");
    let users = ["user1", "user2", "user3"];
    let mut m = String::from("user,path,role\n");
    for u in users {
        for entry in std::fs::read_dir(sapi.join(u)).unwrap() {
            let p = entry.unwrap().path();
            let name = p.to_string_lossy().into_owned();
            if name.ends_with("_3min.csv") {
                m += &format!("{u},{name},enroll\n");
            } else if name.ends_with("_1min.csv") {
                m += &format!("{u},{name},genuine\n");
                for other in users.iter().filter(|o| **o != u) {
                    m += &format!("{other},{name},impostor\n");
                }
            }
        }
    }
    let manifest = dir.path().join("manifest.csv");
    std::fs::write(&manifest, m).unwrap();
    let rows = eval(&[
        "pointer",
        "--manifest",
        manifest.to_str().unwrap(),
        "--block-seconds",
        "15",
    ]);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["users"], 3);

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "user,path,role\nu1,x.csv,teacher\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_telltale-eval"))
        .args(["pointer", "--manifest", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("role `teacher`"));
}

#[test]
fn det_curves_are_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("det.svg");
    let csv = data("../shared/data/keystroke/DSL-StrongPasswordData.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_telltale-eval"))
        .args([
            "keystroke",
            "--data",
            csv.to_str().unwrap(),
            "--detector",
            "euclidean",
        ])
        .args(["--plot", svg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("euclidean") && text.contains("<polyline"));
}

/// Free text on the Aalto subset (README, "Free text"): the held-out half of the users, each
/// enrolled on its first 400 keystrokes. Deterministic figures; the tolerance (0.005) absorbs a
/// change of floating-point order only.
#[test]
fn free_text_windows() {
    let csv = data("../shared/data/freetext/aalto-keystrokes.csv");
    let rows = eval(&[
        "freetext",
        "--data",
        csv.to_str().unwrap(),
        "--users",
        "held-out",
    ]);
    let at = |name: &str, keys: u64| {
        rows.iter()
            .find(|r| r["detector"] == name && r["window_keys"] == keys)
            .unwrap_or_else(|| panic!("no row for {name} at {keys}"))["eer_mean"]
            .as_f64()
            .unwrap()
    };
    for (keys, one, pop, gp) in [
        (50, 0.0961, 0.0685, 0.1795),
        (100, 0.0224, 0.0177, 0.0893),
        (200, 0.0035, 0.0036, 0.0330),
    ] {
        let close = |got: f64, want: f64, what: &str| {
            assert!(
                (got - want).abs() <= 0.005,
                "{what} at {keys}: {got:.4}, README {want}"
            )
        };
        close(at("telltale-window", keys), one, "one-class");
        close(at("telltale-window-population", keys), pop, "population");
        close(
            at("gunetti-picardi (key identity)", keys),
            gp,
            "Gunetti-Picardi",
        );
    }
    // The aims at 200 keystrokes.
    assert!(at("telltale-window", 200) <= 0.10);
    assert!(at("telltale-window-population", 200) <= 0.07);
}

/// Whole sessions (README, "Whole sessions"): the core's session decision on both halves. The
/// counts are deterministic; they are checked exactly where they are counts and within a second
/// or a keystroke where they are quantiles.
#[test]
fn whole_sessions() {
    // (half, false flags, chained false flags: keys, pointer, both; median seconds to flag: keys,
    // pointer, both; share of keys takeovers flagged within 60 s, and whose second impostor
    // window ended by then)
    for (users, flags, chained, median_s, within, ceiling) in [
        (
            "dev",
            [0, 0, 0],
            [0, 0, 0],
            [56.625, 45.0, 29.25],
            0.601,
            0.986,
        ),
        (
            "held-out",
            [1, 0, 2],
            [1, 0, 2],
            [56.625, 44.25, 29.25],
            0.589,
            0.988,
        ),
    ] {
        let rows = eval(&["session", "--users", users]);
        let row = |m: &str| rows.iter().find(|r| r["modality"] == m).unwrap();
        let (k, p, b) = (row("keys"), row("pointer"), row("both"));
        for (i, r) in [k, p, b].into_iter().enumerate() {
            assert_eq!(r["false_flags"], flags[i], "{users}: {r}");
            assert_eq!(r["chained_false_flags"], chained[i], "{users}: {r}");
            let s = r["seconds_to_flag_median"].as_f64().unwrap();
            assert!((s - median_s[i]).abs() <= 1.0, "{users}: {r}");
        }
        assert!(
            k["takeovers_flagged"].as_f64().unwrap() > 0.7,
            "{users}: {k}"
        );
        // Typing and pointing at once: both parts' evidence in each window (Fisher's method).
        assert!(
            b["takeovers_flagged"].as_f64().unwrap() > 0.9,
            "{users}: {b}"
        );
        // Issue 21's aims, for typing, pointing, and both at once: under one false flag per 8
        // genuine hours, and a takeover flagged within 60 s (median).
        for r in [k, p, b] {
            let per_8h = r["false_flags_per_hour"].as_f64().unwrap() * 8.0;
            assert!(per_8h < 1.0, "{users}: {r}");
            let s = r["seconds_to_flag_median"].as_f64().unwrap();
            assert!(s <= 60.0, "{users}: {r}");
        }
        // A flag needs two windows, and the impostor's first window starts at the timer's tick
        // before their first event, so the second ends by 30 s and the fourth by 60 s (the
        // second by 60 s for 99% of takeovers; the rest had windows too sparse to summarise):
        // about 60% of typing takeovers are flagged by then.
        let f = |key: &str| k[key].as_f64().unwrap();
        assert!(
            (f("flagged_within_aim") - within).abs() <= 0.01,
            "{users}: {k}"
        );
        assert!(
            (f("second_window_within_aim") - ceiling).abs() <= 0.01,
            "{users}: {k}"
        );
        // Flagged within 60 s means flagged at the first window, or later with two ended.
        let first = k["flagged_at_window"][0].as_f64().unwrap();
        assert!(
            f("flagged_within_aim") <= f("second_window_within_aim") + first,
            "{users}: {k}"
        );
    }
}
