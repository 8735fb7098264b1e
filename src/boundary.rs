//! The boundary: the one place where a DOM event becomes an [`InputEvent`]. Key identity (`code`,
//! `key`) is read only to pick a coarse class and to pair a keydown with its keyup (through a
//! hash held while the key is down), in `src/read.js`'s `KeyReader.classify`, and dropped there:
//! it never enters WebAssembly. Password fields, `[data-telltale-ignore]`
//! subtrees, IME composition and auto-repeat are never captured, only counted; nor are key events
//! on elements that are not text fields (they may hide a password field in a closed shadow root).

use crate::prelude::*;
use js_sys::Object;
use telltale_core::event::{PointerEvent as CorePointer, PointerKind, PointerPhase, WheelEvent};
use telltale_core::summary::valid_field_name;
use telltale_core::{InputEvent, KeyClass, KeyEvent};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event};

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
    /// Enter or Tab in a fixed-text field: the entry is complete.
    FixedEnd,
    /// Not captured, only counted.
    Count(Uncaptured),
    /// A person's key event in a password field or an ignored region: only counted, and the
    /// run of typing ends there, so that no timing spans what was typed in it (a script's key
    /// event there is a [`Captured::Count`]).
    Refused(Uncaptured),
}

/// Why an event was only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncaptured {
    /// A password field, or what may hide one (an element that is no typing target may host a
    /// closed shadow root with a password field inside), and a key event in a
    /// `[data-telltale-ignore]` region: not even counted in a summary (only in the local
    /// `stats()`), so that typing a password, or what a page marked (a card number, a PIN),
    /// changes no summary field at all, not even a count as long as what was typed.
    Private,
    /// Pointer, wheel and `input` events in `[data-telltale-ignore]`: counted.
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

/// What `src/read.js`'s `KeyReader.identify` adds to the key class for Tab.
const TAB: u32 = 16;

/// Keys held down at once that can be paired (n-key rollover beyond this is not real typing).
const MAX_HELD: usize = 16;

