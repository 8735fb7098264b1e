//! Edge cases and the profile's life cycle, end to end through the public API.

use telltale_core::event::{KeyClass, KeyEvent, PointerEvent, PointerKind, PointerPhase};
use telltale_core::features::FixedSample;
use telltale_core::summary::{MAX_PAGE_MS, MAX_TOKEN_LEN};
use telltale_core::{Band, InputEvent, Profile, Summary, WindowConfig, Windower};

fn key(t: f64, down: bool, press: u32) -> InputEvent {
    InputEvent::Key(KeyEvent {
        t,
        down,
        class: KeyClass::Digit,
        press,
        trusted: true,
    })
}

#[test]
fn nan_and_infinite_inputs_are_rejected_and_counted() {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    assert!(w.push(key(f64::NAN, true, 1)).is_none());
    w.push(InputEvent::Pointer(PointerEvent {
        t: 5.0,
        phase: PointerPhase::Move,
        kind: PointerKind::Mouse,
        x: f64::INFINITY,
        y: 0.0,
        buttons: 0,
        movement: None,
        trusted: true,
    }));
    w.push(key(-1.0, true, 2));
    assert_eq!(w.faults, 3);
    assert_eq!(w.counts.events, 0, "rejected events never reach a feature");
    let s = w.flush(10.0).expect("faults are reported in a summary");
    assert_eq!(s.faults, 3);
    s.validate().unwrap();
}

#[test]
fn untrusted_events_are_counted_not_featured() {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    // More presses than a free-text window needs: untrusted, none is one.
    for i in 0..50u32 {
        let t = i as f64 * 100.0;
        for down in [true, false] {
            w.push(InputEvent::Key(KeyEvent {
                t: t + if down { 0.0 } else { 50.0 },
                down,
                class: KeyClass::LetterLeft,
                press: i,
                trusted: false,
            }));
        }
    }
    let s = w.flush(6000.0).unwrap();
    assert!(s.keys.is_none());
    assert_eq!(s.counts.untrusted, 100);
    assert!(s.automation.score > 0.0);
}

#[test]
fn windows_close_on_time_and_on_key_count() {
    let cfg = WindowConfig {
        window_ms: 1000.0,
        max_key_events: 20,
    };
    let mut w = Windower::new(cfg, "tok", "0123456789abcdef");
    let mut out = Vec::new();
    for i in 0..30u32 {
        let t = i as f64 * 20.0;
        out.extend(w.push(key(t, true, i)));
        out.extend(w.push(key(t + 10.0, false, i)));
    }
    assert_eq!(out.len(), 3, "60 key events at 20 per window");
    assert_eq!(
        out.iter().map(|s| s.seq).collect::<Vec<_>>(),
        vec![0, 1, 2],
        "sequence numbers are contiguous"
    );
    let mut w = Windower::new(cfg, "tok", "0123456789abcdef");
    assert!(w.push(key(0.0, true, 1)).is_none());
    assert!(w.push(key(50.0, false, 1)).is_none());
    let s = w
        .push(key(5000.0, true, 2))
        .expect("a late event closes the window");
    assert_eq!(s.start_ms, 0.0);
}

/// A window of the fewest key presses summarised (`MIN_WINDOW_KEYS`), 150 ms apart.
fn few_keys() -> Summary {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    let n = telltale_core::features::keys::MIN_WINDOW_KEYS as u32;
    for i in 0..n {
        w.push(key(i as f64 * 150.0, true, i));
        w.push(key(i as f64 * 150.0 + 70.0, false, i));
    }
    w.flush(f64::from(n) * 150.0).unwrap()
}

