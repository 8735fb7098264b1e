//! Cost per event of feature extraction (key and pointer) and the cost of scoring one fixed-text
//! sample and one window. Run: `cargo bench -p telltale-core --bench features`.
//! The last lines print what a 1000 Hz pointer costs as a share of one core.

use std::hint::black_box;
use std::time::Instant;

use criterion::{criterion_group, Criterion, Throughput};
use telltale_core::event::{KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::features::{timing_vector, FixedSample};
use telltale_core::{InputEvent, Profile, Summary, WindowConfig, Windower};

/// A human-like key stream: ~6 keys per second, overlapping presses, varied holds.
fn key_events(n: usize) -> Vec<InputEvent> {
    let mut v = Vec::with_capacity(n);
    let mut t = 0.0;
    for i in 0..n as u32 / 2 {
        let j = ((i * 7919) % 97) as f64;
        let class = KeyClass::ALL[(i as usize * 5) % 9];
        v.push(InputEvent::Key(KeyEvent {
            t,
            down: true,
            class,
            press: i,
            trusted: true,
        }));
        v.push(InputEvent::Key(KeyEvent {
            t: t + 60.0 + j,
            down: false,
            class,
            press: i,
            trusted: true,
        }));
        t += 120.0 + 1.5 * j;
    }
    v.sort_by(|a, b| a.time().total_cmp(&b.time()));
    v
}

/// A 1000 Hz mouse: curved movements of 300 ms, a click after every third, short rests.
fn pointer_events(n: usize) -> Vec<InputEvent> {
    let mut v = Vec::with_capacity(n);
    let (mut t, mut k) = (0.0, 0u32);
    while v.len() < n {
        let (x0, y0) = ((k * 37 % 800) as f64, (k * 53 % 600) as f64);
        for i in 0..300 {
            let s = i as f64 / 300.0;
            let e = s * s * (3.0 - 2.0 * s); // bell-shaped speed profile
            v.push(InputEvent::Pointer(PointerEvent {
                t: t + i as f64,
                phase: PointerPhase::Move,
                kind: PointerKind::Mouse,
                x: x0 + 400.0 * e,
                y: y0 + 200.0 * e + 40.0 * libm::sin(std::f64::consts::PI * s),
                buttons: 0,
                movement: Some((1.0, 1.0)),
                trusted: true,
            }));
        }
        t += 300.0;
        if k % 3 == 0 {
            for (dt, phase) in [(40.0, PointerPhase::Down), (130.0, PointerPhase::Up)] {
                v.push(InputEvent::Pointer(PointerEvent {
                    t: t + dt,
                    phase,
                    kind: PointerKind::Mouse,
                    x: x0 + 400.0,
                    y: y0 + 200.0,
                    buttons: u16::from(phase == PointerPhase::Down),
                    movement: None,
                    trusted: true,
                }));
            }
        }
        t += 700.0;
        k += 1;
    }
    v.truncate(n);
    v
}

fn fixed(k: u32) -> FixedSample {
    let presses: Vec<(f64, f64)> = (0..11u32)
        .map(|i| {
            let j = ((k * 31 + i * 17) % 21) as f64;
            let d = i as f64 * 180.0 + j;
            (d, d + 80.0 + j)
        })
        .collect();
    FixedSample {
        field: "employee-id".into(),
        edited: false,
        timings: timing_vector(&presses),
    }
}

/// A profile enrolled on 40 windows of mixed typing and pointing, and a window to score.
fn enrolled() -> (Profile, Summary) {
    let mut p = Profile::default();
    let mut last = None;
    for k in 0..41 {
        // One window holding everything: a login entry, 200 key presses, 20 s of pointing.
        let config = WindowConfig {
            window_ms: 600_000.0,
            max_key_events: 10_000,
        };
        let mut w = Windower::new(config, "bench", "0123456789abcdef");
        w.push_fixed(fixed(k));
        for ev in key_events(400).into_iter().chain(pointer_events(20_000)) {
            let shifted = match ev {
                InputEvent::Key(mut e) => {
                    e.t += k as f64;
                    InputEvent::Key(e)
                }
                other => other,
            };
            assert!(w.push(shifted).is_none(), "the window holds everything");
        }
        let s = w.flush(1e9).expect("a summary");
        if k < 40 {
            p.learn(&s).unwrap();
        }
        last = Some(s);
    }
    (p, last.unwrap())
}

fn per_event(c: &mut Criterion) {
    let keys = key_events(10_000);
    let ptr = pointer_events(10_000);
    let mut g = c.benchmark_group("per_event");
    g.throughput(Throughput::Elements(keys.len() as u64));
    g.bench_function("key", |b| {
        b.iter(|| {
            let mut w = Windower::new(
                WindowConfig {
                    window_ms: 600_000.0,
                    max_key_events: 10_000,
                },
                "b",
                "0123456789abcdef",
            );
            for ev in &keys {
                black_box(w.push(*ev));
            }
        })
    });
    g.throughput(Throughput::Elements(ptr.len() as u64));
    g.bench_function("pointer", |b| {
        b.iter(|| {
            let mut w = Windower::new(WindowConfig::default(), "b", "0123456789abcdef");
            for ev in &ptr {
                black_box(w.push(*ev));
            }
        })
    });
    g.finish();
}

/// Scoring as the browser does it: with the profile's compiled scorer.
fn scoring(c: &mut Criterion) {
    let (profile, summary) = enrolled();
    let scorer = profile.scorer();
    let one_fixed = summary_only_fixed(&summary);
    assert!(
        scorer.judge(&one_fixed).len() == 1,
        "the fixed sample is scored"
    );
    assert!(
        scorer.judge(&summary).len() == 3,
        "fixed, keys and mouse are scored"
    );
    c.bench_function("score/fixed_sample", |b| {
        b.iter(|| black_box(scorer.score(black_box(&one_fixed))))
    });
    let mut window = summary.clone();
    window.fixed.clear();
    c.bench_function("score/window", |b| {
        b.iter(|| black_box(scorer.score(black_box(&window))))
    });
    // What `Profile::score` costs (compiling the scorer first, as a server that keeps no
    // compiled scorer per user does).
    c.bench_function("score/window_compiling", |b| {
        b.iter(|| black_box(profile.score(black_box(&window))))
    });
}

fn summary_only_fixed(s: &Summary) -> Summary {
    let mut f = s.clone();
    f.keys = None;
    f.pointer.clear();
    f
}

criterion_group!(benches, per_event, scoring);

/// Median over 11 runs of the time per event for a 1000 Hz pointer, as a share of one core.
fn pointer_core_share() {
    let ptr = pointer_events(100_000);
    let mut per_event_ns: Vec<f64> = (0..11)
        .map(|_| {
            let mut w = Windower::new(WindowConfig::default(), "b", "0123456789abcdef");
            let start = Instant::now();
            for ev in &ptr {
                black_box(w.push(*ev));
            }
            start.elapsed().as_nanos() as f64 / ptr.len() as f64
        })
        .collect();
    per_event_ns.sort_by(f64::total_cmp);
    let median = per_event_ns[5];
    // 1000 events per second, each costing `median` ns, out of 1e9 ns per second.
    println!(
        "1000 Hz pointer: {median:.0} ns per event (median of 11 runs of 100,000) = {:.4}% of one core",
        median * 1000.0 / 1e9 * 100.0
    );
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    pointer_core_share();
}
