//! # telltale — the collector
//!
//! The WebAssembly module a portal page loads. It listens to keyboard and pointer events on
//! `document`, turns them into [`telltale_core`] features in the page, scores them against the
//! user's profile when it has one, and sends **only summaries**: no key, character, field
//! content or coordinate ever leaves the browser, and password fields are never captured.
//!
//! ```js
//! import init, { Collector } from './pkg/telltale.js';
//! await init();
//! const collector = new Collector({ endpoint: '/v1/summaries', sessionToken: token });
//! collector.start();
//! ```
//!
//! ## How it is built
//! - [`boundary`]: the one function per event kind that turns a DOM event into an
//!   `InputEvent`, dropping key identity (read and classed in `src/read.js`).
//! - [`collector`]: state, listeners and timers (RAII handles from [`dom`]; no
//!   `Closure::forget` anywhere), windows, scores, callbacks, sending.
//! - [`transport`]: the bounded queue, batches and beacon chunks, backoff.
//! - [`options`]: the options object, checked once at construction.
//!
//! It never throws into the host page: a fault (a callback that throws, a value that cannot be
//! serialised) is caught, counted in `stats().faults` and reported in the next summary.

#![deny(missing_docs)]
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

/// Without std (the shipped build) a panic traps at once: the WebAssembly call ends with a
/// `RuntimeError`, as it did with std and `panic = "abort"` (std only formatted a message first,
/// which nothing reads). A panic is a bug: the collector's own faults are counted, not panicked.
/// After one, the state stays borrowed and every later event returns without doing anything.
#[cfg(all(not(feature = "std"), target_arch = "wasm32"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// What every module uses from `alloc` (std's prelude has it; `no_std` builds do not).
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec;
    pub use alloc::vec::Vec;
}

pub mod boundary;
pub mod collector;
pub mod dom;
pub mod js;
pub mod options;
pub mod transport;

// The allocator: lol_alloc's free list (coalescing neighbours on free) instead of std's dlmalloc,
// measured 3.2 KB smaller gzipped in the shipped .wasm. The collector's allocations are few and
// small (summaries, batches; the per-event path reuses fixed buffers), so a linear free-list
// search costs nothing that shows; the bench's memory figure checks that nothing grows.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::LockedAllocator<lol_alloc::FreeListAllocator> =
    lol_alloc::LockedAllocator::new(lol_alloc::FreeListAllocator::new());

pub use telltale_core;

use alloc::rc::Rc;
use core::cell::RefCell;

use collector::Inner;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Options of `new Collector(options)`. Unknown options are an error. */
export interface CollectorOptions {
  /** Where batches of summaries are POSTed; omit to only use `onSummary`. */
  endpoint?: string;
  /** The session token the server issued after login. Without it, a collector with `endpoint`
   *  holds its summaries (up to `maxQueue`) until `setSessionToken` gives it one. */
  sessionToken?: string;
  /** Free-text / pointer window length in ms, 1000-600000 (default 15000). */
  windowMs?: number;
  /** Key events that close a window early, 10-10000 (default 200). */
  maxKeyEvents?: number;
  /** Summaries kept while they cannot be sent, 1-10000 (default 64); the oldest go first. */
  maxQueue?: number;
  /** Every summary, as a plain object (see the README for its fields). */
  onSummary?: (summary: Summary) => void;
  /** Every score, as soon as it exists (and fresh scores from the server's answers). */
  onScore?: (score: Score) => void;
}

/** A profile as the server hands it to the browser: its scorer, packed
 *  (`profile.scorer().pack()` in telltale-core): its strings and its numbers, each in the order
 *  of one walk through the scorer. */
export interface PackedProfile { names: string[]; nums: number[] }

/** Counters returned by `collector.stats()`. */
export interface CollectorStats {
  events: number; ignored: number; untrusted: number; summaries: number;
  sent: number; failed: number; queued: number; dropped: number; faults: number;
}

/** A score: similarity 0-100, band, automation 0-1, reasons, model version. */
export interface Score {
  /** 0-100: the share of the user's own samples that looked less like the user (100 while enrolling). */
  similarity: number;
  /** This one window's band (a worker's own windows are under similarity 1, `step_up`, about
   * once in a hundred): ask for a step-up on `session.step_up`, not on this. */
  band: 'enrolling' | 'allow' | 'review' | 'step_up';
  /** 0 (human) to 1 (automated). */
  automation: number;
  /** Up to three sentences naming the features that deviated most. */
  reasons: string[];
  model_version: string;
  /** Only on the server's scores: the session's decision as of the answer. `step_up`: ask the
   * worker to authenticate again (until the portal's backend reports a pass). */
  session?: { step_up: boolean };
}

/** Statistics of one bucket of timings or measurements (at least 5 values). */
export interface Dist { n: number; mean: number; sd: number; q25: number; q50: number; q75: number }

