//! RAII handles for DOM listeners and timers: dropping one removes its listener or clears its
//! timer, and frees its closure (gloo's `EventListener` / `Timeout` / `Interval`, reduced to what
//! the collector uses so that the crate builds without std). No `Closure::forget`.

use alloc::boxed::Box;

use js_sys::Function;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, Event, EventTarget, Window};

#[wasm_bindgen]
extern "C" {
    /// The page's `window`; `None` where there is none (a worker). Read directly rather than
    /// through `web_sys::window()`, whose `js_sys::global()` tries four globals (`globalThis`,
    /// `self`, `global`, `window`) and then checks `instanceof Window`: 0.33 KB gzipped, measured.
    #[wasm_bindgen(thread_local_v2, js_name = window)]
    static WINDOW: Option<Window>;
}

#[wasm_bindgen(module = "/src/read.js")]
extern "C" {
    /// `src/read.js`: `f` wrapped so that it never throws into the page (a fault goes to the
    /// console).
    fn guard(f: &Function) -> Function;
}

/// The page's `window`, if there is one.
pub fn window() -> Option<Window> {
    WINDOW.with(Option::clone)
}

/// A listener added in the capture phase, passive (it never calls `preventDefault`, so the
/// browser need not wait for it before scrolling). Removed on drop.
pub struct Listener {
    target: EventTarget,
    ty: &'static str,
    /// What was added: `_callback`, guarded.
    guarded: Function,
    _callback: Closure<dyn FnMut(&Event)>,
}

impl Listener {
    /// Adds `f` as a capturing, passive listener for `ty` on `target`.
    /// The event is lent to `f` (not handed over), so no reference to it is allocated per event.
    pub fn new(target: &EventTarget, ty: &'static str, f: impl FnMut(&Event) + 'static) -> Self {
        Self::add(target, ty, Box::new(f))
    }

    /// The part that does not depend on the closure's type: one copy in the WebAssembly.
    fn add(target: &EventTarget, ty: &'static str, f: Box<dyn FnMut(&Event)>) -> Self {
        let callback = Closure::<dyn FnMut(&Event)>::wrap(f);
        let guarded = guard(callback.as_ref().unchecked_ref());
        let opts = AddEventListenerOptions::new();
        opts.set_capture(true);
        opts.set_passive(true);
        // Throws only for a callback that is not callable, which this one always is.
        let _ = target
            .add_event_listener_with_callback_and_add_event_listener_options(ty, &guarded, &opts);
        Listener {
            target: target.clone(),
            ty,
            guarded,
            _callback: callback,
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // A capture listener is removed by type, callback and `capture: true`.
        let _ =
            self.target
                .remove_event_listener_with_callback_and_bool(self.ty, &self.guarded, true);
    }
}

/// A `setTimeout` (`repeat == false`) or `setInterval` timer, cleared on drop.
pub struct Timer {
    id: i32,
    repeat: bool,
    _callback: Closure<dyn FnMut()>,
}

impl Timer {
    /// Calls `f` once after `ms` milliseconds.
    pub fn once(ms: u32, f: impl FnMut() + 'static) -> Option<Self> {
        Self::new(ms, false, Box::new(f))
    }

    /// Calls `f` every `ms` milliseconds.
    pub fn every(ms: u32, f: impl FnMut() + 'static) -> Option<Self> {
        Self::new(ms, true, Box::new(f))
    }

    fn new(ms: u32, repeat: bool, f: Box<dyn FnMut()>) -> Option<Self> {
        let callback = Closure::wrap(f);
        let window = window()?;
        let cb = &guard(callback.as_ref().unchecked_ref());
        // Delays beyond i32::MAX ms fire at once in browsers; the collector's are far below.
        let ms = ms.min(i32::MAX as u32) as i32;
        let id = if repeat {
            window.set_interval_with_callback_and_timeout_and_arguments_0(cb, ms)
        } else {
            window.set_timeout_with_callback_and_timeout_and_arguments_0(cb, ms)
        }
        .ok()?;
        Some(Timer {
            id,
            repeat,
            _callback: callback,
        })
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(window) = window() {
            if self.repeat {
                window.clear_interval_with_handle(self.id);
            } else {
                window.clear_timeout_with_handle(self.id);
            }
        }
    }
}