#[wasm_bindgen(module = "/src/read.js")]
extern "C" {
    /// `src/read.js`: reads a key event's flags and time in one call; listening, appends the key
    /// events on a cleared target to the [`PointerReader`]'s buffer as samples.
    #[derive(Debug, Clone)]
    pub type KeyReader;

    #[wasm_bindgen(constructor)]
    fn new(memory: &JsValue, ptr: usize, samples: &PointerReader) -> KeyReader;

    /// Clears a key target for the reader (its key events are kept and read in batches), or
    /// none (`null`); `eager`: a fixed-text field, whose key events are read at once.
    #[wasm_bindgen(method, js_name = approve)]
    fn approve_keys(this: &KeyReader, target: &JsValue, eager: bool);

    /// Listens for keydown, keyup and `input` on `target` and calls `deliver(-1, phase, event)`
    /// for each event the boundary must look at ([`KEY_DOWN`], [`KEY_UP`], [`INPUT`]), and
    /// `deliver(n, MOVE, undefined)` when the buffer is to be drained (as [`PointerReader`]).
    #[wasm_bindgen(method, js_name = attach)]
    pub fn attach_keys(this: &KeyReader, target: &web_sys::EventTarget, deliver: &js_sys::Function);

    /// Removes those listeners.
    #[wasm_bindgen(method, js_name = detach)]
    pub fn detach_keys(this: &KeyReader);

    /// -1 for no KeyboardEvent, else the `KEY_*` flags; the event's time goes to the buffer.
    #[wasm_bindgen(method)]
    fn read(this: &KeyReader, ev: &Event, last: &JsValue, el: &JsValue) -> i32;

    /// A key event `read` accepted: its class (an index into `KeyClass::ALL`), plus [`TAB`] for
    /// Tab; its pairing hash goes to the buffer.
    #[wasm_bindgen(method)]
    fn identify(this: &KeyReader, ev: &Event) -> u32;

    /// The buffer is being freed: the reader never writes again.
    #[wasm_bindgen(method, js_name = release)]
    fn release_keys(this: &KeyReader);

    /// Whether key events on `el` are typing (a text field, a textarea, an editable region, or
    /// the body): elsewhere they may come from inside a closed shadow root.
    #[wasm_bindgen(method, js_name = typingTarget)]
    fn typing_target(this: &KeyReader, el: &Element) -> bool;

    /// Whether `el` is an `<input>` (which a page can make a password field at any moment).
    #[wasm_bindgen(method, js_name = textInput)]
    fn text_input(this: &KeyReader, el: &Element) -> bool;

    /// Whether `el` is in the document (false also when that cannot be read).
    #[wasm_bindgen(method)]
    fn connected(this: &KeyReader, el: &Element) -> bool;

    /// Whether `el` is (or was: the reader remembers them) a password field: `type=password`,
    /// an `autocomplete` naming a password, or a field masked by CSS. The one implementation of
    /// that rule: `read` and `put` apply it to every key event, this to pointer, wheel and `input`
    /// events and new key targets.
    #[wasm_bindgen(method, js_name = password)]
    fn is_password(this: &KeyReader, el: &Element) -> bool;

    /// An event's `target`, or null when reading it throws (the reads below are guarded the
    /// same way: a script's event may carry a getter that throws).
    #[wasm_bindgen(method, js_name = target)]
    fn target_of(this: &KeyReader, ev: &Event) -> JsValue;

    /// The element an event really happened on, also inside open shadow roots, or null.
    #[wasm_bindgen(method, js_name = realTarget)]
    fn real_target_of(this: &KeyReader, ev: &Event) -> JsValue;

    /// A wheel event's `timeStamp` and `deltaY` into the buffer; false when unreadable.
    #[wasm_bindgen(method, js_name = wheel)]
    fn read_wheel(this: &KeyReader, ev: &Event) -> bool;

    /// An `input` event: 1 a paste, 2 a drop, 3 an autofill (or unreadable), 0 typing.
    #[wasm_bindgen(method, js_name = inputKind)]
    fn input_kind(this: &KeyReader, ev: &Event) -> u32;

    /// Whether `el` is in a `[data-telltale-ignore]` subtree (through the hosts of open shadow
    /// roots), or with `inside`, has one inside it; also when that cannot be read.
    #[wasm_bindgen(method)]
    fn ignored(this: &KeyReader, el: &Element, inside: bool) -> bool;

    /// The `data-telltale-fixed` name of the fixed-text field `el` is in, if any.
    #[wasm_bindgen(method, js_name = fixedName)]
    fn fixed_name(this: &KeyReader, el: &Element) -> Option<String>;

    /// Whether `target` has an open shadow root (also when that cannot be read).
    #[wasm_bindgen(method, js_name = shadowHost)]
    fn shadow_host(this: &KeyReader, target: &JsValue) -> bool;

    /// `src/read.js`: reads pointer events straight into a buffer of the boundary's.
    #[derive(Debug, Clone)]
    pub type PointerReader;

    #[wasm_bindgen(constructor)]
    fn new(memory: &JsValue, ptr: usize, len: usize) -> PointerReader;

    /// Takes a pointer event (a move is kept, and read into the buffer with the next ones).
    /// Returns a positive number when the buffer should be drained now, 0 when it can wait;
    /// -1 for an unreadable target, or no PointerEvent off the cleared target; having read
    /// nothing, -2 for a target not yet cleared and -3 for the refused one.
    #[wasm_bindgen(method)]
    fn read(this: &PointerReader, ev: &Event, phase: u32) -> i32;

    /// Reads the events it has kept into the buffer, as far as they fit: 0 when none are left,
    /// else not (drain the buffer and call again).
    #[wasm_bindgen(method)]
    fn settle(this: &PointerReader) -> i32;

    /// Clears a target for capture.
    #[wasm_bindgen(method)]
    fn approve(this: &PointerReader, target: &JsValue);

    /// Refuses a target: its events are not read.
    #[wasm_bindgen(method)]
    fn block(this: &PointerReader, target: &JsValue);

    /// Listens for pointer events on `target` and calls `deliver(code, phase, event?)` when the
    /// buffer is to be drained (code >= 0) or an event could not be read (the codes of `read`).
    #[wasm_bindgen(method)]
    pub fn attach(this: &PointerReader, target: &web_sys::EventTarget, deliver: &js_sys::Function);

    /// Removes those listeners.
    #[wasm_bindgen(method)]
    pub fn detach(this: &PointerReader);

    /// The buffer is being freed: removes the listeners, and the reader never writes again.
    #[wasm_bindgen(method)]
    fn release(this: &PointerReader);
}