#[test]
fn summaries_reject_unknown_fields_and_bad_values() {
    let s = few_keys();
    let mut v = serde_json::to_value(&s).unwrap();
    v["keystrokes"] = serde_json::json!("abc");
    assert!(
        serde_json::from_value::<Summary>(v).is_err(),
        "unknown field accepted"
    );

    let mut bad = s.clone();
    bad.schema = 99;
    assert!(bad.validate().is_err());
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().holds[0].hold.n = 2;
    assert!(bad.validate().unwrap_err().to_string().contains("bucket"));
    let mut bad = s.clone();
    bad.end_ms = f64::INFINITY;
    assert!(bad.validate().is_err());
    // Finite but no page's clock: refused (a window's length must stay a measurement).
    let mut bad = s.clone();
    bad.end_ms = 1.7e308;
    assert!(bad.validate().unwrap_err().to_string().contains("1e12"));
    let mut ok = s.clone();
    ok.end_ms = MAX_PAGE_MS;
    ok.validate().unwrap();
    // Tokens go in an HTTP header: visible ASCII only, at most MAX_TOKEN_LEN.
    for token in [
        "",
        "tok en",
        "tok\u{e9}",
        "tok\n",
        &"t".repeat(MAX_TOKEN_LEN + 1),
    ] {
        let mut bad = s.clone();
        bad.session = token.to_owned();
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("session token"),
            "{token:?} accepted"
        );
    }
    let mut ok = s.clone();
    ok.session = "eyJhbGciOi.J9-_~+/=".to_owned() + &"t".repeat(MAX_TOKEN_LEN - 19);
    assert_eq!(ok.session.len(), MAX_TOKEN_LEN);
    ok.validate().unwrap();
    let mut bad = s.clone();
    bad.fixed.push(FixedSample {
        field: "name with spaces".into(),
        edited: false,
        timings: vec![1.0],
    });
    assert!(bad.validate().is_err());
    // Finite but beyond any measurement: refused, so that no profile's statistics overflow.
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().holds[0].hold.q75 = 1e31;
    assert!(bad.validate().unwrap_err().to_string().contains("1e30"));
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().speed_kpm = 1e300;
    assert!(bad.validate().unwrap_err().to_string().contains("1e30"));
    // One statistic per key class: a copy would be learned twice.
    let mut bad = s.clone();
    let hold = bad.keys.as_ref().unwrap().holds[0].clone();
    bad.keys.as_mut().unwrap().holds.push(hold);
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .contains("per key class"));
    let mut bad = s;
    bad.keys.as_mut().unwrap().pairs = Vec::new();
    let pairs = &mut bad.keys.as_mut().unwrap().pairs;
    for _ in 0..2 {
        pairs.push(telltale_core::features::keys::PairTiming {
            from: KeyClass::Digit,
            to: KeyClass::Digit,
            dd: None,
            ud: None,
        });
    }
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .contains("class pairs"));
}

/// A browser can lie: a page that sends its automation signals cannot lower their verdict by
/// rewriting the score beside them, and a signal sent twice is refused.
#[test]
fn a_rewritten_automation_score_does_not_lower_its_signals_verdict() {
    use telltale_core::automation::{Signal, SignalKind};
    let mut s = few_keys();
    let signal = |kind| Signal {
        kind,
        strength: 1.0,
    };
    s.automation.signals = vec![
        signal(SignalKind::Webdriver),
        signal(SignalKind::UntrustedEvents),
    ];
    s.automation.score = 0.0;
    s.validate().unwrap();
    // 1 - 0.6² = 0.64: over the verdict of 0.5, whatever the page said.
    let score = Profile::default().score(&s);
    assert_eq!(score.automation, 0.64);
    assert_eq!(score.band, Band::StepUp);
    assert!(score.reasons.iter().any(|r| r.contains("webdriver")));
    // A higher score than the signals give is kept: it only counts against the page.
    s.automation.score = 0.9;
    assert_eq!(Profile::default().score(&s).automation, 0.9);
    s.automation.signals.push(signal(SignalKind::Webdriver));
    assert_eq!(
        s.validate().unwrap_err().to_string(),
        "invalid summary: automation.signals[2].kind: automation signal webdriver appears twice"
    );
}

