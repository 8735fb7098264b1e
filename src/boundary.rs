//! The boundary: the one place where a DOM event becomes an [`InputEvent`]. Key identity (`code`,
//! `key`) is read here only to pick a coarse class and to pair a keydown with its keyup (through a
//! hash held while the key is down), then dropped. Password fields, `[data-telltale-ignore]`
//! subtrees, IME composition and auto-repeat are never captured, only counted.

use js_sys::{Object, WeakSet};
use telltale_core::event::{PointerEvent as CorePointer, PointerKind, PointerPhase, WheelEvent};
use telltale_core::summary::valid_field_name;
use telltale_core::{InputEvent, KeyEvent};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, KeyboardEvent, ShadowRoot};

use crate::keyclass::classify;

/// What the boundary made of a DOM event.
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// An event for the windows (trusted or not: untrusted ones feed automation evidence only).
    Event(InputEvent),
    /// A key event in a `data-telltale-fixed` field.
    Fixed {
        /// The field's name.
        field: String,
        /// The key event.
        ev: KeyEvent,
    },
    /// Enter in a fixed-text field: the entry is complete.
    FixedEnd,
    /// Not captured, only counted.
    Count(Uncaptured),
}

/// Why an event was only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncaptured {
    /// A password field: not even counted in a summary (only in the local `stats()`), so that
    /// typing a password changes no summary field at all.
    Password,
    /// `[data-telltale-ignore]`.
    Ignored,
    /// IME composition.
    Composing,
    /// Auto-repeat.
    Repeat,
    /// `insertFromPaste`.
    Paste,
    /// `insertFromDrop`.
    Drop,
    /// Autofill (`insertReplacementText`, or an `input` event that is no `InputEvent`).
    Autofill,
}

/// Keys held down at once that can be paired (n-key rollover beyond this is not real typing).
const MAX_HELD: usize = 16;
/// `keyCode` of keys pressed during IME composition (UI Events spec, "keyCode 229").
const IME_KEY_CODE: u32 = 229;

#[wasm_bindgen(module = "/src/pointer.js")]
extern "C" {
    /// `src/pointer.js`: reads pointer events straight into a buffer of the boundary's.
    #[derive(Debug)]
    type PointerReader;

    #[wasm_bindgen(constructor)]
    fn new(memory: &JsValue, ptr: usize, len: usize) -> PointerReader;

    /// Reads a pointer event (and its coalesced events when `moving`) into the buffer: kind,
    /// trust, then six numbers per sample. Returns the samples; -1 for no PointerEvent; -2,
    /// having read nothing, when the event's target is not `last`.
    #[wasm_bindgen(method)]
    fn read(this: &PointerReader, ev: &Event, last: &JsValue, moving: bool) -> i32;
}

/// Numbers before the samples in [`PointerReader`]'s output.
const HEAD: usize = 2;
/// Numbers per sample.
const PER: usize = 6;
/// Coalesced samples kept per `pointermove`: a 1000 Hz mouse gives about 17 per 60 Hz frame;
/// 64 covers a frame of four times that (a busy page) and bounds the buffer.
const MAX_COALESCED: usize = 64;

/// The boundary's small state: which keys are down (by hash), password fields seen.
#[derive(Debug)]
pub struct Boundary {
    held: Vec<(u32, u32)>,
    next_press: u32,
    passwords: WeakSet,
    last_target: Option<JsValue>,
    last_privacy: Option<Uncaptured>,
    key_target: Option<JsValue>,
    key_verdict: TargetVerdict,
    /// Where [`PointerReader`] writes: allocated once and never resized, so its address holds.
    pointer_buf: Box<[f64]>,
    reader: PointerReader,
}

/// What the DOM says about a key event's target, cached while typing stays in one field
/// (walking `composedPath()` and `closest()` per keystroke costs more than all the features).
#[derive(Debug, Clone, Default)]
struct TargetVerdict {
    element: Option<Element>,
    ignored: bool,
    fixed: Option<String>,
}

impl Default for Boundary {
    fn default() -> Self {
        Self::new()
    }
}

/// FNV-1a: the pairing table holds this hash of the key, never the key itself.
fn hash(s: &str) -> u32 {
    s.bytes()
        .fold(0x811c_9dc5, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193))
}

/// The element an event really happened on, also inside open shadow roots.
fn real_target(e: &Event) -> Option<Element> {
    let path = e.composed_path();
    path.get(0)
        .dyn_into::<Element>()
        .ok()
        .or_else(|| e.target()?.dyn_into::<Element>().ok())
}

