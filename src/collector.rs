//! The collector's state and event handling. Every DOM listener and timer is an RAII handle
//! ([`crate::dom`]) held by [`Armed`]: dropping it removes them all. Closures hold a `Weak` to
//! the state, so nothing keeps it alive but the [`crate::Collector`] itself.

use alloc::rc::{Rc, Weak};
use core::cell::RefCell;

use js_sys::{Function, Reflect};
use telltale_core::event::PointerPhase;
use telltale_core::{FixedEntry, InputEvent, Json, Scorer, Summary, ToJson, Windower};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event};

use crate::boundary::{
    phase_of, Boundary, Captured, KeyReader, PointerReader, Uncaptured, INPUT, KEY_DOWN, KEY_UP,
};
use crate::dom::{Listener, Timer};
use crate::js::to_js;
use crate::options::Options;
use crate::prelude::*;
use crate::transport::{backoff_ms, Queue, BEACON_LIMIT, FETCH_LIMIT};

/// Counters for `stats()`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// DOM events received.
    pub events: u32,
    /// Not captured: password fields, `[data-telltale-ignore]`, IME, auto-repeat.
    pub ignored: u32,
    /// `isTrusted === false` (excluded from features).
    pub untrusted: u32,
    /// Summaries made.
    pub summaries: u32,
    /// Summaries the server acknowledged (or beacons the browser accepted).
    pub sent: u32,
    /// Failed send attempts.
    pub failed: u32,
    /// Summaries waiting.
    pub queued: u32,
    /// Summaries dropped because the queue was full.
    pub dropped: u32,
    /// Faults caught (never thrown into the page).
    pub faults: u32,
}

/// The one signature JavaScript calls Rust back with (`src/read.js` for pointer samples,
/// `src/send.js` for a request's outcome): one signature, so one wasm-bindgen shim.
type Callback = Closure<dyn FnMut(i32, u32, JsValue)>;

/// A host callback to call once the state is no longer borrowed.
pub type Call = (Function, JsValue);

/// Whether the key events held back in a text input (a person's only) hold a whole keystroke
/// typed there: a keyup whose keydown is held too (Tab's keyup lands in the field it moved to, its
/// keydown in the one before).
fn whole_keystroke(held: &[InputEvent]) -> bool {
    held.iter().any(|u| {
        matches!(u, InputEvent::Key(u) if !u.down && held.iter().any(
            |d| matches!(d, InputEvent::Key(d) if d.down && d.press == u.press)))
    })
}

/// Key events held back in a text input at most (`Inner::probation`): a page's first-key handler
/// has acted by the second key; 64 is a long rollover (n-key rollover never holds more than 16
/// keys down at once, `boundary::MAX_HELD`) with room to spare.
const PROBATION_KEYS: usize = 64;

/// The collector's state.
pub struct Inner {
    pub(crate) opts: Options,
    windower: Windower,
    boundary: Boundary,
    fixed: Option<(String, FixedEntry)>,
    pub(crate) profile: Option<Scorer>,
    queue: Queue,
    /// Summaries made with an endpoint but no session token yet, unserialised: they are stamped
    /// with the token and queued by `setSessionToken` ([`Inner::set_session_token`]).
    held: Vec<Summary>,
    stats: Stats,
    in_flight: bool,
    /// The last request's tag, and the queue ids each request still out carries.
    tag: u32,
    pending: Vec<(u32, Vec<u64>)>,
    /// The callback `src/send.js` reports each request's outcome to (made on the first send).
    sent: Option<Callback>,
    attempt: u32,
    retry: Option<Timer>,
    retry_due: bool,
    scratch: Vec<Captured>,
    /// The text input focus last arrived in, and the key events typed into it and held back
    /// until it has shown that its keys are still captured (see `settle_probation`).
    probation: Option<(Element, Vec<InputEvent>)>,
    /// The text input under probation turned out not to be captured: the key events taken
    /// from it before that was known (read by `src/read.js` into the buffer, drained in the
    /// same batch) are dropped, to the end of that batch (`through_boundary`).
    refused: bool,
    /// The listeners and timer while started (`Collector::start`).
    pub(crate) armed: Option<Armed>,
}