#[test]
fn a_profile_keeps_a_bounded_number_of_fixed_fields() {
    let mut p = Profile::default();
    for k in 0..30 {
        p.learn(&summary_with(entry("employee-id", 90.0, 180.0, k)))
            .unwrap();
    }
    // Field names that come once each (a stolen token used to grow the profile) take turns in
    // the free places; the field learned from most entries stays.
    for i in 0..100 {
        p.learn(&summary_with(entry(&format!("junk-{i}"), 90.0, 180.0, i)))
            .unwrap();
    }
    let fields = p.enrollment();
    assert_eq!(fields.len(), telltale_core::profile::MAX_FIXED_FIELDS);
    assert!(fields
        .iter()
        .any(|e| e.modality == "fixed:employee-id" && e.samples == 30));
    // Made-up names learned more often than the login field, enrolled ones too, never push it
    // out: with every place enrolled, a new name is not learned.
    let mut p = Profile::default();
    for k in 0..30 {
        p.learn(&summary_with(entry("employee-id", 90.0, 180.0, k)))
            .unwrap();
    }
    for round in 0..40 {
        for i in 0..15 {
            p.learn(&summary_with(entry(
                &format!("junk-{i}"),
                90.0,
                180.0,
                round,
            )))
            .unwrap();
        }
    }
    p.learn(&summary_with(entry("late", 90.0, 180.0, 0)))
        .unwrap();
    let fields = p.enrollment();
    assert_eq!(fields.len(), telltale_core::profile::MAX_FIXED_FIELDS);
    assert!(fields.iter().all(|e| e.samples >= 30), "{fields:?}");
    assert!(fields.iter().any(|e| e.modality == "fixed:employee-id"));
    assert!(fields.iter().all(|e| e.modality != "fixed:late"));
}

/// A person with a steady rhythm: holds near `hold`, gaps near `gap`, with natural spread.
fn entry(field: &str, hold: f64, gap: f64, k: u32) -> FixedSample {
    let mut presses = Vec::new();
    let mut t = 0.0;
    for i in 0..8u32 {
        // deterministic pseudo-random jitter, ±15%
        let j = |s: u32| 1.0 + 0.15 * (((k * 31 + i * 17 + s) % 21) as f64 / 10.0 - 1.0);
        presses.push((t, t + hold * j(3)));
        t += gap * j(7);
    }
    FixedSample {
        field: field.into(),
        edited: false,
        timings: telltale_core::features::timing_vector(&presses),
    }
}

fn summary_with(fixed: FixedSample) -> Summary {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    w.push_fixed(fixed);
    w.flush(1.0).unwrap()
}

#[test]
fn profile_enrolls_then_tells_users_apart() {
    let mut p = Profile::default();
    let first = p.score(&summary_with(entry("employee-id", 90.0, 180.0, 0)));
    assert_eq!(first.band, Band::Enrolling);
    for k in 0..40 {
        p.learn(&summary_with(entry("employee-id", 90.0, 180.0, k)))
            .unwrap();
    }
    let e = p.enrollment();
    assert_eq!(e[0].samples, 40);
    let genuine = p.score(&summary_with(entry("employee-id", 90.0, 180.0, 99)));
    assert_eq!(genuine.band, Band::Allow, "{genuine:?}");
    let impostor = p.score(&summary_with(entry("employee-id", 140.0, 260.0, 99)));
    assert_eq!(impostor.band, Band::StepUp, "{impostor:?}");
    assert!(impostor.similarity < 1.0);
    assert!(
        impostor.reasons[0].contains("longer than usual"),
        "{impostor:?}"
    );

    // The profile survives a round trip through JSON (server storage, browser loading).
    let json = serde_json::to_string(&p).unwrap();
    let back: Profile = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back.score(&summary_with(entry("employee-id", 140.0, 260.0, 99))),
        impostor
    );
}

