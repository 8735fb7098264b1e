//! Every feature against a naive reference implementation (memchr's way): the fast, streaming
//! code must agree with the obvious one on arbitrary input.

// The references are written the obvious way, with std's `powi`, and compared within a
// tolerance: clippy.toml's rule (one maths library for scoring) is for the engine, not for them.
#![allow(clippy::disallowed_methods)]

use proptest::prelude::*;
use telltale_core::event::{KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::features::keys::KeyWindowBuilder;
use telltale_core::features::pointer::{action_features, ActionType, Point};
use telltale_core::features::stats::{order_by_magnitude, quantile_sorted, sort, Dist, Running};
use telltale_core::features::timing_vector;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

/// Equal as a reported statistic is to its exact value: to six significant digits
/// (`stats::rounded`), give or take the last bit of the arithmetic.
fn reported(a: f64, b: f64) -> bool {
    (a - b).abs() <= 5.000_001e-6 * b.abs() + 1e-9 * (1.0 + b.abs())
}

/// Type-7 quantile the slow way: position (n-1)q between order statistics.
fn naive_quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let pos = q * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let frac = pos - lo as f64;
    if lo + 1 < s.len() {
        s[lo] * (1.0 - frac) + s[lo + 1] * frac
    } else {
        s[lo]
    }
}