/// Every listener and timer of a started collector; dropping it removes them all.
///
/// It also holds the state: a started collector runs until `stop()` whether or not the page
/// keeps a reference to it, as a DOM listener runs whether or not the page keeps its function.
/// (The page's `Collector` object is a handle that the garbage collector frees once nothing
/// references it; a module's top-level `const collector` that no function uses is such an
/// object. Without this, the collector would stop at the next garbage collection.) The cycle
/// (state, armed, state) is broken by `stop()`, which takes this out of the state.
pub struct Armed {
    _listeners: Vec<Listener>,
    _pointer: PointerTap,
    _tick: Option<Timer>,
    _owner: Rc<RefCell<Inner>>,
}

/// The pointer and key listeners, which live in `src/read.js` (they buffer each event's samples
/// there and call Rust only when the buffer is to be drained or an event needs the boundary);
/// dropping this removes them.
struct PointerTap {
    reader: PointerReader,
    keys: KeyReader,
    _deliver: Callback,
}

impl Drop for PointerTap {
    fn drop(&mut self) {
        self.reader.detach();
        self.keys.detach_keys();
    }
}

/// The page's clock (`src/send.js` `Requests.now`: `performance.now`, as it was when the
/// collector loaded).
fn now() -> f64 {
    Requests::now()
}

impl ToJson for Stats {
    fn write(&self, out: &mut Json) {
        out.open('{');
        for (key, n) in [
            ("events", self.events),
            ("ignored", self.ignored),
            ("untrusted", self.untrusted),
            ("summaries", self.summaries),
            ("sent", self.sent),
            ("failed", self.failed),
            ("queued", self.queued),
            ("dropped", self.dropped),
            ("faults", self.faults),
        ] {
            out.key(key);
            out.num(f64::from(n));
        }
        out.close('}');
    }
}

/// `document.hidden`: the same as `visibilityState == "hidden"` since the "prerender" state left
/// the Page Visibility spec, read as a bool (the enum's conversion cost the package its
/// unreachable-value message).
fn hidden() -> bool {
    crate::dom::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

fn online() -> bool {
    crate::dom::window().is_none_or(|w| w.navigator().on_line())
}

#[wasm_bindgen]
extern "C" {
    /// The global `crypto` (Web Crypto); `None` where there is none.
    #[wasm_bindgen(thread_local_v2, js_name = crypto)]
    static CRYPTO: Option<web_sys::Crypto>;
}

/// A new page id (`telltale_core::Summary::page`): 128 bits from `crypto.getRandomValues`, as 32
/// lowercase hex digits. `None` where `crypto.getRandomValues` is missing or fails: there is no
/// fallback, since an id from a weaker source (`Math.random`) could be guessed or repeat, and
/// the server tells summaries apart by (session, page, seq).
pub fn page_id() -> Option<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; 16];
    CRYPTO.with(|c| c.as_ref()?.get_random_values_with_u8_array(&mut bytes).ok())?;
    let mut id = String::with_capacity(32);
    for b in bytes {
        id.push(char::from(HEX[usize::from(b >> 4)]));
        id.push(char::from(HEX[usize::from(b & 15)]));
    }
    Some(id)
}