/// `ProfileParams::check` accepts only what can finish enrolling: a fixed-text field gets its
/// calibration scores after the detector's warm-up, so `enroll_fixed` below warm-up + 5 would
/// stay `enrolling` past its count. At the smallest accepted values, the field is scored right
/// after its last enrollment entry.
#[test]
fn the_smallest_accepted_enrollment_is_scored() {
    use telltale_core::ProfileParams;
    let params = |enroll: u32, warmup: u32| {
        let mut p = ProfileParams {
            enroll_fixed: enroll,
            enroll_windows: enroll,
            ..ProfileParams::default()
        };
        p.fixed.warmup = warmup;
        p
    };
    let e = params(10, 10).check().unwrap_err().to_string();
    assert!(e.contains("enroll_fixed"), "{e}");
    let mut too_few_windows = params(15, 10);
    too_few_windows.enroll_windows = 10;
    too_few_windows.window.min_windows = 6;
    let e = too_few_windows.check().unwrap_err().to_string();
    assert!(e.contains("enroll_windows"), "{e}");
    let mut p = Profile::new(params(10, 5).check().unwrap());
    for k in 0..10 {
        let s = summary_with(entry("employee-id", 90.0, 180.0, k));
        assert_eq!(p.score(&s).band, Band::Enrolling, "entry {k}");
        p.learn(&s).unwrap();
    }
    let s = p.score(&summary_with(entry("employee-id", 90.0, 180.0, 10)));
    assert_ne!(s.band, Band::Enrolling, "{s:?}");
}

/// A page's summaries tile its time: the gap after a window closed early (a fixed-text field
/// left with Tab into a password field) would otherwise time what was typed before the next
/// captured event.
#[test]
fn summaries_start_where_the_previous_one_ended() {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    let typed = |w: &mut Windower, t0: f64, first: u32| {
        for i in 0..12u32 {
            let t = t0 + i as f64 * 180.0;
            w.push(key(t, true, first + i));
            w.push(key(t + 90.0, false, first + i));
        }
    };
    typed(&mut w, 1000.0, 0);
    let a = w
        .flush(3200.0)
        .expect("twelve keys: a summary of their counts");
    assert_eq!(
        a.start_ms, 1000.0,
        "the first summary starts at its first event"
    );
    // A password typed between 3.2 s and 7.9 s: nothing captured.
    typed(&mut w, 7900.0, 12);
    let b = w
        .flush(10100.0)
        .expect("twelve keys: a summary of their counts");
    assert_eq!(b.start_ms, a.end_ms, "no gap between summaries");
    assert_eq!(b.end_ms, 10100.0);
    b.validate().unwrap();
    // An empty window sends nothing and moves no start.
    assert!(w.flush(20000.0).is_none());
    typed(&mut w, 30000.0, 24);
    assert_eq!(w.flush(33000.0).unwrap().start_ms, b.end_ms);
}

/// An event dated before the previous summary's end (a script's event with a made-up time, or a
/// person's queued behind the window timer) opens the next window at that end: the summaries
/// still tile, and the window is not closed at once by the next event.
#[test]
fn an_event_dated_before_the_last_end_opens_the_window_at_that_end() {
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    let typed = |w: &mut Windower, t0: f64, first: u32| {
        let mut closed = 0;
        for i in 0..12u32 {
            let t = t0 + i as f64 * 180.0;
            closed += usize::from(w.push(key(t, true, first + i)).is_some());
            closed += usize::from(w.push(key(t + 90.0, false, first + i)).is_some());
        }
        closed
    };
    typed(&mut w, 100_000.0, 0);
    let a = w
        .flush(103_000.0)
        .expect("twelve keys: a summary of their counts");
    // Dated an hour back, then typing goes on at once.
    let mut past = key(1000.0, true, 99);
    if let InputEvent::Key(k) = &mut past {
        k.trusted = false;
    }
    assert!(w.push(past).is_none());
    assert_eq!(
        typed(&mut w, 103_500.0, 12),
        0,
        "no window closed by the next keys"
    );
    let b = w
        .flush(106_000.0)
        .expect("twelve keys: a summary of their counts");
    assert_eq!(b.start_ms, a.end_ms, "the summaries tile");
    assert_eq!(b.counts.untrusted, 1);
}

