//! The largest summary the collector can produce fits one beacon (docs/design.md: each beacon under
//! 16 KiB, `summary::MAX_SUMMARY_BYTES`): the longest window the options allow, every key
//! class and class pair, every pointer kind with every feature, the longest fixed-text entry
//! (the collector closes the window when an entry ends, so a summary carries one), the longest
//! session token, a score with the most reasons.

use telltale_core::event::{KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::features::FixedSample;
use telltale_core::summary::{MAX_SUMMARY_BYTES, MAX_TOKEN_LEN};
use telltale_core::{Band, InputEvent, Score, Summary, WindowConfig, Windower, MODEL_VERSION};

/// Times with every digit of an `f64` in use, as differences of `event.timeStamp` values are.
fn noisy(i: u32) -> f64 {
    1.0 + (i as f64 * 0.618_033_988_749_894_8).fract() / 3.0
}

fn largest() -> Summary {
    let mut w = Windower::new(
        WindowConfig {
            window_ms: 600_000.0,
            max_key_events: 10_000,
        },
        "t".repeat(MAX_TOKEN_LEN),
        "p".repeat(telltale_core::summary::MAX_PAGE_LEN),
    );
    w.webdriver = true;
    let (mut t, mut press) = (1_000.123_456_789, 0u32);
    // Every ordered pair of classes six times over: every hold and pair bucket is reported.
    for _ in 0..6 {
        for a in KeyClass::ALL {
            for b in KeyClass::ALL {
                for class in [a, b] {
                    let hold = 80.0 * noisy(press);
                    for (at, down) in [(t, true), (t + hold, false)] {
                        w.push(InputEvent::Key(KeyEvent {
                            t: at,
                            down,
                            class,
                            press,
                            trusted: true,
                        }));
                    }
                    press += 1;
                    t += 140.0 * noisy(press + 7) + if press % 17 == 0 { 2_500.0 } else { 0.0 };
                }
            }
        }
    }
    // Every pointer kind, every action type in every direction, twice over (six actions per
    // direction bin: every bin is reported).
    for kind in PointerKind::ALL {
        for rep in 0..2 {
            for dir in 0..8 {
                for action in 0..3 {
                    let angle = dir as f64 * core::f64::consts::FRAC_PI_4 + 0.3;
                    let (x0, y0) = (500.0 + rep as f64, 400.0);
                    let mut ev = |t: f64, phase, x: f64, y: f64, buttons| {
                        w.push(InputEvent::Pointer(PointerEvent {
                            t,
                            phase,
                            kind,
                            x,
                            y,
                            buttons,
                            movement: Some((1.0, 1.0)),
                            trusted: true,
                        }));
                    };
                    let drag = action == 2;
                    if drag {
                        ev(t, PointerPhase::Down, x0, y0, 1);
                    }
                    for k in 1..=12 {
                        let s = k as f64 * 15.0 * noisy(k + rep + dir);
                        let bend = libm::sin(k as f64 * 0.7) * 3.0;
                        ev(
                            t + k as f64 * 16.7 * noisy(k),
                            PointerPhase::Move,
                            x0 + s * libm::cos(angle) - bend * libm::sin(angle),
                            y0 + s * libm::sin(angle) + bend * libm::cos(angle),
                            u16::from(drag),
                        );
                    }
                    t += 12.0 * 16.7 + 40.0 * noisy(dir);
                    if action >= 1 {
                        let x = x0 + 180.0 * libm::cos(angle);
                        let y = y0 + 180.0 * libm::sin(angle);
                        if !drag {
                            ev(t, PointerPhase::Down, x, y, 1);
                        }
                        ev(t + 95.0 * noisy(rep), PointerPhase::Up, x, y, 0);
                    }
                    // A hover ends on a rest; a release is followed by the next movement soon
                    // enough to be timed.
                    t += if action == 0 { 700.0 } else { 150.0 } * noisy(action + dir);
                }
            }
        }
    }
    // The longest fixed-text entry, in a field with the longest name.
    let presses: Vec<(f64, f64)> = (0..telltale_core::features::fixed::MAX_PRESSES as u32)
        .map(|i| {
            t += 150.0 * noisy(i);
            (t, t + 90.0 * noisy(i + 3))
        })
        .collect();
    w.push_fixed(FixedSample {
        field: "f".repeat(64),
        edited: false,
        timings: telltale_core::features::timing_vector(&presses),
    });
    let mut s = w.flush(t + 20_000.0).expect("a full window");
    // The longest reasons a score carries: every automation signal, then three fixed-text
    // reasons naming the longest field.
    let mut reasons: Vec<String> = s
        .automation
        .signals
        .iter()
        .map(|g| format!("automation signal: {} ({:.2})", g.kind.name(), g.strength))
        .collect();
    reasons.extend((0..3).map(|i| {
        format!(
            "{}: release-to-press gap after key {} 123.4 standard deviations shorter than usual",
            "f".repeat(64),
            60 + i
        )
    }));
    s.score = Some(Score {
        similarity: 12.345_678_901_234_567,
        band: Band::StepUp,
        automation: 0.987_654_321_012_345_6,
        reasons,
        model_version: MODEL_VERSION.to_owned(),
    });
    s
}

#[test]
fn the_largest_summary_fits_one_beacon() {
    let s = largest();
    s.validate().unwrap();
    let keys = s.keys.as_ref().expect("a key window");
    assert_eq!(
        keys.holds.len(),
        KeyClass::ALL.len(),
        "every class reported"
    );
    assert_eq!(keys.pairs.len(), telltale_core::features::keys::MAX_PAIRS);
    assert_eq!(s.pointer.len(), 3, "every pointer kind reported");
    for p in &s.pointer {
        assert_eq!(p.features.len(), 14, "every action feature reported");
        assert!(p.press_hold_ms.is_some() && p.pre_press_ms.is_some());
        assert!(p.post_release_ms.is_some());
    }
    let json = serde_json::to_string(&s).unwrap();
    // The beacon body is an array: `[summary]`.
    println!("largest summary: {} bytes of JSON", json.len());
    assert!(
        json.len() + 2 <= MAX_SUMMARY_BYTES,
        "{} bytes is more than one beacon",
        json.len() + 2
    );
}