impl Inner {
    /// Fresh state for checked options, for the collector instance `page` ([`page_id`]).
    pub fn new(opts: Options, page: String) -> Self {
        let mut windower = Windower::new(opts.window, opts.session_token.clone(), page);
        // `navigator.webdriver` (WebDriver spec): read as a property, web-sys gates it as unstable.
        windower.webdriver = crate::dom::window()
            .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("webdriver")).ok())
            .is_some_and(|v| v.is_truthy());
        let queue = Queue::new(opts.max_queue as usize);
        Inner {
            opts,
            windower,
            boundary: Boundary::new(),
            fixed: None,
            profile: None,
            queue,
            held: Vec::new(),
            stats: Stats::default(),
            in_flight: false,
            tag: 0,
            pending: Vec::new(),
            sent: None,
            attempt: 0,
            retry: None,
            retry_due: false,
            scratch: Vec::new(),
            probation: None,
            refused: false,
            armed: None,
        }
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        Stats {
            queued: (self.queue.len() + self.held.len()) as u32,
            dropped: self.queue.dropped,
            ..self.stats
        }
    }

    /// Records a fault: counted, and reported in the next summary.
    pub fn fault(&mut self) {
        self.stats.faults += 1;
        self.windower.faults += 1;
    }

    fn count(&mut self, what: Uncaptured) {
        let c = &mut self.windower.counts;
        match what {
            Uncaptured::Private => self.stats.ignored += 1,
            Uncaptured::Ignored => {
                c.ignored += 1;
                self.stats.ignored += 1;
            }
            Uncaptured::Composing => {
                c.composing += 1;
                self.stats.ignored += 1;
            }
            Uncaptured::Repeat => {
                c.repeats += 1;
                self.stats.ignored += 1;
            }
            Uncaptured::Paste => c.pastes += 1,
            Uncaptured::Drop => c.drops += 1,
            Uncaptured::Autofill => c.autofills += 1,
        }
    }

    fn captured(&mut self, c: Captured, out: &mut Vec<Summary>) {
        match c {
            Captured::Event(mut ev) => {
                if !ev.trusted() {
                    self.stats.untrusted += 1;
                    // A script sets an untrusted event's `timeStamp` as it likes: one far ahead
                    // would hold the windows open (none could close before it), so it is no
                    // later than now. A browser's own events are never later than now; input a
                    // debugger dispatches (DevTools protocol) keeps the time it was given, which
                    // `npm run demo` and the bots' tests use to replay recorded timing without
                    // sleeping.
                    ev.cap_time(now());
                }
                if self.refused && matches!(ev, InputEvent::Key(_)) {
                    return;
                }
                // A script's key events tell nothing of a person's typing (they feed the
                // automation evidence only) and are never held back.
                let held_back = match (&ev, &mut self.probation) {
                    (InputEvent::Key(k), Some((_, held))) if k.trusted => Some((k.down, held)),
                    _ => None,
                };
                if let Some((down, held)) = held_back {
                    // A key after a whole key (a press and a release) in the text input is
                    // the one that tells whether the page made it a password field: the keys
                    // before it are let go if it stays one whose keys are captured.
                    if !(down && whole_keystroke(held)) && held.len() < PROBATION_KEYS {
                        held.push(ev);
                        return;
                    }
                    if !self.settle_probation(out, false) {
                        return;
                    }
                }
                out.extend(self.windower.push(ev));
            }
            Captured::Fixed { field, ev } => {
                if self.fixed.as_ref().is_some_and(|(f, _)| *f != field) {
                    self.end_fixed(out);
                }
                if !ev.trusted {
                    // Scripted entry: automation evidence only, never a timing sample (as any
                    // other untrusted event).
                    let ev = Captured::Event(telltale_core::InputEvent::Key(ev));
                    return self.captured(ev, out);
                }
                self.fixed
                    .get_or_insert_with(|| (field, FixedEntry::new()))
                    .1
                    .push(&ev);
            }
            Captured::FixedEnd => self.end_fixed(out),
            Captured::Count(what) => self.count(what),
            // A person's key in a password field or an ignored region ends the run of typing,
            // as focus arriving in one does (`focusin`): also in a field that became one after
            // focus arrived (a page's own `focusin` handler, or the first keystroke, setting
            // `type`, `autocomplete` or the ignore mark), so that no pair spans what was typed
            // there. A script's key event (one dispatched on the document, which is no field)
            // breaks nothing.
            Captured::Refused(what) => {
                // The keys held back since focus arrived were typed into it too.
                self.probation = None;
                self.break_key_run();
                self.count(what);
            }
        }
    }

    /// Lets go of the key events held back in a text input since focus arrived (`probation`)
    /// if its keys are still captured, else drops them and ends the run of typing (the page
    /// made it a password field, or marked or masked it, in its handler of the first key: that
    /// key was taken before, as typed into a text field; or the field is gone from the page,
    /// where none of that can be read). Held keys with a keydown but no whole keystroke among
    /// them (focus left, or the windows closed, before the first key was released: a keyup
    /// handler has not run yet) are dropped too; with the windows closed (`leaving` false), the
    /// field stays under probation and its next keys are decided again. True when they were let
    /// go (or there were none).
    fn settle_probation(&mut self, out: &mut Vec<Summary>, leaving: bool) -> bool {
        let Some((el, held)) = self.probation.take() else {
            return true;
        };
        let pressed = held
            .iter()
            .any(|e| matches!(e, InputEvent::Key(k) if k.down));
        if pressed && !whole_keystroke(&held) {
            self.break_key_run();
            if !leaving {
                self.boundary.forget_targets();
                self.probation = Some((el, Vec::new()));
            }
            return false;
        }
        if !self.boundary.still_in_page(&el) || self.boundary.keys_privacy(&el).is_some() {
            // What the reader read from the field before this was known is dropped as well
            // (the rest of this batch: `through_boundary`), and its next keys decided again.
            self.refused = true;
            self.break_key_run();
            self.boundary.forget_targets();
            return false;
        }
        for ev in held {
            out.extend(self.windower.push(ev));
        }
        true
    }

    /// Ends the run of typing where focus moved: in the boundary (keys held) and the windows.
    fn break_key_run(&mut self) {
        self.boundary.forget_held();
        self.windower.break_key_run();
    }

    /// Ends the fixed-text entry under way (Enter, blur, submit) and closes the window at once,
    /// so that the entry is scored and sent without waiting for the window to end.
    fn end_fixed(&mut self, out: &mut Vec<Summary>) {
        if let Some((field, mut entry)) = self.fixed.take() {
            if let Some(sample) = entry.finish(&field) {
                self.windower.push_fixed(sample);
                out.extend(self.windower.flush(now()));
            }
        }
    }

    /// Handles one DOM event of type `ty` (known from the listener: reading `event.type` would
    /// cost a string conversion per event); returns the summaries it closed.
    pub fn on_event(&mut self, e: &Event, ty: &str) -> Vec<Summary> {
        let mut out = Vec::new();
        self.drain_pointer(&mut out);
        self.stats.events += 1;
        match ty {
            "keydown" | "keyup" => {
                if let Some(c) = self.boundary.key(e, ty == "keydown") {
                    self.captured(c, &mut out);
                }
            }
            "wheel" => {
                if let Some(c) = e
                    .dyn_ref::<web_sys::WheelEvent>()
                    .and_then(|w| self.boundary.wheel(w))
                {
                    self.captured(c, &mut out);
                }
            }
            "input" => {
                if let Some(c) = self.boundary.input(e) {
                    self.captured(c, &mut out);
                }
            }
            "submit" => self.end_fixed(&mut out),
            // Focus left for where this page cannot see: a frame, whose typing never reaches it,
            // or another window (no `relatedTarget`, and no `focusin` follows). The run of typing
            // ends, so that no timing of the captured typing spans what may be typed there (how
            // long a password took), and whether anything was typed there changes no summary.
            // Focus moving to another element of the page is decided by its `focusin`: from
            // field to field (Tab) the run goes on.
            "focusout" => {
                self.settle_probation(&mut out, true);
                self.end_fixed(&mut out);
                if js_sys::Reflect::get(e, &JsValue::from_str("relatedTarget"))
                    .map_or(true, |t| t.is_null())
                {
                    self.break_key_run();
                }
            }
            "focusin" => {
                self.boundary.forget_targets();
                self.settle_probation(&mut out, true);
                // Focus arrived where keys are not captured (a password field, an ignored
                // region, a button): the run of typing ends and the keys held are forgotten
                // (Tab's keyup lands here; see the `focusout` arm for why).
                if !self.boundary.captures_keys_at(e) {
                    self.break_key_run();
                } else if let Some(el) = self.boundary.text_input_at(e) {
                    self.probation = Some((el, Vec::new()));
                }
            }
            _ => {}
        }
        out
    }

    /// Handles what `src/read.js` delivered: a key or `input` event for the boundary, or what
    /// [`PointerReader`]'s `read` returned (`code`).
    pub fn on_delivered(&mut self, code: i32, phase: u32, e: &JsValue) -> Vec<Summary> {
        match phase {
            // Delivered from the listener, so always an Event.
            KEY_DOWN => self.on_event(e.unchecked_ref(), "keydown"),
            KEY_UP => self.on_event(e.unchecked_ref(), "keyup"),
            INPUT => self.on_event(e.unchecked_ref(), "input"),
            _ => self.on_pointer(code, phase_of(phase), e),
        }
    }

    /// Handles what [`PointerReader`] delivered (`code` as its `read` returned it).
    pub fn on_pointer(&mut self, code: i32, phase: PointerPhase, e: &JsValue) -> Vec<Summary> {
        let mut out = Vec::new();
        self.through_boundary(&mut out, |b, mut push| {
            b.pointer_read(code, phase, e, &mut push)
        });
        out
    }

    /// Takes in the pointer samples buffered in JavaScript now.
    pub fn take_pointer(&mut self) -> Vec<Summary> {
        let mut out = Vec::new();
        self.drain_pointer(&mut out);
        out
    }

    /// Takes in the pointer samples buffered in JavaScript, before anything that must see them
    /// in order (a key event, a window closing).
    fn drain_pointer(&mut self, out: &mut Vec<Summary>) {
        self.through_boundary(out, |b, mut push| b.drain_pointer(&mut push));
    }

    /// Runs a pointer step of the boundary (which returns the DOM events it accounted for) and
    /// takes in what it captured, through one reused buffer: no allocation per delivery.
    fn through_boundary(
        &mut self,
        out: &mut Vec<Summary>,
        step: impl FnOnce(&mut Boundary, &mut dyn FnMut(Captured)) -> u32,
    ) {
        let mut got = core::mem::take(&mut self.scratch);
        self.stats.events += step(&mut self.boundary, &mut |c| got.push(c));
        for c in got.drain(..) {
            self.captured(c, out);
        }
        // Every key read before a refusal (`settle_probation`) was in this batch.
        self.refused = false;
        self.scratch = got;
    }

    /// `n` synthetic trusted events from time `t0` (ms): keys at ~8 per second with overlap,
    /// and a 1000 Hz pointer moving in parabolic arcs with a click every 40 samples. For
    /// benchmarks only.
    #[cfg(feature = "bench-hooks")]
    pub fn feed_synthetic(&mut self, n: u32, t0: f64) -> Vec<Summary> {
        use telltale_core::event::{PointerEvent as P, PointerKind};
        use telltale_core::{InputEvent, KeyClass, KeyEvent};
        let mut out = Vec::new();
        for i in 0..n {
            let t = t0 + i as f64;
            let ev = if i % 64 < 2 {
                let press = i / 64;
                InputEvent::Key(KeyEvent {
                    t: t + (press % 7) as f64,
                    down: i % 64 == 0,
                    class: KeyClass::ALL[(press % 9) as usize],
                    press,
                    trusted: true,
                })
            } else {
                let k = (i % 40) as f64;
                let phase = match i % 40 {
                    38 => PointerPhase::Down,
                    39 => PointerPhase::Up,
                    _ => PointerPhase::Move,
                };
                InputEvent::Pointer(P {
                    t,
                    phase,
                    kind: PointerKind::Mouse,
                    // Parabolic arcs: curved paths without sin/cos, whose libm code would
                    // be the largest part of this hook.
                    x: 200.0 + 7.5 * k + (i / 40 % 13) as f64,
                    y: 300.0 + 0.25 * (k - 20.0) * (k - 20.0),
                    buttons: u16::from(phase == PointerPhase::Down),
                    movement: Some((1.0, 1.0)),
                    trusted: true,
                })
            };
            out.extend(self.windower.push(ev));
        }
        out
    }

    /// Closes the window if its time is up (the tick timer).
    pub fn tick(&mut self) -> Vec<Summary> {
        let mut out = Vec::new();
        self.drain_pointer(&mut out);
        out.extend(self.windower.tick(now()));
        out
    }

    /// Closes every open window now, and ends the run of typing: what comes next (after
    /// `stop()` and `start()`, the page hidden or restored, a host's `flush()`) follows a time
    /// this collector did not hear, in which a password may have been typed (a host stops the
    /// collector around a step-up), so no timing may span it.
    pub fn close_windows(&mut self) -> Vec<Summary> {
        let mut out = Vec::new();
        self.drain_pointer(&mut out);
        self.settle_probation(&mut out, false);
        self.end_fixed(&mut out);
        self.break_key_run();
        out.extend(self.windower.flush(now()));
        out
    }

    /// With a profile loaded: `s` with its score, and the `onScore` call.
    fn score(&self, mut s: Summary, calls: &mut Vec<Call>) -> Summary {
        if let Some(p) = &self.profile {
            let score = p.score(&s);
            if let Some(f) = &self.opts.on_score {
                calls.push((f.clone(), to_js(&score)));
            }
            s.score = Some(score);
        }
        s
    }

    /// Scores (with a profile loaded), queues and prepares host callbacks for summaries.
    pub fn emit(&mut self, summaries: Vec<Summary>) -> Vec<Call> {
        let mut calls = Vec::new();
        for s in summaries {
            self.stats.summaries += 1;
            let s = self.score(s, &mut calls);
            let obj = to_js(&s);
            if self.opts.endpoint.is_some() {
                if self.opts.session_token.is_empty() {
                    // No token yet: held, within the queue's bound (the oldest go first).
                    if self.held.len() >= self.opts.max_queue as usize {
                        self.held.remove(0);
                        self.queue.dropped += 1;
                    }
                    self.held.push(s);
                } else {
                    self.enqueue(&obj);
                }
            }
            if let Some(f) = &self.opts.on_summary {
                calls.push((f.clone(), obj));
            }
        }
        calls
    }

    /// Serialises a summary into the queue (a value that cannot be serialised is a fault).
    fn enqueue(&mut self, obj: &JsValue) {
        match js_sys::JSON::stringify(obj)
            .ok()
            .and_then(|j| j.as_string())
        {
            Some(json) => self.queue.push(json),
            None => self.fault(),
        }
    }

    /// `setSessionToken` (the token checked): the summaries closed from now on carry it, and
    /// those held so far are stamped with it and queued, oldest first. A collector has one
    /// session: `false` (nothing changed) if it has a token already.
    pub fn set_session_token(&mut self, token: String) -> bool {
        if !self.opts.session_token.is_empty() {
            return false;
        }
        self.windower.set_session(&token);
        for mut s in core::mem::take(&mut self.held) {
            s.session.clone_from(&token);
            self.enqueue(&to_js(&s));
        }
        self.opts.session_token = token;
        true
    }

    /// `stop()`'s first step: takes out the listeners and timers (dropping them removes them),
    /// the retry timer too, so the flush that follows sends at once and a stopped collector
    /// sets no timer again (what fails then stays queued until `start()` or `flush()`).
    pub fn disarm(&mut self) -> Option<Armed> {
        self.end_wait();
        self.armed.take()
    }

    /// Ends a backoff wait, for a host asking to send now (`flush()`, `stop()`): the retry
    /// timer goes and the next pump sends. The attempt count stays, so the collector's own
    /// retries after another failure go on doubling their waits.
    pub fn end_wait(&mut self) {
        self.retry = None;
        self.retry_due = false;
    }

    /// `start()`'s last step: the listeners and timers in place, and sending no longer waits
    /// (a stopped collector has no retry timer to end a wait).
    pub fn arm_with(&mut self, armed: Option<Armed>) {
        self.armed = armed;
        self.retry_due = false;
    }

    /// Re-arms after a back/forward-cache restore: the frozen time is no window.
    pub fn rearm(&mut self) -> Vec<Summary> {
        let out = self.close_windows();
        self.end_wait();
        self.in_flight = false;
        out
    }

    /// Sends everything queued with `sendBeacon`, in bodies under 16 KiB. What the browser
    /// refuses stays queued for a later `fetch`, and so does everything while the browser is
    /// offline: Chromium then accepts a beacon (`sendBeacon` returns true) and drops it.
    pub fn beacon_all(&mut self) {
        let (Some(url), Some(w)) = (self.opts.endpoint.clone(), crate::dom::window()) else {
            return;
        };
        if !online() {
            return;
        }
        let nav = w.navigator();
        for p in self.queue.pack(BEACON_LIMIT, usize::MAX) {
            match nav.send_beacon_with_opt_str(&url, Some(&p.body)) {
                Ok(true) => {
                    self.stats.sent += p.ids.len() as u32;
                    self.queue.remove(&p.ids);
                }
                Ok(false) | Err(_) => {
                    self.stats.failed += 1;
                    break;
                }
            }
        }
    }
}