proptest! {
    #[test]
    fn sort_matches_std(mut v in prop::collection::vec(-1e4f64..1e4, 0..300)) {
        let mut want = v.clone();
        want.sort_by(f64::total_cmp);
        sort(&mut v);
        prop_assert_eq!(v, want);
    }

    #[test]
    fn order_by_magnitude_matches_std_stable_sort(v in prop::collection::vec(prop_oneof![-5i32..5, -1000i32..1000], 0..120)) {
        let keys: Vec<f64> = v.iter().map(|&x| f64::from(x) / 4.0).collect();
        let mut want: Vec<usize> = (0..keys.len()).collect();
        want.sort_by(|&a, &b| keys[b].abs().total_cmp(&keys[a].abs()));
        prop_assert_eq!(order_by_magnitude(&keys), want);
    }

    #[test]
    fn dist_matches_naive(v in prop::collection::vec(-1e4f64..1e4, 5..60)) {
        let d = Dist::of(&mut v.clone()).unwrap();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        prop_assert_eq!(d.n as usize, v.len());
        prop_assert!(reported(d.mean, mean));
        prop_assert!(reported(d.sd, var.sqrt()));
        for (got, q) in [(d.q25, 0.25), (d.q50, 0.5), (d.q75, 0.75)] {
            prop_assert!(reported(got, naive_quantile(&v, q)));
        }
    }

    #[test]
    fn quantile_is_monotone(mut v in prop::collection::vec(-1e4f64..1e4, 1..40), a in 0.0f64..1.0, b in 0.0f64..1.0) {
        v.sort_by(f64::total_cmp);
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(quantile_sorted(&v, lo) <= quantile_sorted(&v, hi));
    }

    #[test]
    fn running_matches_weighted_two_pass(v in prop::collection::vec(-1e3f64..1e3, 2..80), decay in 0.5f64..=1.0) {
        let mut r = Running::default();
        for x in &v {
            r.push(*x, decay);
        }
        let n = v.len();
        let w: Vec<f64> = (0..n).map(|i| decay.powi((n - 1 - i) as i32)).collect();
        let sw: f64 = w.iter().sum();
        let mean = v.iter().zip(&w).map(|(x, w)| x * w).sum::<f64>() / sw;
        let m2 = v.iter().zip(&w).map(|(x, w)| w * (x - mean).powi(2)).sum::<f64>();
        prop_assert!((r.mean - mean).abs() < 1e-7 * (1.0 + mean.abs()));
        prop_assert!((r.w - sw).abs() < 1e-9 * sw);
        if sw > 1.0 + 1e-9 {
            let var = m2 / (sw - 1.0);
            prop_assert!((r.var() - var).abs() < 1e-6 * (1.0 + var), "{} vs {}", r.var(), var);
        }
    }

    #[test]
    fn timing_vector_matches_definitions(raw in prop::collection::vec((0.0f64..500.0, 1.0f64..300.0), 1..20)) {
        // presses: down times increasing by the first value, held for the second
        let mut presses = Vec::new();
        let mut t = 0.0;
        for (gap, hold) in &raw {
            t += gap;
            presses.push((t, t + hold));
        }
        let v = timing_vector(&presses);
        prop_assert_eq!(v.len(), 3 * presses.len() - 2);
        for (i, &(d, u)) in presses.iter().enumerate() {
            prop_assert!(reported(v[3 * i], u - d));
            if i + 1 < presses.len() {
                let (d2, _) = presses[i + 1];
                prop_assert!(reported(v[3 * i + 1], d2 - d));
                prop_assert!(reported(v[3 * i + 2], d2 - u));
                // the CMU identity, UD = DD - H, to the rounding of the three
                let (h, dd, ud) = (v[3 * i], v[3 * i + 1], v[3 * i + 2]);
                prop_assert!((ud - (dd - h)).abs() <= 5.000_001e-6 * (h.abs() + dd.abs() + ud.abs()) + 1e-9);
            }
        }
    }

    #[test]
    fn key_holds_match_naive_pairing(raw in prop::collection::vec((0usize..9, 20.0f64..400.0, 30.0f64..250.0), 5..120)) {
        // Presses with arbitrary overlap (rollover): down at cumulative gaps, up after the hold.
        let mut events = Vec::new();
        let mut t = 0.0;
        for (i, (c, gap, hold)) in raw.iter().enumerate() {
            t += gap;
            let class = KeyClass::ALL[*c];
            events.push(KeyEvent { t, down: true, class, press: i as u32, trusted: true });
            events.push(KeyEvent { t: t + hold, down: false, class, press: i as u32, trusted: true });
        }
        events.sort_by(|a, b| a.t.total_cmp(&b.t).then(a.down.cmp(&b.down)));
        let mut b = KeyWindowBuilder::new();
        for e in &events {
            b.push(e);
        }
        let w = b.finish(5).unwrap();
        prop_assert_eq!(w.keys as usize, raw.len());
        for class in KeyClass::ALL {
            let naive: Vec<f64> = raw.iter().filter(|r| KeyClass::ALL[r.0] == class).map(|r| r.2).collect();
            let got = w.holds.iter().find(|h| h.class == class);
            if naive.len() >= 5 {
                let d = got.expect("bucket with five or more holds").hold;
                prop_assert_eq!(d.n as usize, naive.len());
                prop_assert!(reported(d.q50, naive_quantile(&naive, 0.5)));
            } else {
                prop_assert!(got.is_none(), "bucket under five events must be left out");
            }
        }
        // Down-down times between consecutive presses (no pause: gaps < 2 s), per class pair.
        for p in &w.pairs {
            let naive: Vec<f64> = raw.windows(2)
                .filter(|w| KeyClass::ALL[w[0].0] == p.from && KeyClass::ALL[w[1].0] == p.to)
                .map(|w| w[1].1)
                .collect();
            if let Some(dd) = p.dd {
                prop_assert_eq!(dd.n as usize, naive.len());
                prop_assert!(reported(dd.q50, naive_quantile(&naive, 0.5)));
            }
            if let Some(ud) = p.ud {
                let naive_ud: Vec<f64> = raw.windows(2)
                    .filter(|w| KeyClass::ALL[w[0].0] == p.from && KeyClass::ALL[w[1].0] == p.to)
                    .map(|w| w[1].1 - w[0].2)
                    .collect();
                prop_assert!(reported(ud.q50, naive_quantile(&naive_ud, 0.5)));
            }
        }
    }

    #[test]
    fn action_features_match_naive(steps in prop::collection::vec((1.0f64..40.0, -30.0f64..30.0, -30.0f64..30.0), 5..60)) {
        let mut pts = vec![Point { t: 0.0, x: 100.0, y: 100.0 }];
        for (dt, dx, dy) in &steps {
            let l = *pts.last().unwrap();
            pts.push(Point { t: l.t + dt, x: l.x + dx, y: l.y + dy });
        }
        let Some(a) = action_features(ActionType::MouseMove, &pts) else {
            return Ok(()); // no movement at all
        };
        let path: f64 = pts.windows(2).map(|w| ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt()).sum();
        let first = pts[0];
        let last = pts[pts.len() - 1];
        let chord = ((last.x - first.x).powi(2) + (last.y - first.y).powi(2)).sqrt();
        let speeds: Vec<f64> = pts.windows(2).map(|w| {
            ((w[1].x - w[0].x).powi(2) + (w[1].y - w[0].y).powi(2)).sqrt() / ((w[1].t - w[0].t) / 1000.0)
        }).collect();
        let v_mean = speeds.iter().sum::<f64>() / speeds.len() as f64;
        let v_max = speeds.iter().cloned().fold(0.0, f64::max);
        let dev = pts.iter().map(|p| {
            if chord > 0.0 {
                ((p.x - first.x) * (last.y - first.y) - (p.y - first.y) * (last.x - first.x)).abs() / chord
            } else {
                ((p.x - first.x).powi(2) + (p.y - first.y).powi(2)).sqrt()
            }
        }).fold(0.0, f64::max);
        prop_assert!(close(a.values[0], last.t - first.t));
        prop_assert!(close(a.values[1], path));
        prop_assert!(close(a.values[2], chord / path));
        prop_assert!(close(a.values[3], v_mean));
        prop_assert!(close(a.values[5], v_max));
        prop_assert!(close(a.values[11], dev));
        prop_assert!(a.values.iter().all(|v| v.is_finite()));
        prop_assert!(a.values[2] <= 1.0 + 1e-12);
    }

    /// Privacy by construction: a summary does not change when the same movement happens
    /// elsewhere on the screen, so no absolute coordinate can be in it.
    #[test]
    fn summaries_are_translation_invariant(
        steps in prop::collection::vec((5.0f64..30.0, -40i32..40, -40i32..40), 30..120),
        shift in (-5000i32..5000, -5000i32..5000),
    ) {
        use telltale_core::{InputEvent, WindowConfig, Windower};
        let run = |x0: f64, y0: f64| {
            let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
            let (mut t, mut x, mut y) = (0.0, x0, y0);
            for (i, (dt, dx, dy)) in steps.iter().enumerate() {
                t += dt;
                x += *dx as f64;
                y += *dy as f64;
                let phase = match i % 17 {
                    16 => PointerPhase::Down,
                    0 if i > 0 => PointerPhase::Up,
                    // Every other press the browser takes over (a native drag): Chromium's
                    // `pointercancel` reads 0, 0 wherever the pointer is.
                    8 if i / 17 % 2 == 1 => PointerPhase::Cancel,
                    _ => PointerPhase::Move,
                };
                let buttons = u16::from(phase == PointerPhase::Down);
                let (px, py) = if phase == PointerPhase::Cancel { (0.0, 0.0) } else { (x, y) };
                w.push(InputEvent::Pointer(PointerEvent { t, phase, kind: PointerKind::Mouse, x: px, y: py, buttons, movement: None, trusted: true }));
                if i % 29 == 28 {
                    t += 800.0; // pauses end actions
                }
            }
            w.flush(t + 1000.0).map(|s| serde_json::to_string(&s).unwrap())
        };
        let here = run(640.0, 480.0);
        let there = run(640.0 + shift.0 as f64, 480.0 + shift.1 as f64);
        prop_assert_eq!(here, there);
    }

    /// Every summary the collector can make passes the server's checks (`Summary::check`, which
    /// refuses what no collector could have measured): presses of any class in any overlap,
    /// held up to a minute or never released, gaps across pauses, sparse windows carried over,
    /// runs broken, pointer moves, presses and cancels, windows closed by key events, by the
    /// timer and by flushes, and events out of time order (a keyup dated before its keydown, as
    /// a page's clock or a script can give).
    #[test]
    fn every_summary_the_windower_makes_passes_the_checks(
        keys in prop::collection::vec((0usize..9, prop_oneof![0.0f64..400.0, 0.0f64..3000.0], prop_oneof![1.0f64..300.0, 0.0f64..60_000.0, -300.0f64..0.0], 0u8..40), 0..500),
        moves in prop::collection::vec((0.0f64..60.0, -40i32..40, -40i32..40, 0u8..30), 0..500),
        max_key_events in 10u32..300,
    ) {
        use telltale_core::{InputEvent, WindowConfig, Windower};
        // (time, order, event): a press's keyup can come after later presses, or never.
        let mut events: Vec<(f64, InputEvent)> = Vec::new();
        let mut t = 0.0;
        for (i, (c, gap, hold, what)) in keys.iter().enumerate() {
            t += gap;
            let class = KeyClass::ALL[*c];
            let press = i as u32;
            events.push((t, InputEvent::Key(KeyEvent { t, down: true, class, press, trusted: true })));
            if *what != 0 {
                events.push((t + hold, InputEvent::Key(KeyEvent { t: t + hold, down: false, class, press, trusted: true })));
            }
        }
        let (mut t, mut x, mut y, mut buttons) = (0.0, 500.0, 400.0, 0u16);
        for (dt, dx, dy, what) in &moves {
            t += dt;
            x += f64::from(*dx);
            y += f64::from(*dy);
            let phase = match what {
                0 => { buttons = 1; PointerPhase::Down }
                1 => { buttons = 0; PointerPhase::Up }
                2 => { buttons = 0; PointerPhase::Cancel }
                3 => { t += 900.0; PointerPhase::Move }
                _ => PointerPhase::Move,
            };
            events.push((t, InputEvent::Pointer(PointerEvent { t, phase, kind: PointerKind::Mouse, x, y, buttons, movement: None, trusted: true })));
        }
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        for i in (0..events.len().saturating_sub(1)).step_by(11) {
            events.swap(i, i + 1);
        }
        let config = WindowConfig { window_ms: 30_000.0, max_key_events };
        let mut w = Windower::new(config, "tok", "0123456789abcdef");
        let mut out = Vec::new();
        let mut next_tick = config.tick_ms();
        for (i, (t, ev)) in events.into_iter().enumerate() {
            while next_tick <= t {
                out.extend(w.tick(next_tick));
                next_tick += config.tick_ms();
            }
            match i % 97 {
                41 => w.break_key_run(),
                83 => out.extend(w.flush(t)),
                _ => {}
            }
            out.extend(w.push(ev));
        }
        out.extend(w.flush(next_tick));
        for s in &out {
            prop_assert!(s.check().is_ok(), "{:?}\n{}", s.check(), serde_json::to_string(s).unwrap());
        }
    }
}