/// `src/read.js`'s phase code of a keydown sample, or of a keydown delivered.
pub const KEY_DOWN: u32 = 4;
/// Of a keyup.
pub const KEY_UP: u32 = 5;
/// Of an `input` event: delivered, or a sample of a paste, drop or autofill (its kind as
/// `KeyReader.inputKind` says: 1, 2, 3).
pub const INPUT: u32 = 6;

/// A phase code of `src/read.js`.
pub fn phase_of(code: u32) -> PointerPhase {
    match code {
        0 => PointerPhase::Down,
        2 => PointerPhase::Up,
        3 => PointerPhase::Cancel,
        _ => PointerPhase::Move,
    }
}

fn phase_code(phase: PointerPhase) -> u32 {
    match phase {
        PointerPhase::Down => 0,
        PointerPhase::Move => 1,
        PointerPhase::Up => 2,
        PointerPhase::Cancel => 3,
    }
}

/// [`KeyReader`] flags (of `read`, and of a key sample: `put`): the target is the one whose
/// verdict is cached.
const KEY_SAME_TARGET: i32 = 1;
/// The cached target element is (or was) a password field.
const KEY_PASSWORD: i32 = 2;
/// IME composition (`isComposing`, or keyCode 229).
const KEY_COMPOSING: i32 = 4;
/// Auto-repeat.
const KEY_REPEAT: i32 = 8;
/// `isTrusted`.
const KEY_TRUSTED: i32 = 16;

/// Numbers before the samples in [`PointerReader`]'s buffer: DOM events and samples buffered.
const HEAD: usize = 2;
/// Numbers per sample: phase, kind, isTrusted, timeStamp, clientX, clientY, buttons,
/// movementX, movementY.
const PER: usize = 9;
/// Samples buffered before WebAssembly is entered: a 1000 Hz mouse gives about 17 per 60 Hz
/// frame, so 128 are about eight frames (130 ms) of movement, in a 9 KB buffer. Presses,
/// releases, key events and the window timer drain it sooner.
const BUFFERED: usize = 128;

/// The boundary's small state: which keys are down (by hash), the targets last decided (the
/// password fields seen are the [`KeyReader`]'s).
#[derive(Debug)]
pub struct Boundary {
    held: Vec<(u32, u32)>,
    next_press: u32,
    last_target: Option<JsValue>,
    last_privacy: Option<Uncaptured>,
    key_target: Option<JsValue>,
    key_verdict: TargetVerdict,
    /// Where [`PointerReader`] writes: allocated once and never resized, so its address holds.
    pointer_buf: Box<[f64]>,
    reader: PointerReader,
    /// Why the reader's refused target was refused.
    blocked_why: Uncaptured,
    /// Where [`KeyReader`] writes a key event's time and pairing hash (fixed address, like
    /// `pointer_buf`).
    key_buf: Box<[f64]>,
    keys: KeyReader,
}

/// A key event as read (by [`KeyReader`], at once or into a sample).
struct KeyRead {
    down: bool,
    /// The class, plus [`TAB`] for Tab.
    id: u32,
    hash: u32,
    t: f64,
    trusted: bool,
}

/// What the DOM says about a key event's target, cached while typing stays in one field
/// (walking `composedPath()` and `closest()` per keystroke costs more than all the features).
#[derive(Debug, Clone, Default)]
struct TargetVerdict {
    element: Option<Element>,
    /// Why its key events are not captured, if they are not.
    ignored: Option<Uncaptured>,
    fixed: Option<String>,
}

impl Drop for Boundary {
    /// The readers hold the buffers' addresses: they must not outlive them.
    fn drop(&mut self) {
        self.reader.release();
        self.keys.release_keys();
    }
}

impl Default for Boundary {
    fn default() -> Self {
        Self::new()
    }
}