/// Calls host callbacks; a callback that throws is a fault, never rethrown.
pub fn invoke(state: &Rc<RefCell<Inner>>, calls: Vec<Call>) {
    for (f, v) in calls {
        if f.call1(&JsValue::NULL, &v).is_err() {
            if let Ok(mut s) = state.try_borrow_mut() {
                s.fault();
            }
        }
    }
}

/// Runs `f` on the state and delivers what it produced: summaries to the queue and callbacks,
/// then sending. Host callbacks run once the state is released, so they may call the collector
/// back (`stats()`, `stop()`, `flush()`), and an event they dispatch is handled like any other;
/// a call that still finds the state borrowed (from a panic, which traps) does nothing.
pub fn with_state(weak: &Weak<RefCell<Inner>>, f: impl FnOnce(&mut Inner) -> Vec<Summary>) {
    let Some(state) = weak.upgrade() else { return };
    let calls = match state.try_borrow_mut() {
        Ok(mut s) => {
            let summaries = f(&mut s);
            s.emit(summaries)
        }
        Err(_) => return,
    };
    invoke(&state, calls);
    pump(&state);
}

/// Sends the oldest batch with `fetch` (keepalive) if nothing is in flight and the page is
/// online; while hidden, with `sendBeacon`.
pub fn pump(state: &Rc<RefCell<Inner>>) {
    let Ok(mut s) = state.try_borrow_mut() else {
        return;
    };
    // Checked before anything that allocates or crosses into JavaScript: this runs per event.
    if s.queue.is_empty() || s.in_flight || s.retry_due || s.opts.endpoint.is_none() || !online() {
        return;
    }
    if hidden() {
        s.beacon_all();
        return;
    }
    let Some(batch) = s.queue.pack(FETCH_LIMIT, 1).pop() else {
        return;
    };
    if s.sent.is_none() {
        let weak = Rc::downgrade(state);
        s.sent = Some(Closure::new(move |outcome, tag, scores| {
            sent(&weak, outcome, tag, scores)
        }));
    }
    let tag = s.tag.wrapping_add(1);
    let (Some(done), Some(url)) = (s.sent.as_ref(), s.opts.endpoint.as_deref()) else {
        return;
    };
    post(url, &s.opts.session_token, &batch.body, tag, done.as_ref());
    s.tag = tag;
    s.in_flight = true;
    s.pending.push((tag, batch.ids));
}