/// A window begun within a window length of the previous summary's end closes on time a window
/// length after that end, not after its first event: its end tells nothing of how long the
/// pause before its first event (a password typed elsewhere) lasted.
#[test]
fn a_window_closed_on_time_ends_a_window_after_the_last_end_not_after_its_first_event() {
    for pause in [1000.0, 9000.0] {
        let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
        for i in 0..12u32 {
            let t = 1000.0 + i as f64 * 180.0;
            w.push(key(t, true, i));
            w.push(key(t + 90.0, false, i));
        }
        let a = w
            .flush(3200.0)
            .expect("twelve keys: a summary of their counts");
        // The password: `pause` ms with nothing captured; then typing for a while.
        for i in 0..12u32 {
            let t = 3200.0 + pause + i as f64 * 180.0;
            w.push(key(t, true, 12 + i));
            w.push(key(t + 90.0, false, 12 + i));
        }
        // The window timer, a window length after the first summary's end: the window closes
        // however long the pause was (it started on the grid, at `a.end_ms`).
        let b = w
            .tick(a.end_ms + WindowConfig::default().window_ms)
            .expect("closed on time");
        assert_eq!(b.start_ms, a.end_ms);
        assert_eq!(
            b.end_ms,
            a.end_ms + WindowConfig::default().window_ms,
            "pause {pause}"
        );
    }
}

/// After a pause of a window length or more, a window starts at the timer's last tick (when it
/// came within a tick's period) and the timer closes it on the tick a window length later, even
/// when that tick fires a few ms sooner after it than the one it started at: someone who sits
/// down at an idle page is summarised 30 s after the tick before their first key at the latest.
/// With no recent tick (a throttled timer), the window starts at its first event.
#[test]
fn a_window_after_a_pause_starts_at_the_last_tick_and_ends_on_the_tick_a_window_later() {
    let config = WindowConfig::default();
    let period = config.tick_ms();
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    // The timer ran from load, late by 5 ms at the tick before the first key.
    let before = 10.0 * period + 5.0;
    assert!(w.tick(before).is_none(), "nothing open");
    let first = before + 3000.0;
    for i in 0..50u32 {
        let t = first + f64::from(i) * 200.0;
        w.push(key(t, true, i));
        w.push(key(t + 80.0, false, i));
    }
    // Three ticks close nothing; the fourth, late by only 1 ms, closes the window.
    for k in 1..4 {
        assert!(
            w.tick(10.0 * period + f64::from(k) * period + 1.0)
                .is_none(),
            "tick {k}"
        );
    }
    let end = before - 5.0 + config.window_ms + 1.0;
    let s = w.tick(end).expect("closed on the fourth tick");
    assert_eq!((s.start_ms, s.end_ms), (before, end));
    assert!(
        s.end_ms - first <= config.window_ms,
        "within 30 s of the first key"
    );
    assert_eq!(s.keys.as_ref().map(|k| k.keys), Some(50));

    // A timer throttled to once a minute (a hidden tab): the window starts at its first event.
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    assert!(w.tick(0.0).is_none());
    w.push(key(20_000.0, true, 1));
    w.push(key(20_080.0, false, 1));
    assert_eq!(w.flush(21_000.0).unwrap().start_ms, 20_000.0);
}