impl Boundary {
    /// A fresh boundary.
    pub fn new() -> Self {
        let pointer_buf = vec![0.0; HEAD + PER * BUFFERED].into_boxed_slice();
        let reader = PointerReader::new(
            &wasm_bindgen::memory(),
            pointer_buf.as_ptr() as usize,
            pointer_buf.len(),
        );
        let key_buf = vec![0.0; 2].into_boxed_slice();
        let keys = KeyReader::new(&wasm_bindgen::memory(), key_buf.as_ptr() as usize, &reader);
        Boundary {
            held: Vec::with_capacity(MAX_HELD),
            next_press: 0,
            last_target: None,
            last_privacy: None,
            key_target: None,
            key_verdict: TargetVerdict::default(),
            pointer_buf,
            reader,
            blocked_why: Uncaptured::Ignored,
            key_buf,
            keys,
        }
    }

    /// Why `el` is not captured: a password input (also after a show-password toggle changed
    /// its type, and any field whose autocomplete names a password), or a
    /// `[data-telltale-ignore]` subtree. `None`: captured.
    pub fn privacy(&self, el: &Element) -> Option<Uncaptured> {
        self.password(el)
            .or_else(|| self.keys.ignored(el, false).then_some(Uncaptured::Ignored))
    }

    /// Why key events whose element is `el` are not captured, by the ignore mark: `el` is
    /// inside a marked subtree, or is an editable region with one inside it. Key events in an
    /// editable region carry the region itself, never the part of it the caret is in, so a
    /// marked part (a card number in a rich-text note) makes the whole region ignored. Not
    /// counted in a summary, as a password field's are not ([`Uncaptured::Private`]).
    fn keys_ignored(&self, el: &Element) -> Option<Uncaptured> {
        self.keys.ignored(el, true).then_some(Uncaptured::Private)
    }

    /// The element an event really happened on, also inside open shadow roots.
    fn real_target(&self, e: &Event) -> Option<Element> {
        self.keys.real_target_of(e).dyn_into::<Element>().ok()
    }

    /// An event's target, `None` when it has none or it cannot be read.
    fn target(&self, e: &Event) -> Option<JsValue> {
        Some(self.keys.target_of(e)).filter(|t| !t.is_null() && !t.is_undefined())
    }

    /// Whether `el` is (or was) a password field: checked for every event (a key event on the
    /// cleared target when its batch is read: `KeyReader.put`), so a field that becomes a
    /// password field is never captured, cached verdict or not.
    fn password(&self, el: &Element) -> Option<Uncaptured> {
        self.keys.is_password(el).then_some(Uncaptured::Private)
    }

    /// The key event's target and what the DOM says about it, from the cache when the event
    /// targets the same element as the previous one. A target with an open shadow root is
    /// never cached: events from different fields inside it share that target.
    /// Also says whether the verdict is now the cached one.
    fn key_target(&mut self, e: &Event) -> (TargetVerdict, bool) {
        let target = self.target(e);
        let hit = match (&target, &self.key_target) {
            (Some(a), Some(b)) => Object::is(a, b),
            _ => false,
        };
        if hit {
            return (self.key_verdict.clone(), true);
        }
        let element = self.real_target(e);
        let verdict = TargetVerdict {
            // Not typing (see `typing_target`), or no element this page's realm knows (one made
            // by another frame's document fails every check here, a password field's too; a
            // script's event on the document or window has none either): never captured, and
            // counted as a password field is. In an ignored region: not counted either.
            ignored: match &element {
                Some(el) if self.keys.typing_target(el) => self.keys_ignored(el),
                _ => Some(Uncaptured::Private),
            },
            fixed: element
                .as_ref()
                .and_then(|t| self.keys.fixed_name(t))
                .filter(|name| valid_field_name(name)),
            element,
        };
        let shadow_host = target.as_ref().is_some_and(|t| self.keys.shadow_host(t));
        if !shadow_host {
            self.key_target = target;
            self.key_verdict = verdict.clone();
        }
        (verdict, !shadow_host)
    }

    /// Whether key events on the target of `e` (a `focusin`) would be captured: typing (see
    /// `typing_target`) outside password fields and ignored regions.
    pub fn captures_keys_at(&self, e: &Event) -> bool {
        self.real_target(e)
            .is_some_and(|el| self.keys.typing_target(&el) && self.keys_privacy(&el).is_none())
    }