// What `src/send.js` reports for a request.
const ACCEPTED: i32 = 1;
const REJECTED: i32 = 2;

#[wasm_bindgen(module = "/src/send.js")]
extern "C" {
    /// `src/send.js`: POSTs `body` with `fetch` (keepalive) and calls `done(outcome, tag, scores)`.
    fn post(url: &str, token: &str, body: &str, tag: u32, done: &JsValue);

    /// `src/send.js`: the requests `post` made.
    pub type Requests;

    /// `performance.now()`, bound when the module loaded.
    #[wasm_bindgen(static_method_of = Requests)]
    fn now() -> f64;

    /// `Math.random()`, as it was when the module loaded.
    #[wasm_bindgen(static_method_of = Requests)]
    fn random() -> f64;

    /// A promise resolved once no request is out (`flush()`'s).
    #[wasm_bindgen(static_method_of = Requests)]
    pub fn settled() -> js_sys::Promise;
}

/// A request has settled (`src/send.js`): accepted (with the server's fresh scores, if any),
/// rejected for good (a 4xx other than 408/429: retrying cannot help), or failed (retried).
fn sent(weak: &Weak<RefCell<Inner>>, outcome: i32, tag: u32, scores: JsValue) {
    let Some(state) = weak.upgrade() else { return };
    let calls = {
        let Ok(mut s) = state.try_borrow_mut() else {
            return;
        };
        s.in_flight = false;
        let ids = match s.pending.iter().position(|(t, _)| *t == tag) {
            Some(i) => s.pending.swap_remove(i).1,
            None => Vec::new(),
        };
        match outcome {
            ACCEPTED => {
                s.queue.remove(&ids);
                s.stats.sent += ids.len() as u32;
                s.attempt = 0;
                match (&s.opts.on_score, scores.dyn_into::<js_sys::Array>()) {
                    (Some(f), Ok(list)) => list.iter().map(|v| (f.clone(), v)).collect(),
                    _ => Vec::new(),
                }
            }
            REJECTED => {
                s.queue.remove(&ids);
                s.stats.failed += 1;
                Vec::new()
            }
            _ => {
                s.stats.failed += 1;
                schedule_retry(&mut s, Rc::downgrade(&state));
                Vec::new()
            }
        }
    };
    invoke(&state, calls);
    // After a failure the retry timer sends again, or, with no timer (a page whose `setTimeout`
    // throws), the next event or `flush()`: sending at once would fail at once, in a loop of
    // promises that never yields to the page.
    if outcome == ACCEPTED || outcome == REJECTED {
        pump(&state);
    }
}

