//! The windowing engine: a stream of [`InputEvent`]s in, [`Summary`]s out. The collector feeds it
//! from the DOM; tests and benchmarks feed it directly. It reads no clock: a window closes when an
//! event (or a [`Windower::flush`]) brings a time past its end.

use crate::prelude::*;

use crate::automation::AutomationTracker;
use crate::error::Error;
use crate::event::InputEvent;
use crate::features::{FixedSample, KeyWindowBuilder, PointerWindowBuilder};
use crate::summary::{Counts, Summary, SCHEMA_VERSION};

/// How often per window length the collector's timer calls [`Windower::tick`]: four times, so a
/// window that no event closes (the user stopped) ends on a tick: the one four periods after its
/// start when it started at a tick ([`Windower::window_start`]), else within a period after its
/// length (or [`TICK_SLACK_MS`] before it).
const TICKS_PER_WINDOW: f64 = 4.0;

/// How much sooner than its length a tick may close a window, ms (at most half a period): a
/// timer's callback runs late by whatever task holds the page's thread (tens to hundreds of ms
/// on a busy page), so the tick four periods after the one a window started at may come that
/// much sooner after it, and would otherwise leave the window open a whole period more. A
/// window started between ticks ends at most this much short of its length.
const TICK_SLACK_MS: f64 = 1000.0;

/// The most key events a window may be configured to close at (`maxKeyEvents`): fifty times the
/// default, 5,000 presses, about half an hour of steady typing at three presses a second; a
/// server refuses a key window of more presses (`Summary::check`).
pub const MAX_KEY_EVENTS: u32 = 10_000;

/// Window settings, checked once by [`WindowConfig::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowConfig {
    /// Longest window in ms. 15 s (docs/design.md): a few dozen pointer actions or a sentence of
    /// typing, and four windows a minute, so that a session's decision has three of an
    /// impostor's own windows (the first is shared with the worker's input) before 60 s. With
    /// 30 s windows it had one, and a takeover of pointing alone was flagged in a median 85.5 s
    /// on SapiMouse's development half; with 15 s windows (and the decision's drift raised from
    /// 2.7 to 3.2 to keep under one false flag per 8 h), 45 s, typing 56.6 s (was 59.25 s),
    /// both at once 29.25 s (was 54.75 s) (`telltale-eval session --users dev`, docs/figures.md).
    pub window_ms: f64,
    /// Key events that close a window early. 200 (docs/design.md): about 100 presses, enough for
    /// per-class statistics over five events in the common classes.
    pub max_key_events: u32,
}

impl Default for WindowConfig {
    fn default() -> Self {
        WindowConfig {
            window_ms: 15_000.0,
            max_key_events: 200,
        }
    }
}

impl WindowConfig {
    /// The period of the collector's timer, ms: it calls [`Windower::tick`] four times per
    /// window length.
    pub fn tick_ms(&self) -> f64 {
        self.window_ms / TICKS_PER_WINDOW
    }

    /// Checks the settings: windows from 1 s to 10 min, 10 to [`MAX_KEY_EVENTS`] key events.
    pub fn check(self) -> Result<Self, Error> {
        if !(1_000.0..=600_000.0).contains(&self.window_ms) {
            return Err(Error::OutOfRange {
                what: "windowMs",
                value: self.window_ms,
                allowed: "1000 to 600000 ms",
            });
        }
        if !(10..=MAX_KEY_EVENTS).contains(&self.max_key_events) {
            return Err(Error::OutOfRange {
                what: "maxKeyEvents",
                value: self.max_key_events as f64,
                allowed: "10 to 10000",
            });
        }
        Ok(self)
    }
}

/// Turns events into summaries, window by window.
#[derive(Debug, Clone)]
pub struct Windower {
    config: WindowConfig,
    session: String,
    page: String,
    seq: u64,
    start: Option<f64>,
    /// The end of the last summary: the next one starts there (see [`Windower::close`]).
    last_end: Option<f64>,
    last_t: f64,
    /// When the collector's timer last called [`Windower::tick`] (minus infinity before).
    last_tick: f64,
    key_events: u32,
    keys: KeyWindowBuilder,
    pointer: PointerWindowBuilder,
    automation: AutomationTracker,
    fixed: Vec<FixedSample>,
    /// Counts of what was not captured, for the current window.
    pub counts: Counts,
    /// Faults since the last summary.
    pub faults: u32,
    /// `navigator.webdriver`, set by the collector.
    pub webdriver: bool,
}