    /// Why key events on `el` are not captured now: a password field (also one masked by CSS
    /// since it was cleared) or an ignored region. `None`: captured.
    pub fn keys_privacy(&self, el: &Element) -> Option<Uncaptured> {
        self.password(el).or_else(|| self.keys_ignored(el))
    }

    /// Whether `el` is still in the page (a field the page removed can no longer say whether it
    /// was made a password field: its style and marks are gone).
    pub fn still_in_page(&self, el: &Element) -> bool {
        self.keys.connected(el)
    }

    /// The target of `e` (a `focusin`) when it is a text input: a page can make one a password
    /// field (or mark or mask it) in its own handler of the first key, after the collector's
    /// capture listener took that key as typed into a text field.
    pub fn text_input_at(&self, e: &Event) -> Option<Element> {
        self.real_target(e).filter(|el| self.keys.text_input(el))
    }

    /// Forgets the keys held down: a key pressed before focus moved is paired with no keyup
    /// after it (Tab's keyup lands in the next field; a Shift held while clicking into a
    /// password field may be released in another), so no hold spans what was typed between.
    pub fn forget_held(&mut self) {
        self.held.clear();
    }

    /// Forgets cached verdicts (focus moved: a field may have changed since).
    pub fn forget_targets(&mut self) {
        self.key_target = None;
        self.keys.approve_keys(&JsValue::NULL, false);
        self.last_target = None;
        // The pointer reader's cleared and refused targets too: the next pointer event's target
        // is decided again.
        self.reader.approve(&JsValue::NULL);
    }

    /// Converts a keydown (`down`) or keyup: flags and time in one call into `src/read.js`, the
    /// target's verdict from the cache while typing stays in one field, and for a key that is
    /// captured, its class and pairing hash in a second call (key identity itself never enters
    /// WebAssembly).
    pub fn key(&mut self, e: &Event, down: bool) -> Option<Captured> {
        let null = JsValue::NULL;
        let last = self.key_target.as_ref().unwrap_or(&null);
        let el = self
            .key_verdict
            .element
            .as_ref()
            .map_or(&null, |el| el.as_ref());
        let flags = self.keys.read(e, last, el);
        if flags < 0 {
            return None;
        }
        let (password, ignored, fixed) =
            if flags & KEY_SAME_TARGET != 0 && self.key_target.is_some() {
                (
                    flags & KEY_PASSWORD != 0,
                    self.key_verdict.ignored,
                    self.key_verdict.fixed.clone(),
                )
            } else {
                let (v, cached) = self.key_target(e);
                let password = v.element.as_ref().and_then(|t| self.password(t)).is_some();
                // The reader keeps this target's next key events and reads them in batches
                // (`KeyReader.keep`, `put`: the password check, composition and auto-repeat
                // per event, decided by `uncaptured_key` as here).
                match (&self.key_target, &v.element) {
                    (Some(target), Some(_)) if cached && !password && v.ignored.is_none() => {
                        self.keys.approve_keys(target, v.fixed.is_some())
                    }
                    _ => self.keys.approve_keys(&null, false),
                }
                (password, v.ignored, v.fixed)
            };
        let flags = if password {
            flags | KEY_PASSWORD
        } else {
            flags & !KEY_PASSWORD
        };
        if let Some(c) = uncaptured_key(flags, down, ignored) {
            return Some(c);
        }
        // Key identity is read in JavaScript and dropped there: only the class and the pairing
        // hash come back (`KeyReader.identify`).
        let id = self.keys.identify(e);
        let read = KeyRead {
            down,
            id,
            hash: self.key_buf[1] as u32,
            t: self.key_buf[0],
            trusted: flags & KEY_TRUSTED != 0,
        };
        self.key_event(read, fixed)
    }