/** A coarse key class: the only key information a summary holds. */
export type KeyClass = 'letter_left' | 'letter_right' | 'space' | 'enter' | 'delete' | 'digit'
  | 'punctuation' | 'modifier' | 'other';

/** The free-text window. */
export interface KeyWindow {
  keys: number;
  speed_kpm: number;
  holds: { class: KeyClass; hold: Dist }[];
  pairs: { from: KeyClass; to: KeyClass; dd: Dist | null; ud: Dist | null }[];
  pauses: number;
  pause_median_ms: number | null;
  burst_mean_keys: number;
  correction_rate: number;
}

/** Names of the per-action pointer features. */
export type PointerFeature = 'duration_ms' | 'path_px' | 'straightness' | 'speed_mean' | 'speed_sd'
  | 'speed_max' | 'accel_mean' | 'accel_sd' | 'jerk_mean' | 'curvature_mean'
  | 'angular_speed_mean' | 'deviation_px' | 'critical_points' | 'peak_time_frac';

/** One pointer window per pointer kind. */
export interface PointerWindow {
  kind: 'mouse' | 'pen' | 'touch';
  actions: number;
  mouse_moves: number;
  point_clicks: number;
  drag_drops: number;
  features: { name: PointerFeature; dist: Dist }[];
  /** Actions per 45-degree direction bin (8); a bin under 5 reads 0. */
  directions: number[];
  robotic_actions: number;
  press_hold_ms: Dist | null;
  pre_press_ms: Dist | null;
  post_release_ms: Dist | null;
}

/** A fixed-text entry: the H, DD, UD timing vector of one entry of a `data-telltale-fixed` field. */
export interface FixedSample { field: string; edited: boolean; timings: number[] }

/** What was not captured, counted. */
export interface Counts {
  events: number; untrusted: number; ignored: number; composing: number; repeats: number;
  pastes: number; drops: number; autofills: number; wheels: number;
}

/** Automation evidence. */
export interface AutomationReport {
  score: number;
  signals: {
    kind: 'untrusted_events' | 'webdriver' | 'periodic_typing' | 'robotic_pointer'
      | 'frozen_movement' | 'clicks_without_approach' | 'flat_speed' | 'no_corrections'
      | 'straight_paths';
    strength: number;
  }[];
  /** Replay fingerprint: up to 8 hashes (u32) of runs of movements' and key presses' coarse
   *  timing bins, which the server compares with the windows it stored (README). */
  fingerprint: number[];
}

/** A summary: the only record that leaves the browser (every field is in the README). */
export interface Summary {
  /** Schema version: 2. */
  schema: number;
  /** The session token the server issued after login (empty in what `onSummary` gets before the
   *  collector has one: `setSessionToken`). */
  session: string;
  /** The collector instance that made it: 32 lowercase hex digits (128 random bits), drawn once
   *  per `Collector`. (session, page, seq) identifies a summary. */
  page: string;
  /** From 0 for each page id, contiguous; a re-sent summary keeps its number. */
  seq: number;
  start_ms: number; end_ms: number;
  fixed: FixedSample[];
  keys: KeyWindow | null;
  pointer: PointerWindow[];
  counts: Counts;
  automation: AutomationReport;
  faults: number;
  score: Score | null;
}
"#;

/// The collector. See the crate docs and the README for the full API.
///
/// Every method takes `&self`: wasm-bindgen lends the object to each call, and a method that
/// took `&mut self` would be refused ("recursive use of an object") when a host callback calls
/// it while another method is running, as `onSummary` calling `stop()` during `flush()` or
/// `stats()` during `stop()`. The listeners are part of the state, which no host callback
/// runs under.
#[wasm_bindgen]
pub struct Collector {
    state: Rc<RefCell<Inner>>,
}