impl Windower {
    /// A windower for one collector instance (`page`, see [`Summary::page`]) of one session.
    pub fn new(config: WindowConfig, session: impl Into<String>, page: impl Into<String>) -> Self {
        Windower {
            config,
            session: session.into(),
            page: page.into(),
            seq: 0,
            start: None,
            last_end: None,
            last_t: 0.0,
            last_tick: f64::NEG_INFINITY,
            key_events: 0,
            keys: KeyWindowBuilder::new(),
            pointer: PointerWindowBuilder::new(),
            automation: AutomationTracker::new(),
            fixed: Vec::new(),
            counts: Counts::default(),
            faults: 0,
            webdriver: false,
        }
    }

    /// Sets the session token the summaries closed from now on carry (a collector given its
    /// token after construction).
    pub fn set_session(&mut self, session: &str) {
        session.clone_into(&mut self.session);
    }

    /// Next sequence number.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// Adds one event; returns the summary of a window it closed. Invalid events (NaN times) are
    /// counted as faults and otherwise ignored; untrusted events feed only automation evidence.
    pub fn push(&mut self, ev: InputEvent) -> Option<Summary> {
        if ev.validate().is_err() {
            self.faults += 1;
            return None;
        }
        let t = ev.time();
        let mut out = None;
        match self.start {
            Some(s) if t - s >= self.config.window_ms => {
                out = self.close(t);
                self.start = Some(self.window_start(t));
            }
            None => {
                // After a pause of a window length, typing starts afresh: presses kept from before
                // it (too few for a window) would mix two stretches, maybe two people's.
                if !self
                    .last_end
                    .is_some_and(|end| t - end < self.config.window_ms)
                {
                    self.keys.drop_kept();
                    self.automation.forget_previous();
                }
                self.start = Some(self.window_start(t));
            }
            _ => {}
        }
        self.last_t = self.last_t.max(t);
        self.counts.events += 1;
        self.automation.push(&ev);
        if !ev.trusted() {
            self.counts.untrusted += 1;
            return out;
        }
        match ev {
            InputEvent::Key(k) => {
                self.keys.push(&k);
                self.key_events += 1;
            }
            InputEvent::Pointer(p) => self.pointer.push(&p),
            InputEvent::Wheel(_) => self.counts.wheels += 1,
        }
        if self.key_events >= self.config.max_key_events {
            // At the latest event's time: a key let go late (held back by the collector) may
            // come after the window's other events.
            let closed = self.close(self.last_t);
            self.start = None;
            return out.or(closed);
        }
        out
    }

    /// Where a window whose first event comes at `t` starts, for closing it on time: at the last
    /// summary's end when `t` is within a window length of it, else at the timer's last tick when
    /// that came within a tick's period, else at `t`. A window that closed at its first event
    /// plus `window_ms` would tell that event's time by its end, and so the pause before it (a
    /// window closed as Tab left for a password field, the next one's first key after the
    /// password: how long the password took); started at the last end, its end tells nothing of
    /// that pause. A pause of a window length or more (15 s by default) with nothing captured is
    /// told as before: it bounds what may have been typed elsewhere by that much and more.
    ///
    /// After such a pause the window starts at the timer's last tick, so that it ends on a tick
    /// ([`Windower::tick`]) a window length later: its first event's time stays hidden within
    /// the period, and the window ends at most a window length after it, not up to a quarter
    /// window more (the first tick after it). Measured with 30 s windows on the Aalto
    /// development half (`telltale-eval session`): a takeover of typing was flagged in a median
    /// 59.25 s where, started at the first event, windows had it flagged in 62.7 s, at no cost
    /// in separation (51.4% of takeovers flagged at the second window, against 51.2%), though
    /// the first window loses an eighth of its length on average.
    /// (Anchoring every window on a grid from the last end, which could cut the first window
    /// after a pause to almost nothing, made the demo flag one impostor in ten fewer, twice.)
    /// An event dated before that end (a script's, with a made-up time; a person's, queued
    /// behind the window timer) starts the window at the end too: the summaries still tile, and
    /// the next event does not close a window begun in the past at once.
    fn window_start(&self, t: f64) -> f64 {
        match self.last_end {
            Some(end) if t - end < self.config.window_ms => end,
            _ if t - self.last_tick < self.config.tick_ms() => self.last_tick,
            _ => t,
        }
    }