fn schedule_retry(s: &mut Inner, weak: Weak<RefCell<Inner>>) {
    // Stopped: no timer (`stop()` removes them all); the batch waits in the queue, and sending
    // waits for `start()` or `flush()` (without the wait, each failure would send again at once).
    if s.armed.is_none() {
        s.retry_due = true;
        return;
    }
    let delay = backoff_ms(s.attempt, Requests::random());
    s.attempt += 1;
    s.retry_due = true;
    s.retry = Timer::once(delay as u32, move || {
        if let Some(state) = weak.upgrade() {
            if let Ok(mut s) = state.try_borrow_mut() {
                s.retry_due = false;
            }
            pump(&state);
        }
    });
    // No timer (no window): nothing would ever clear the wait, so the next event's pump sends.
    s.retry_due = s.retry.is_some();
}

/// The page is hidden or going away: close the windows and send everything by beacon (a
/// `fetch` may not finish; a beacon is handed to the browser, which delivers it after the page
/// is gone).
pub fn leave(weak: &Weak<RefCell<Inner>>) {
    let Some(state) = weak.upgrade() else { return };
    let calls = match state.try_borrow_mut() {
        Ok(mut s) => {
            let summaries = s.close_windows();
            let calls = s.emit(summaries);
            s.beacon_all();
            calls
        }
        Err(_) => return,
    };
    invoke(&state, calls);
}