#[wasm_bindgen]
impl Collector {
    /// Checks the options (an invalid option throws a `TypeError` naming it) and draws the
    /// page id with `crypto.getRandomValues` (where there is none, it throws an `Error` saying
    /// so: a page id must be unguessable, and nothing weaker stands in for it).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "CollectorOptions")] options: JsValue,
    ) -> Result<Collector, JsValue> {
        let opts = options::Options::from_js(&options)?;
        let page = collector::page_id().ok_or_else(|| {
            js_sys::Error::new(
                "telltale: crypto.getRandomValues is not available, and the page id must be random",
            )
        })?;
        Ok(Collector {
            state: Rc::new(RefCell::new(Inner::new(opts, page))),
        })
    }

    /// Starts listening. Idempotent.
    pub fn start(&self) {
        if !self.running() {
            let armed = collector::arm(&self.state);
            if let Ok(mut s) = self.state.try_borrow_mut() {
                s.arm_with(armed);
            }
        }
    }

    /// Whether the collector is listening.
    #[wasm_bindgen(getter)]
    pub fn running(&self) -> bool {
        self.state.try_borrow().is_ok_and(|s| s.armed.is_some())
    }

    /// Loads the user's profile for in-page scoring: the packed profile the server hands out
    /// (`{names, nums}`: the profile's scorer, `telltale_core::Scorer::pack`). Throws a
    /// `TypeError` if it is not one, or was made by another scoring model.
    #[wasm_bindgen(js_name = setProfile)]
    pub fn set_profile(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PackedProfile")] profile: JsValue,
    ) -> Result<(), JsValue> {
        let not_a_profile = |why: &str| {
            js_sys::TypeError::new(&telltale_core::text::cat(&[
                "telltale: not a profile: ",
                why,
            ]))
        };
        let (names, nums) = js::packed(&profile).map_err(not_a_profile)?;
        let p = telltale_core::Scorer::unpack(&names, &nums)
            .map_err(|e| not_a_profile(&e.message()))?;
        match self.state.try_borrow_mut() {
            Ok(mut s) => s.profile = Some(p),
            Err(_) => return Err(js_sys::Error::new("telltale: busy").into()),
        }
        Ok(())
    }

    /// Gives the collector its session token after construction (a collector started on a login
    /// page, before there is a session). The token is checked as the `sessionToken` option is
    /// (a `TypeError` otherwise); a collector has one session, so one that has a token already
    /// throws an `Error`. With an `endpoint`, the summaries held until now are stamped with the
    /// token (their `session`) and sent, and so is everything after; without one, the summaries
    /// from now on carry it.
    #[wasm_bindgen(js_name = setSessionToken)]
    pub fn set_session_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    ) -> Result<(), JsValue> {
        let token = token.as_string().unwrap_or_default();
        options::check_token(&token, "the session token")?;
        let set = match self.state.try_borrow_mut() {
            Ok(mut s) => s.set_session_token(token),
            Err(_) => return Err(js_sys::Error::new("telltale: busy").into()),
        };
        if !set {
            return Err(js_sys::Error::new(
                "telltale: the collector has a session token already (one collector per session)",
            )
            .into());
        }
        collector::pump(&self.state);
        Ok(())
    }

    /// Closes the open windows and sends now, also during a backoff wait after a failure.
    /// Resolves (never rejects) once no request is out: the summaries delivered or refused by
    /// the server, or kept in the queue for later (a failed attempt, offline, no endpoint), as
    /// `stats()` then tells.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn flush(&self) -> js_sys::Promise {
        collector::with_state(&Rc::downgrade(&self.state), |s| {
            s.end_wait();
            s.close_windows()
        });
        collector::Requests::settled()
    }

    /// Counters: events, ignored, untrusted, summaries, sent, failed, queued, dropped, faults.
    #[wasm_bindgen(unchecked_return_type = "CollectorStats")]
    pub fn stats(&self) -> JsValue {
        // Pointer samples still buffered in JavaScript count as received.
        collector::with_state(&Rc::downgrade(&self.state), Inner::take_pointer);
        let stats = match self.state.try_borrow() {
            Ok(s) => s.stats(),
            Err(_) => collector::Stats::default(),
        };
        js::to_js(&stats)
    }

    /// Benchmark hook, only in the bench's own build (`--features bench-hooks`, never shipped:
    /// it would let any script on the page feed made-up trusted input): feeds `n` synthetic
    /// trusted events (a typing and pointing pattern) through the same windows, scoring and queue
    /// as DOM events, to measure memory over millions of events without a million DOM dispatches.
    #[cfg(feature = "bench-hooks")]
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __benchFeed)]
    pub fn bench_feed(&self, n: u32, t0: f64) {
        collector::with_state(&Rc::downgrade(&self.state), |s| s.feed_synthetic(n, t0));
    }

    /// Benchmark hook (bench build only): the module's memory in bytes (the shipped build's
    /// export names are shortened, so the page cannot find `memory` itself).
    #[cfg(feature = "bench-hooks")]
    #[doc(hidden)]
    #[wasm_bindgen(js_name = __benchMemory)]
    pub fn bench_memory() -> f64 {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
            .into()
    }

    /// Removes every listener and timer, then flushes. Idempotent.
    pub fn stop(&self) {
        // Taken out, and dropped, before the windows close (which may call the host).
        let armed = self
            .state
            .try_borrow_mut()
            .ok()
            .and_then(|mut s| s.disarm());
        if armed.is_some() {
            drop(armed);
            collector::with_state(&Rc::downgrade(&self.state), Inner::close_windows);
        }
    }
}

impl Collector {
    /// Strong and weak references to the collector's state (Rust-only, for lifecycle tests):
    /// `(1, 0)` when nothing but the collector itself holds it.
    pub fn state_refs(&self) -> (usize, usize) {
        (Rc::strong_count(&self.state), Rc::weak_count(&self.state))
    }

    /// The loaded profile (Rust-only, for tests of `setProfile`).
    pub fn profile(&self) -> Option<telltale_core::Scorer> {
        self.state.try_borrow().ok()?.profile.clone()
    }
}