/// `el.closest(sel)`, continued through the hosts of open shadow roots.
fn closest(el: &Element, sel: &str) -> Option<Element> {
    let mut cur = el.clone();
    loop {
        if let Ok(Some(found)) = cur.closest(sel) {
            return Some(found);
        }
        let root = cur.get_root_node();
        cur = root.dyn_into::<ShadowRoot>().ok()?.host();
    }
}

impl Boundary {
    /// A fresh boundary.
    pub fn new() -> Self {
        let pointer_buf = vec![0.0; HEAD + PER * MAX_COALESCED].into_boxed_slice();
        let reader = PointerReader::new(
            &wasm_bindgen::memory(),
            pointer_buf.as_ptr() as usize,
            pointer_buf.len(),
        );
        Boundary {
            held: Vec::with_capacity(MAX_HELD),
            next_press: 0,
            passwords: WeakSet::new(),
            last_target: None,
            last_privacy: None,
            key_target: None,
            key_verdict: TargetVerdict::default(),
            pointer_buf,
            reader,
        }
    }

    /// Why `el` is not captured: a password input (also after a show-password toggle changed
    /// its type, and any field whose autocomplete names a password), or a
    /// `[data-telltale-ignore]` subtree. `None`: captured.
    pub fn privacy(&self, el: &Element) -> Option<Uncaptured> {
        self.password(el)
            .or_else(|| closest(el, "[data-telltale-ignore]").map(|_| Uncaptured::Ignored))
    }