/// Adds every listener and the tick timer.
pub fn arm(state: &Rc<RefCell<Inner>>) -> Option<Armed> {
    let window = crate::dom::window()?;
    let document = window.document()?;
    let mut listeners = Vec::with_capacity(16);
    // keydown, keyup and `input` are listened for in `src/read.js` (below).
    for ty in ["wheel", "focusout", "focusin", "submit"] {
        let weak = Rc::downgrade(state);
        listeners.push(Listener::new(&document, ty, move |e| {
            with_state(&weak, |s| s.on_event(e, ty))
        }));
    }
    // Page hidden or leaving: close the windows and send everything by beacon.
    let weak = Rc::downgrade(state);
    listeners.push(Listener::new(&document, "visibilitychange", move |_| {
        if hidden() {
            leave(&weak);
        }
    }));
    let weak = Rc::downgrade(state);
    // The browser's own `pagehide` and `pageshow` only: a script's (untrusted) would close the
    // windows at will, and one every few seconds would keep every window too sparse to be
    // summarised.
    listeners.push(Listener::new(&window, "pagehide", move |e| {
        if e.is_trusted() {
            leave(&weak);
        }
    }));
    let weak = Rc::downgrade(state);
    listeners.push(Listener::new(&window, "pageshow", move |e| {
        // Read through `Reflect` (which catches): a script's `pageshow` may carry a getter that
        // throws.
        let persisted = js_sys::Reflect::get(e, &JsValue::from_str("persisted"))
            .is_ok_and(|p| p.as_bool() == Some(true));
        if persisted && e.is_trusted() {
            with_state(&weak, Inner::rearm);
        }
    }));
    let weak = Rc::downgrade(state);
    listeners.push(Listener::new(&window, "online", move |_| {
        // Back online: send now rather than when the backoff timer would have.
        if let Some(state) = weak.upgrade() {
            if let Ok(mut s) = state.try_borrow_mut() {
                s.retry_due = false;
            }
            pump(&state);
        }
    }));
    // Windows close on time even when the user is idle.
    let period = state.try_borrow().ok()?.opts.window.tick_ms() as u32;
    let weak = Rc::downgrade(state);
    let tick = Timer::every(period, move || with_state(&weak, Inner::tick));
    // Pointer and key events: listened for and read in JavaScript, handed over as numbers (a key
    // event that needs the boundary's decision, as the event).
    let weak = Rc::downgrade(state);
    let deliver = Callback::new(move |n, phase, e: JsValue| {
        with_state(&weak, |s| s.on_delivered(n, phase, &e));
    });
    let (reader, keys) = {
        let s = state.try_borrow().ok()?;
        (
            s.boundary.pointer_reader().clone(),
            s.boundary.key_reader().clone(),
        )
    };
    reader.attach(&document, deliver.as_ref().unchecked_ref());
    keys.attach_keys(&document, deliver.as_ref().unchecked_ref());
    Some(Armed {
        _listeners: listeners,
        _pointer: PointerTap {
            reader,
            keys,
            _deliver: deliver,
        },
        _tick: tick,
        _owner: state.clone(),
    })
}