/// Presses too few for a free-text window carry over into the next window closed on time, and
/// are dropped by a flush (page hidden, stop) or a pause of a window length: no window mixes
/// typing from either side of such a break.
#[test]
fn sparse_typing_carries_over_on_time_and_not_across_a_flush_or_a_pause() {
    let config = WindowConfig::default();
    let min = telltale_core::features::keys::MIN_WINDOW_KEYS as u32;
    let typed = |w: &mut Windower, t0: f64, first: u32, n: u32| {
        for i in 0..n {
            let t = t0 + f64::from(i) * 200.0;
            w.push(key(t, true, first + i));
            w.push(key(t + 80.0, false, first + i));
        }
    };
    let keys = |s: Option<Summary>| s.and_then(|s| s.keys).map(|k| k.keys);
    // On time: half the presses, the window closed by the timer, the other half.
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    typed(&mut w, 0.0, 0, min / 2);
    assert_eq!(keys(w.tick(config.window_ms)), None, "too few: kept");
    typed(&mut w, config.window_ms + 1000.0, 100, min - min / 2);
    assert_eq!(
        keys(w.tick(2.0 * config.window_ms)),
        Some(min),
        "kept ones count"
    );
    // A flush between: the first half is dropped.
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    typed(&mut w, 0.0, 0, min / 2);
    assert_eq!(keys(w.flush(10_000.0)), None);
    typed(&mut w, 11_000.0, 100, min - min / 2);
    assert_eq!(keys(w.flush(30_000.0)), None, "dropped at the flush");
    typed(&mut w, 31_000.0, 200, min);
    assert_eq!(keys(w.flush(60_000.0)), Some(min), "a window of its own");
    // A pause of a window length after a window closed on time: dropped.
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    typed(&mut w, 0.0, 0, min / 2);
    assert_eq!(keys(w.tick(config.window_ms)), None);
    typed(&mut w, 3.0 * config.window_ms, 100, min - min / 2);
    assert_eq!(
        keys(w.flush(4.0 * config.window_ms)),
        None,
        "dropped after the pause"
    );
}

/// A free-text summary of 60 presses, holds and gaps varying with `seed`.
fn typed(seed: u32) -> Summary {
    let config = WindowConfig {
        window_ms: 600_000.0,
        max_key_events: 10_000,
    };
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    let mut t = 0.0;
    for press in 0..60u32 {
        let wobble = f64::from((seed * 31 + press * 17) % 23);
        w.push(key(t, true, press));
        w.push(key(t + 80.0 + wobble, false, press));
        t += 190.0 + 3.0 * wobble;
    }
    w.flush(t + 1_000.0).expect("a window")
}

#[test]
fn a_window_modality_learns_its_scale_leave_one_out_at_enrollment() {
    let mut p = Profile::default();
    let needed = u64::from(p.params.enroll_windows);
    let windows: Vec<Summary> = (0..needed as u32 + 1).map(typed).collect();
    for s in &windows[..needed as usize - 1] {
        p.learn(s).unwrap();
    }
    let keys = p.keys.as_ref().unwrap();
    assert_eq!(
        keys.enrolling.len() as u64,
        needed - 1,
        "kept until enrolled"
    );
    assert!(p.scorer().keys.is_none());
    // The kept windows are part of the stored profile.
    let text = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Profile>(&text).unwrap(), p);

    p.learn(&windows[needed as usize - 1]).unwrap();
    let keys = p.keys.as_ref().unwrap();
    assert!(keys.enrolling.is_empty(), "dropped once enrolled");
    let features: Vec<_> = windows[..needed as usize]
        .iter()
        .map(|s| s.keys.as_ref().unwrap().features())
        .collect();
    let expected = telltale_core::profile::leave_one_out(keys.model.params, &features, |_, _| true);
    assert_eq!(keys.calibration.log_scores.n, needed);
    assert!((keys.calibration.log_scores.mean - expected.log_scores.mean).abs() < 1e-12);
    assert!((keys.calibration.log_scores.m2 - expected.log_scores.m2).abs() < 1e-9);
    assert!(p.scorer().keys.is_some());

    // Afterwards each window is scored before it is learned, and nothing is kept.
    p.learn(&windows[needed as usize]).unwrap();
    let keys = p.keys.as_ref().unwrap();
    assert!(keys.enrolling.is_empty());
    assert_eq!(keys.calibration.log_scores.n, needed + 1);
}