    /// Ends the run of typing: no timing of the window's features or of the automation
    /// evidence spans the break ([`KeyWindowBuilder::break_run`]).
    pub fn break_key_run(&mut self) {
        self.keys.break_run();
        self.automation.break_key_run();
    }

    /// Adds a finished fixed-text entry to the current window.
    pub fn push_fixed(&mut self, sample: FixedSample) {
        if self.fixed.len() < crate::summary::MAX_FIXED {
            self.fixed.push(sample);
        }
    }

    /// Closes the current window at the timer's first tick from [`TICK_SLACK_MS`] short of its
    /// full length (the collector's timer calls this every [`WindowConfig::tick_ms`], so that a
    /// window closes even when the user stops typing): a window started at a tick
    /// ([`Windower::window_start`]) ends four ticks later even when that tick fires a little
    /// sooner after its start than the one it started at (timers fire late by varying amounts).
    /// Presses too few for a free-text window carry over into the next one.
    pub fn tick(&mut self, now: f64) -> Option<Summary> {
        self.last_tick = now;
        match self.start {
            Some(s)
                if now - s
                    >= self.config.window_ms - TICK_SLACK_MS.min(self.config.tick_ms() / 2.0) =>
            {
                let s = self.close(now.max(self.last_t));
                self.start = None;
                s
            }
            _ => None,
        }
    }

    /// Closes the current window at `now` (page hidden, stop, explicit flush, a fixed-text entry
    /// ended). Presses too few for a free-text window are dropped: what comes after a flush
    /// follows a time the collector may not have heard (a step-up's password, another person at
    /// an unlocked session), and no window should mix the two. The timer's last tick is
    /// forgotten too: a stopped collector's timer is gone, and a started one ticks afresh.
    pub fn flush(&mut self, now: f64) -> Option<Summary> {
        let s = self.close(now.max(self.last_t));
        self.keys.drop_kept();
        self.automation.forget_previous();
        self.last_tick = f64::NEG_INFINITY;
        self.start = None;
        s
    }

    /// Closes the current window at `now`: its summary, if anything happened in it. The summaries
    /// of one page tile its time: each starts where the one before ended (the first, at its
    /// first event), so the gaps between windows tell nothing. A window that closes early (a
    /// fixed-text field left with Tab, into a password field) would otherwise be followed by
    /// one starting at the first event after the password: the gap would time it.
    fn close(&mut self, now: f64) -> Option<Summary> {
        let first = self.start.unwrap_or(now);
        let start = self.last_end.map_or(first, |end| end.min(first));
        let keys = self.keys.finish(crate::features::keys::MIN_WINDOW_KEYS);
        let pointer = self.pointer.finish(now);
        let automation = self.automation.finish(&pointer, self.webdriver);
        let counts = core::mem::take(&mut self.counts);
        let fixed = core::mem::take(&mut self.fixed);
        self.key_events = 0;
        let empty = keys.is_none() && pointer.is_empty() && fixed.is_empty();
        if empty && counts == Counts::default() && self.faults == 0 {
            return None;
        }
        let seq = self.seq;
        self.seq += 1;
        self.last_end = Some(now.max(start));
        Some(Summary {
            schema: SCHEMA_VERSION,
            session: self.session.clone(),
            page: self.page.clone(),
            seq,
            start_ms: start,
            end_ms: now.max(start),
            fixed,
            keys,
            pointer,
            counts,
            automation,
            faults: core::mem::take(&mut self.faults),
            score: None,
        })
    }
}