    /// A captured key event: paired with its press, and for the windows or a fixed-text entry.
    fn key_event(&mut self, k: KeyRead, fixed: Option<String>) -> Option<Captured> {
        let KeyRead {
            down,
            id,
            hash: h,
            t,
            trusted,
        } = k;
        let class = KeyClass::ALL[(id & !TAB) as usize % KeyClass::COUNT];
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
            t,
            down,
            class,
            press,
            trusted,
        };
        Some(match fixed {
            // Enter and Tab end an entry and are no part of it: Tab moves focus, so its keyup
            // lands in the next field, and a press without its keyup would mark the entry edited.
            Some(_) if down && (class == KeyClass::Enter || id & TAB != 0) => Captured::FixedEnd,
            Some(field) => Captured::Fixed { field, ev },
            None => Captured::Event(InputEvent::Key(ev)),
        })
    }

    /// Privacy verdict for a pointer or wheel event, cached while the target stays the same
    /// (pointermove arrives up to 1000 times a second over the same element).
    fn pointer_privacy(&mut self, e: &Event) -> Option<Uncaptured> {
        let target = self.target(e);
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
        // No element this page's realm knows: see `key_target`.
        self.last_privacy = match self.real_target(e) {
            Some(t) => self.privacy(&t),
            None => Some(Uncaptured::Private),
        };
        self.last_target = target;
    }

    /// The reader that fills this boundary's pointer buffer (the collector attaches it to the
    /// document).
    pub fn pointer_reader(&self) -> &PointerReader {
        &self.reader
    }

    /// The reader of key events (the collector attaches it to the document).
    pub fn key_reader(&self) -> &KeyReader {
        &self.keys
    }

    /// Converts a pointer event (`pointerdown`, `pointermove`, `pointerup`, `pointercancel`),
    /// expanding `getCoalescedEvents()` on moves: read by `src/read.js` into the buffer, and only
    /// once the event's target is known to be capturable. Returns the DOM events it accounts for.
    pub fn pointer(
        &mut self,
        e: &Event,
        phase: PointerPhase,
        out: &mut impl FnMut(Captured),
    ) -> u32 {
        let code = self.reader.read(e, phase_code(phase));
        self.pointer_read(code, phase, e, out)
    }

    /// Handles what [`PointerReader`] returned for a pointer event (`code`; `e` is needed only
    /// for -2, a new target to decide about): drains the buffer, in order, then deals with the
    /// event if it could not be read. Returns the DOM events it accounts for.
    pub fn pointer_read(
        &mut self,
        code: i32,
        phase: PointerPhase,
        e: &JsValue,
        out: &mut impl FnMut(Captured),
    ) -> u32 {
        let events = self.drain_pointer(out);
        match code {
            -3 => out(Captured::Count(self.blocked_why)),
            -2 => {
                // A new target: decide about it before anything of the event is read.
                let Some(e) = e.dyn_ref::<Event>() else {
                    return events + 1;
                };
                let target = self.target(e);
                self.refresh_pointer_target(e, target.clone());
                let target = target.unwrap_or(JsValue::NULL);
                if let Some(why) = self.last_privacy {
                    self.blocked_why = why;
                    self.reader.block(&target);
                    out(Captured::Count(why));
                } else {
                    self.reader.approve(&target);
                    self.reader.read(e, phase_code(phase));
                    return events + self.drain_pointer(out);
                }
            }
            // Read into the buffer (and drained above), or no pointer event at all.
            0.. => return events,
            _ => {}
        }
        events + 1
    }

    /// Turns every buffered sample into an event, oldest first, and empties the buffer, with
    /// the events the reader kept unread until now (`PointerReader.settle`, a buffer at a time).
    /// Returns the DOM events the samples came from. Key and `input` samples (the reader's
    /// kept events) are of the cached target, whose verdict they take.
    pub fn drain_pointer(&mut self, out: &mut impl FnMut(Captured)) -> u32 {
        let mut events = 0;
        loop {
            let more = self.reader.settle() != 0;
            events += self.drain_buffer(out);
            if !more {
                return events;
            }
        }
    }

    /// Turns the samples in the buffer into events and empties it (see `drain_pointer`). Key
    /// and `input` samples are of the cached key target: the reader kept them while it was the
    /// cleared one, and the boundary drains them before it decides about another.
    fn drain_buffer(&mut self, out: &mut impl FnMut(Captured)) -> u32 {
        let events = self.pointer_buf[0] as u32;
        let n = (self.pointer_buf[1] as usize).min(BUFFERED);
        self.pointer_buf[0] = 0.0;
        self.pointer_buf[1] = 0.0;
        for i in 0..n {
            let mut s = [0.0; PER];
            s.copy_from_slice(&self.pointer_buf[HEAD + PER * i..HEAD + PER * (i + 1)]);
            let phase = s[0] as u32;
            if phase == KEY_DOWN || phase == KEY_UP {
                let read = KeyRead {
                    down: phase == KEY_DOWN,
                    id: s[1] as u32,
                    hash: s[4] as u32,
                    t: s[3],
                    trusted: s[2] != 0.0,
                };
                let flags = s[5] as i32 | if read.trusted { KEY_TRUSTED } else { 0 };
                let c = match uncaptured_key(flags, read.down, None) {
                    Some(c) => Some(c),
                    None => self.key_event(read, self.key_verdict.fixed.clone()),
                };
                if let Some(c) = c {
                    out(c);
                }
                continue;
            }
            if phase == INPUT {
                // Into a password field (as `KeyReader.put` found it), or as the field is now.
                out(if s[5] as i32 & KEY_PASSWORD != 0 {
                    Captured::Count(Uncaptured::Private)
                } else {
                    let el = self.key_verdict.element.clone();
                    self.noted_input(s[1] as u32, el.as_ref())
                });
                continue;
            }
            out(Captured::Event(InputEvent::Pointer(CorePointer {
                phase: phase_of(s[0] as u32),
                kind: match s[1] as u8 {
                    1 => PointerKind::Pen,
                    2 => PointerKind::Touch,
                    _ => PointerKind::Mouse,
                },
                trusted: s[2] != 0.0,
                t: s[3],
                x: s[4],
                y: s[5],
                buttons: s[6] as u16,
                movement: Some((s[7], s[8])),
            })));
        }
        events
    }

    /// Converts a wheel event (`None`: one whose reads throw).
    pub fn wheel(&mut self, e: &web_sys::WheelEvent) -> Option<Captured> {
        if let Some(why) = self.pointer_privacy(e) {
            return Some(Captured::Count(why));
        }
        // Read into the key buffer (`KeyReader.wheel`), guarded: a script's wheel event whose
        // reads throw is left alone, as such a key event is.
        if !self.keys.read_wheel(e) {
            return None;
        }
        Some(Captured::Event(InputEvent::Wheel(WheelEvent {
            t: self.key_buf[0],
            dy: self.key_buf[1],
            trusted: e.is_trusted(),
        })))
    }

    /// Classifies an `input` event: only its `inputType` is read, never its data. Ordinary
    /// typing (one `input` per keystroke) is not counted at all and is decided from `inputType`
    /// alone; only a paste, drop or autofill looks at where it happened (a password field or an
    /// ignored region is counted as such, not as a paste).
    pub fn input(&mut self, e: &Event) -> Option<Captured> {
        match self.keys.input_kind(e) {
            0 => None,
            kind => Some(self.noted_input(kind, self.real_target(e).as_ref())),
        }
    }

    /// A paste (`kind` 1), drop (2) or autofill (3) `input` into `el`: counted as such, or as a
    /// password field or an ignored region where it happened in one.
    fn noted_input(&self, kind: u32, el: Option<&Element>) -> Captured {
        let why = el.and_then(|t| self.privacy(t));
        Captured::Count(why.unwrap_or(match kind {
            1 => Uncaptured::Paste,
            2 => Uncaptured::Drop,
            _ => Uncaptured::Autofill,
        }))
    }
}

/// What a key event with these flags (`KEY_*`, as `KeyReader.read` or `put` set them) on a target
/// whose key events are `ignored` (or not) comes to when it is not captured: a password field or
/// an ignored region (refused: a person's key ends the run of typing), composition or
/// auto-repeat (counted). `None`: captured.
fn uncaptured_key(flags: i32, down: bool, ignored: Option<Uncaptured>) -> Option<Captured> {
    let refused = if flags & KEY_PASSWORD != 0 {
        Some(Uncaptured::Private)
    } else {
        ignored
    };
    if let Some(why) = refused {
        return Some(if flags & KEY_TRUSTED != 0 {
            Captured::Refused(why)
        } else {
            Captured::Count(why)
        });
    }
    if flags & KEY_COMPOSING != 0 {
        return Some(Captured::Count(Uncaptured::Composing));
    }
    if down && flags & KEY_REPEAT != 0 {
        return Some(Captured::Count(Uncaptured::Repeat));
    }
    None
}