/// A pointer window's counts are what a window can hold: at most `MAX_ACTIONS` actions and
/// presses, no feature over more actions than the window has. Scoring weighs a pointer
/// statistic by its count, so a forged count in one learned window would dull every later
/// deviation of the profile.
#[test]
fn pointer_counts_beyond_what_a_window_holds_are_refused() {
    use telltale_core::features::pointer::MAX_ACTIONS;
    let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
    let mut t = 0.0;
    for a in 0..8u32 {
        for i in 0..10u32 {
            let x = f64::from(a * 40 + i * 4) + f64::from(i * i) * 0.3;
            let (phase, buttons) = (PointerPhase::Move, 0);
            w.push(InputEvent::Pointer(PointerEvent {
                t,
                phase,
                kind: PointerKind::Mouse,
                x,
                y: f64::from(i) * 2.0,
                buttons,
                movement: None,
                trusted: true,
            }));
            t += 16.0;
        }
        for (phase, buttons, dt) in [(PointerPhase::Down, 1, 90.0), (PointerPhase::Up, 0, 700.0)] {
            w.push(InputEvent::Pointer(PointerEvent {
                t,
                phase,
                kind: PointerKind::Mouse,
                x: f64::from(a * 40 + 40),
                y: 20.0,
                buttons,
                movement: None,
                trusted: true,
            }));
            t += dt;
        }
    }
    let s = w.flush(t).expect("a summary");
    s.validate().unwrap();
    let p = &s.pointer[0];
    assert!(p.press_hold_ms.is_some(), "{p:?}");
    let most = MAX_ACTIONS as u32;
    let why = |bad: &Summary| bad.validate().unwrap_err().to_string();
    let mut bad = s.clone();
    let p = &mut bad.pointer[0];
    p.actions = most + 1;
    p.point_clicks += most + 1 - (p.mouse_moves + p.point_clicks + p.drag_drops);
    assert!(why(&bad).contains("action counts"));
    let mut bad = s.clone();
    bad.pointer[0].features[0].dist.n = bad.pointer[0].actions + 1;
    assert!(
        why(&bad).contains("more events than actions"),
        "{}",
        why(&bad)
    );
    let mut bad = s.clone();
    bad.pointer[0].press_hold_ms.as_mut().unwrap().n = most + 1;
    assert!(why(&bad).contains("presses"));
    // Counts that wrap a u32 sum are refused too.
    let mut bad = s.clone();
    let p = &mut bad.pointer[0];
    (p.mouse_moves, p.point_clicks) = (u32::MAX, p.actions - p.drag_drops + 1);
    assert!(bad.validate().is_err());
    // Values no movement has: a straightness over 1, a negative duration or hold.
    let field = |bad: &Summary| bad.check().unwrap_err().field;
    let feature = |name: &str| s.pointer[0].features.iter().position(|f| f.name == name);
    let (straight, duration) = (
        feature("straightness").unwrap(),
        feature("duration_ms").unwrap(),
    );
    let mut bad = s.clone();
    let d = &mut bad.pointer[0].features[straight].dist;
    (d.mean, d.q25, d.q50, d.q75) = (5.0, 5.0, 5.0, 5.0);
    assert_eq!(field(&bad), format!("pointer[0].features[{straight}].dist"));
    let mut bad = s.clone();
    let d = &mut bad.pointer[0].features[duration].dist;
    (d.mean, d.q25) = (-1.0, -2.0);
    assert_eq!(field(&bad), format!("pointer[0].features[{duration}].dist"));
    let mut bad = s.clone();
    bad.pointer[0].press_hold_ms.as_mut().unwrap().q25 = -1.0;
    assert_eq!(field(&bad), "pointer[0].press_hold_ms");
}