    /// Whether `el` is (or was) a password field: checked on every event, so a field that
    /// becomes a password field is never captured, cached verdict or not.
    fn password(&self, el: &Element) -> Option<Uncaptured> {
        if let Some(input) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            let password = input.type_().eq_ignore_ascii_case("password")
                || el
                    .get_attribute("autocomplete")
                    .is_some_and(|a| a.contains("password"));
            if password {
                self.passwords.add(el);
                return Some(Uncaptured::Password);
            }
            if self.passwords.has(el) {
                return Some(Uncaptured::Password);
            }
        }
        None
    }

    /// The key event's target and what the DOM says about it, from the cache when the event
    /// targets the same element as the previous one. A target with an open shadow root is
    /// never cached: events from different fields inside it share that target.
    fn key_target(&mut self, e: &Event) -> TargetVerdict {
        let target: Option<JsValue> = e.target().map(Into::into);
        let hit = match (&target, &self.key_target) {
            (Some(a), Some(b)) => Object::is(a, b),
            _ => false,
        };
        if hit {
            return self.key_verdict.clone();
        }
        let element = real_target(e);
        let verdict = TargetVerdict {
            ignored: element
                .as_ref()
                .is_some_and(|el| closest(el, "[data-telltale-ignore]").is_some()),
            fixed: element
                .as_ref()
                .and_then(|t| closest(t, "[data-telltale-fixed]"))
                .and_then(|f| f.get_attribute("data-telltale-fixed"))
                .filter(|name| valid_field_name(name)),
            element,
        };
        let shadow_host = target
            .as_ref()
            .and_then(|t| t.dyn_ref::<Element>())
            .is_some_and(|t| t.shadow_root().is_some());
        if !shadow_host {
            self.key_target = target;
            self.key_verdict = verdict.clone();
        }
        verdict
    }

    /// Forgets cached verdicts (focus moved: a field may have changed since).
    pub fn forget_targets(&mut self) {
        self.key_target = None;
        self.last_target = None;
    }

    /// Converts a keydown (`down`) or keyup.
    pub fn key(&mut self, e: &KeyboardEvent, down: bool) -> Option<Captured> {
        let target = self.key_target(e);
        if let Some(why) = target.element.as_ref().and_then(|t| self.password(t)) {
            return Some(Captured::Count(why));
        }
        if target.ignored {
            return Some(Captured::Count(Uncaptured::Ignored));
        }
        if e.is_composing() || e.key_code() == IME_KEY_CODE {
            return Some(Captured::Count(Uncaptured::Composing));
        }
        if down && e.repeat() {
            return Some(Captured::Count(Uncaptured::Repeat));
        }
        // `key` is read only when there is no `code` (some virtual keyboards).
        let code = e.code();
        let key = if code.is_empty() {
            e.key()
        } else {
            String::new()
        };
        let class = classify(&code, &key);
        // Pair by the physical key where there is one: `key` changes between keydown and keyup
        // when Shift is released first ("A" down, "a" up).
        let h = if code.is_empty() {
            hash(&key)
        } else {
            hash(&code)
        };
        let press = if down {
            self.held.retain(|(k, _)| *k != h);
            if self.held.len() >= MAX_HELD {
                self.held.remove(0);
            }
            self.next_press = self.next_press.wrapping_add(1);
            self.held.push((h, self.next_press));
            self.next_press
        } else {
            let i = self.held.iter().position(|(k, _)| *k == h)?;
            self.held.remove(i).1
        };
        let ev = KeyEvent {
            t: e.time_stamp(),
            down,
            class,
            press,
            trusted: e.is_trusted(),
        };
        Some(match target.fixed {
            Some(_) if down && class == telltale_core::KeyClass::Enter => Captured::FixedEnd,
            Some(field) => Captured::Fixed { field, ev },
            None => Captured::Event(InputEvent::Key(ev)),
        })
    }

    /// Privacy verdict for a pointer or wheel event, cached while the target stays the same
    /// (pointermove arrives up to 1000 times a second over the same element).
    fn pointer_privacy(&mut self, e: &Event) -> Option<Uncaptured> {
        let target: Option<JsValue> = e.target().map(Into::into);
        let same = match (&target, &self.last_target) {
            (Some(a), Some(b)) => Object::is(a, b),
            _ => false,
        };
        if !same {
            self.refresh_pointer_target(e, target);
        }
        self.last_privacy
    }

    fn refresh_pointer_target(&mut self, e: &Event, target: Option<JsValue>) {
        self.last_privacy = real_target(e).and_then(|t| self.privacy(&t));
        self.last_target = target;
    }

    /// Converts a pointer event (`pointerdown`, `pointermove`, `pointerup`), expanding
    /// `getCoalescedEvents()` on moves. Everything is read by one call into `src/pointer.js`, and
    /// only once the event's target is known to be capturable.
    pub fn pointer(&mut self, e: &Event, phase: PointerPhase, out: &mut impl FnMut(Captured)) {
        let moving = phase == PointerPhase::Move;
        // Over a private target, targets are compared in Rust and nothing of the event is read.
        let still_private = match self.last_privacy {
            Some(_) => self.pointer_privacy(e),
            None => None,
        };
        if let Some(why) = still_private {
            out(Captured::Count(why));
            return;
        }
        let last = self.last_target.clone().unwrap_or(JsValue::NULL);
        let mut n = self.reader.read(e, &last, moving);
        if n == -2 {
            // A new target: decide about it before anything of the event is read.
            let target = e.target().map(JsValue::from);
            self.refresh_pointer_target(e, target.clone());
            if self.last_privacy.is_none() {
                let last = target.unwrap_or(JsValue::NULL);
                n = self.reader.read(e, &last, moving);
            }
        }
        if let Some(why) = self.last_privacy {
            out(Captured::Count(why));
            return;
        }
        let Ok(n) = usize::try_from(n) else { return };
        let kind = match self.pointer_buf[0] as u8 {
            1 => PointerKind::Pen,
            2 => PointerKind::Touch,
            _ => PointerKind::Mouse,
        };
        let trusted = self.pointer_buf[1] != 0.0;
        for s in self.pointer_buf[HEAD..HEAD + PER * n.min(MAX_COALESCED)].chunks_exact(PER) {
            out(Captured::Event(InputEvent::Pointer(CorePointer {
                t: s[0],
                phase,
                kind,
                x: s[1],
                y: s[2],
                buttons: s[3] as u16,
                movement: Some((s[4], s[5])),
                trusted,
            })));
        }
    }

    /// Converts a wheel event.
    pub fn wheel(&mut self, e: &web_sys::WheelEvent) -> Captured {
        if let Some(why) = self.pointer_privacy(e) {
            return Captured::Count(why);
        }
        Captured::Event(InputEvent::Wheel(WheelEvent {
            t: e.time_stamp(),
            dy: e.delta_y(),
            trusted: e.is_trusted(),
        }))
    }

    /// Classifies an `input` event: only its `inputType` is read, never its data.
    pub fn input(&mut self, e: &Event) -> Option<Captured> {
        if let Some(why) = real_target(e).and_then(|t| self.privacy(&t)) {
            return Some(Captured::Count(why));
        }
        let kind = match e.dyn_ref::<web_sys::InputEvent>() {
            None => Uncaptured::Autofill, // Chrome's autofill fires a plain `Event`
            Some(ie) => match ie.input_type().as_str() {
                "insertFromPaste" | "insertFromPasteAsQuotation" => Uncaptured::Paste,
                "insertFromDrop" => Uncaptured::Drop,
                "insertReplacementText" | "" => Uncaptured::Autofill,
                _ => return None,
            },
        };
        Some(Captured::Count(kind))
    }
}
