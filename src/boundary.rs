//! The boundary: the one place where a DOM event becomes an [`InputEvent`]. Key identity (`code`,
//! `key`) is read here only to pick a coarse class and to pair a keydown with its keyup (through a
//! hash held while the key is down), then dropped. Password fields, `[data-telltale-ignore]`
//! subtrees, IME composition and auto-repeat are never captured, only counted.

use js_sys::{Object, WeakSet};
use telltale_core::event::{PointerEvent as CorePointer, PointerKind, PointerPhase, WheelEvent};
use telltale_core::summary::valid_field_name;
use telltale_core::{InputEvent, KeyEvent};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, KeyboardEvent, PointerEvent, ShadowRoot};

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
    last_pointer: Option<(i32, PointerKind)>,
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
        Boundary {
            held: Vec::with_capacity(MAX_HELD),
            next_press: 0,
            passwords: WeakSet::new(),
            last_target: None,
            last_privacy: None,
            key_target: None,
            key_verdict: TargetVerdict::default(),
            last_pointer: None,
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
            self.last_privacy = real_target(e).and_then(|t| self.privacy(&t));
            self.last_target = target;
        }
        self.last_privacy
    }

    /// Converts a pointer event, expanding `getCoalescedEvents()` on moves.
    pub fn pointer(
        &mut self,
        e: &PointerEvent,
        phase: PointerPhase,
        out: &mut impl FnMut(Captured),
    ) {
        if let Some(why) = self.pointer_privacy(e) {
            out(Captured::Count(why));
            return;
        }
        // A pointer keeps its type for its life: read the string once per pointer id.
        let id = e.pointer_id();
        let kind = match self.last_pointer {
            Some((last, kind)) if last == id => kind,
            _ => {
                let kind = match e.pointer_type().as_str() {
                    "pen" => PointerKind::Pen,
                    "touch" => PointerKind::Touch,
                    _ => PointerKind::Mouse,
                };
                self.last_pointer = Some((id, kind));
                kind
            }
        };
        let trusted = e.is_trusted();
        let one = |p: &PointerEvent| {
            Captured::Event(InputEvent::Pointer(CorePointer {
                t: p.time_stamp(),
                phase,
                kind,
                x: p.client_x() as f64,
                y: p.client_y() as f64,
                buttons: p.buttons(),
                movement: Some((p.movement_x() as f64, p.movement_y() as f64)),
                trusted,
            }))
        };
        if phase == PointerPhase::Move {
            let coalesced = e.get_coalesced_events();
            if coalesced.length() > 1 {
                for c in coalesced.iter() {
                    if let Ok(c) = c.dyn_into::<PointerEvent>() {
                        out(one(&c));
                    }
                }
                return;
            }
        }
        out(one(e));
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