/// What no collector could have measured is refused, naming the field: the server would
/// otherwise learn it into the worker's profile (a probe's enrollment of windows with pauses of
/// -1e6 ms scored every later genuine window at similarity 0). What the collector does make
/// always passes (`properties.rs`, `every_summary_the_windower_makes_passes_the_checks`).
#[test]
fn impossible_key_statistics_are_refused_by_field() {
    let s = few_keys();
    s.check().unwrap();
    let field = |bad: &Summary| bad.check().unwrap_err().field;
    let mut bad = s.clone();
    let h = &mut bad.keys.as_mut().unwrap().holds[0].hold;
    (h.mean, h.q25, h.q50, h.q75) = (-500.0, -600.0, -500.0, -400.0);
    assert_eq!(field(&bad), "keys.holds[0].hold");
    // A down-down time of a pause or more is a pause.
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().pairs[0].dd.as_mut().unwrap().q75 = 2500.0;
    assert_eq!(field(&bad), "keys.pairs[0].dd");
    let mut bad = s.clone();
    let k = bad.keys.as_mut().unwrap();
    (k.pauses, k.pause_median_ms) = (5, Some(-1e6));
    assert_eq!(field(&bad), "keys.pause_median_ms");
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().keys = u32::MAX;
    assert_eq!(field(&bad), "keys.keys");
    // n presses give at most n holds and those of the 16 keys still down before them.
    let n = telltale_core::features::keys::MIN_WINDOW_KEYS as u32;
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().holds[0].hold.n = n + 16;
    bad.check().unwrap();
    bad.keys.as_mut().unwrap().holds[0].hold.n = n + 17;
    assert_eq!(field(&bad), "keys");
    let mut bad = s.clone();
    bad.keys.as_mut().unwrap().burst_mean_keys = f64::from(n) + 1.0;
    assert_eq!(field(&bad), "keys.burst_mean_keys");
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("invalid summary: keys.burst_mean_keys: "));
}

#[test]
fn a_windows_reasons_lead_with_what_moved_its_score() {
    use telltale_core::features::FeatureId;
    use telltale_core::map::SortedMap;
    use telltale_core::scorer::{FeatureNorm, Norm, WindowScorer};
    use telltale_core::Feature;

    let (share, hold) = (
        FeatureId::pointer_click_share(PointerKind::Mouse),
        FeatureId::pointer_press(PointerKind::Mouse, 0, 0),
    );
    let mut features = SortedMap::new();
    let norm = |mean| FeatureNorm {
        mean,
        sd: 0.1,
        dof: 20.0,
        events: 0.0,
    };
    features.insert(share, (norm(0.5), "the click share".to_string()));
    features.insert(hold, (norm(libm::log(100.0)), "button holds".to_string()));
    let scorer = WindowScorer {
        calibration: Norm { mean: 0.0, sd: 1.0 },
        features,
    };
    // The click share 5 spreads off, but it weighs 0.1; the hold 3 spreads off at weight 3.
    let window = [
        Feature::linear(share, 1.0),
        Feature::log(hold, 100.0 * libm::exp(0.3)),
    ];
    let d = scorer.deviations(&window);
    assert_eq!(d[0].id, share, "deviations stay in |z| order");
    let v = scorer.verdict(&window).unwrap();
    assert!(v.reasons[0].starts_with("button holds"), "{:?}", v.reasons);
    assert!(
        v.reasons[1].starts_with("the click share"),
        "{:?}",
        v.reasons
    );
}

/// A keyup dated before its keydown (a page's clock, a script's event) gives no timing: no hold,
/// and no up-down time, which would be longer than its down-down and over a pause (2 s) here:
/// the server would refuse the summary (`Summary::check`).
#[test]
fn a_keyup_dated_before_its_keydown_gives_no_timing() {
    // One window for all 45 presses, 1.9 s apart (85.5 s).
    let config = WindowConfig {
        window_ms: 120_000.0,
        ..WindowConfig::default()
    };
    let mut w = Windower::new(config, "tok", "0123456789abcdef");
    let mut t = 1000.0;
    for press in 0..45u32 {
        w.push(key(t, true, press));
        w.push(key(t - 300.0, false, press));
        t += 1900.0;
    }
    let s = w.flush(t).expect("a window");
    s.check().unwrap();
    let k = s.keys.expect("a key window");
    assert!(k.holds.is_empty(), "{k:?}");
    assert!(
        k.pairs.iter().all(|p| p.ud.is_none() && p.dd.is_some()),
        "{k:?}"
    );
}
