//! Browser tests of the DOM boundary and the collector's lifecycle, in headless Chromium:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --target wasm32-unknown-unknown -p telltale --test web`
//! (scripts/test.sh runs it). Events built here are untrusted (`isTrusted === false`), which the
//! boundary reports as such; trusted input is covered by the Playwright tests.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use telltale::boundary::{Boundary, Captured, Uncaptured};
use telltale::Collector;
use telltale_core::event::PointerPhase;
use telltale_core::{InputEvent, KeyClass};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, KeyboardEvent, KeyboardEventInit, PointerEvent, PointerEventInit};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(module = "/tests/web.js")]
extern "C" {
    fn live_listeners() -> u32;
    fn live_intervals() -> u32;
    /// Shadows `crypto.getRandomValues` with `undefined` (`true`), or shows it again (`false`).
    fn hide_get_random_values(hide: bool);
    fn record_fetch(on: bool);
    /// `[url, authorization, body]` of every request since `record_fetch(true)`.
    fn fetched() -> js_sys::Array;
    /// An `<input type=password>` made by another frame's document, in this page's body.
    fn foreign_password_field() -> JsValue;
    /// A script's key event of `type` whose `timeStamp` getter throws.
    fn throwing_key_event(ty: &str) -> KeyboardEvent;
    /// A script's key event of `type` whose `timeStamp` reads `t`.
    fn key_event_at(ty: &str, t: f64) -> KeyboardEvent;
    /// How many errors reached the page's `error` handlers so far.
    fn errors_reported() -> u32;
    /// Dispatches on `el` a script's event of every kind the collector reads (focus, wheel,
    /// `input`, key, pointer, `pageshow`), each with getters that throw.
    fn dispatch_throwing_events(el: &Element);
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn element(html: &str) -> Element {
    let div = document().create_element("div").unwrap();
    div.set_inner_html(html);
    document().body().unwrap().append_child(&div).unwrap();
    div
}

/// The element under `root` that `selector` names.
fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector).unwrap().unwrap()
}

fn key_event(kind: &str, key: &str, code: &str, repeat: bool, composing: bool) -> KeyboardEvent {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_code(code);
    init.set_repeat(repeat);
    init.set_is_composing(composing);
    init.set_bubbles(true);
    init.set_composed(true);
    KeyboardEvent::new_with_keyboard_event_init_dict(kind, &init).unwrap()
}

/// Dispatches `ev` on `target` and returns what the boundary made of it there.
fn through(b: &Rc<RefCell<Boundary>>, target: &Element, ev: &KeyboardEvent) -> Option<Captured> {
    let got = Rc::new(RefCell::new(None));
    let (g, bb) = (got.clone(), b.clone());
    let down = ev.type_() == "keydown";
    let l = gloo_events::EventListener::new(target, ev.type_(), move |e| {
        *g.borrow_mut() = bb.borrow_mut().key(e.unchecked_ref(), down);
    });
    target.dispatch_event(ev).unwrap();
    drop(l);
    got.take()
}

/// What the boundary makes of an `input` event dispatched on `target`: an `InputEvent` with
/// `input_type`, or a plain `Event` named "input" (Chrome's autofill) for `None`.
fn input_through(
    b: &Rc<RefCell<Boundary>>,
    target: &Element,
    input_type: Option<&str>,
) -> Option<Captured> {
    let ev: web_sys::Event = match input_type {
        Some(t) => {
            let init = web_sys::InputEventInit::new();
            init.set_input_type(t);
            init.set_bubbles(true);
            init.set_composed(true);
            web_sys::InputEvent::new_with_event_init_dict("input", &init)
                .unwrap()
                .into()
        }
        None => web_sys::Event::new("input").unwrap(),
    };
    let got = Rc::new(RefCell::new(None));
    let (g, bb) = (got.clone(), b.clone());
    let l = gloo_events::EventListener::new(target, "input", move |e| {
        *g.borrow_mut() = bb.borrow_mut().input(e);
    });
    target.dispatch_event(&ev).unwrap();
    drop(l);
    got.take()
}

fn key_of(c: Option<Captured>) -> telltale_core::KeyEvent {
    match c {
        Some(Captured::Event(InputEvent::Key(k))) => k,
        other => panic!("expected a key event, got {other:?}"),
    }
}

#[wasm_bindgen_test]
fn key_classes_and_pairing_with_rollover() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let b = Rc::new(RefCell::new(Boundary::new()));
    let a_down = key_of(through(
        &b,
        &ta,
        &key_event("keydown", "a", "KeyA", false, false),
    ));
    let j_down = key_of(through(
        &b,
        &ta,
        &key_event("keydown", "j", "KeyJ", false, false),
    ));
    let a_up = key_of(through(
        &b,
        &ta,
        &key_event("keyup", "a", "KeyA", false, false),
    ));
    let j_up = key_of(through(
        &b,
        &ta,
        &key_event("keyup", "j", "KeyJ", false, false),
    ));
    assert_eq!(a_down.class, KeyClass::LetterLeft);
    assert_eq!(j_down.class, KeyClass::LetterRight);
    assert_eq!(a_down.press, a_up.press, "keyup pairs with its keydown");
    assert_eq!(
        j_down.press, j_up.press,
        "overlapping presses pair correctly"
    );
    assert_ne!(a_down.press, j_down.press);
    assert!(!a_down.trusted, "synthetic events are untrusted");
    // Shift released first: "A" down, "a" up still pair by the physical key.
    let d = key_of(through(
        &b,
        &ta,
        &key_event("keydown", "A", "KeyA", false, false),
    ));
    let u = key_of(through(
        &b,
        &ta,
        &key_event("keyup", "a", "KeyA", false, false),
    ));
    assert_eq!(d.press, u.press);
    for (key, code, class) in [
        (" ", "Space", KeyClass::Space),
        ("Enter", "Enter", KeyClass::Enter),
        ("Backspace", "Backspace", KeyClass::Delete),
        ("7", "Digit7", KeyClass::Digit),
        (",", "Comma", KeyClass::Punctuation),
        ("Shift", "ShiftLeft", KeyClass::Modifier),
        ("ArrowUp", "ArrowUp", KeyClass::Other),
        // No `code` (some virtual keyboards): the key decides, and pairs.
        ("k", "", KeyClass::LetterRight),
        ("Q", "", KeyClass::LetterLeft),
        ("7", "", KeyClass::Digit),
        ("?", "", KeyClass::Punctuation),
        ("Backspace", "", KeyClass::Delete),
        ("é", "", KeyClass::Other),
    ] {
        let k = key_of(through(
            &b,
            &ta,
            &key_event("keydown", key, code, false, false),
        ));
        assert_eq!(k.class, class, "{code} {key}");
        let up = key_of(through(
            &b,
            &ta,
            &key_event("keyup", key, code, false, false),
        ));
        assert_eq!(up.press, k.press, "{code} {key} pairs");
    }
    // A keyup whose keydown was never seen is dropped.
    assert!(through(&b, &ta, &key_event("keyup", "x", "KeyX", false, false)).is_none());
    root.remove();
}

#[wasm_bindgen_test]
fn password_ignored_ime_and_repeat_are_only_counted() {
    let root = element(
        r#"<input type="password"><div data-telltale-ignore><input></div><input id="t" autocomplete="new-password"><textarea></textarea>"#,
    );
    let b = Rc::new(RefCell::new(Boundary::new()));
    let pw = find(&root, "input[type=password]");
    let ignored = find(&root, "[data-telltale-ignore] input");
    let auto = find(&root, "#t");
    let ta = find(&root, "textarea");
    let down = key_event("keydown", "s", "KeyS", false, false);
    assert_eq!(
        through(&b, &pw, &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    assert_eq!(
        through(&b, &auto, &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    // A key in an ignored region is not counted in a summary either: a count as long as a
    // card number or a PIN typed there.
    assert_eq!(
        through(&b, &ignored, &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    // Autofill tokens naming a password or a one-time code, in any case (HTML: ASCII
    // case-insensitive), are password fields; other tokens are not. A text field masked by CSS like a password field
    // (a PIN typed where the browser offers no password saving) is one; unmasked, it is not.
    for (attributes, password) in [
        (r#"autocomplete="section-a NEW-PASSWORD""#, true),
        (r#"autocomplete="Current-Password""#, true),
        (r#"autocomplete="one-time-code""#, true),
        (r#"autocomplete="ONE-TIME-CODE""#, true),
        (r#"autocomplete="one-time""#, false),
        (r#"autocomplete="username""#, false),
        (r#"autocomplete="pass word""#, false),
        (r#"style="-webkit-text-security: disc""#, true),
        (r#"style="-webkit-text-security: square""#, true),
        (r#"style="-webkit-text-security: none""#, false),
        (r#"style="color: red""#, false),
    ] {
        let f = element(&format!("<input type=\"text\" {attributes}>"));
        let field = find(&f, "input");
        let got = through(&b, &field, &down);
        assert_eq!(
            got == Some(Captured::Count(Uncaptured::Private)),
            password,
            "{attributes}: {got:?}"
        );
        f.remove();
    }
    // A show-password toggle turns the field into text: it stays private.
    pw.set_attribute("type", "text").unwrap();
    assert_eq!(
        through(&b, &pw, &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    let ime = key_event("keydown", "Process", "KeyK", false, true);
    assert_eq!(
        through(&b, &ta, &ime),
        Some(Captured::Count(Uncaptured::Composing))
    );
    let rep = key_event("keydown", "s", "KeyS", true, false);
    assert_eq!(
        through(&b, &ta, &rep),
        Some(Captured::Count(Uncaptured::Repeat))
    );
    root.remove();
}

#[wasm_bindgen_test]
fn an_editable_region_with_an_ignored_part_is_ignored_whole() {
    // Key events in an editable region carry the region, never the part the caret is in: a
    // marked part (a card number in a rich-text note) makes the whole region ignored. A region
    // with no mark inside stays captured.
    let root = element(
        r#"<div id="note" contenteditable="true">Card: <span data-telltale-ignore>4111</span></div><div id="plain" contenteditable="true">hello</div>"#,
    );
    let b = Rc::new(RefCell::new(Boundary::new()));
    let down = key_event("keydown", "4", "Digit4", false, false);
    assert_eq!(
        through(&b, &find(&root, "#note"), &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    assert!(matches!(
        through(&b, &find(&root, "#plain"), &down),
        Some(Captured::Event(_))
    ));
    root.remove();
}

#[wasm_bindgen_test]
fn masked_textareas_and_editable_regions_are_password_fields() {
    // Masked by CSS like a password field, a textarea or an editable region is one too.
    let root = element(
        r#"<textarea style="-webkit-text-security: disc"></textarea><div contenteditable="true" style="-webkit-text-security: circle"></div>"#,
    );
    let b = Rc::new(RefCell::new(Boundary::new()));
    let down = key_event("keydown", "s", "KeyS", false, false);
    for selector in ["textarea", "[contenteditable]"] {
        assert_eq!(
            through(&b, &find(&root, selector), &down),
            Some(Captured::Count(Uncaptured::Private)),
            "{selector}"
        );
    }
    root.remove();
}

#[wasm_bindgen_test]
fn an_element_of_another_frame_is_never_captured() {
    // Nothing of this realm recognises it (not an Element here, not an HTMLInputElement): the
    // boundary refuses what it cannot check rather than capture a password field.
    let field: Element = foreign_password_field().unchecked_into();
    let b = Rc::new(RefCell::new(Boundary::new()));
    let down = key_event("keydown", "s", "KeyS", false, false);
    assert_eq!(
        through(&b, &field, &down),
        Some(Captured::Count(Uncaptured::Private))
    );
    field.remove();
}

#[wasm_bindgen_test]
fn an_event_whose_reads_throw_is_left_alone_and_the_boundary_goes_on() {
    let root = element("<textarea></textarea>");
    let ta = find(&root, "textarea");
    let b = Rc::new(RefCell::new(Boundary::new()));
    assert_eq!(through(&b, &ta, &throwing_key_event("keydown")), None);
    let next = through(&b, &ta, &key_event("keydown", "a", "KeyA", false, false));
    assert_eq!(key_of(next).class, KeyClass::LetterLeft);
    root.remove();
}

#[wasm_bindgen_test]
fn a_key_held_while_focus_moves_gives_no_hold() {
    // Tab pressed in one field is released in the next: after focus moved (the collector calls
    // `forget_held`), its keyup pairs with nothing, so no hold spans a password typed between.
    let root = element("<input id=\"a\"><input id=\"b\">");
    let b = Rc::new(RefCell::new(Boundary::new()));
    let tab = |kind: &str| key_event(kind, "Tab", "Tab", false, false);
    assert!(through(&b, &find(&root, "#a"), &tab("keydown")).is_some());
    b.borrow_mut().forget_held();
    assert_eq!(through(&b, &find(&root, "#b"), &tab("keyup")), None);
    // Without a focus change between, the same keys pair.
    assert!(through(&b, &find(&root, "#b"), &tab("keydown")).is_some());
    assert!(through(&b, &find(&root, "#b"), &tab("keyup")).is_some());
    root.remove();
}

#[wasm_bindgen_test]
fn focus_on_a_field_whose_keys_are_not_captured_is_told_apart() {
    // The collector ends the run of typing when focus moves where keys are not captured, and
    // holds back the first keys typed into a text input (its first key may make it a password
    // field).
    let root = element(
        r#"<textarea></textarea><input id="name"><input type="password"><input id="pin" style="-webkit-text-security: disc"><div data-telltale-ignore><input id="private"></div><button>Go</button>"#,
    );
    let b = Boundary::new();
    let focus_on = |selector: &str| {
        let ev = web_sys::Event::new_with_event_init_dict("focusin", &{
            let i = web_sys::EventInit::new();
            i.set_bubbles(true);
            i
        })
        .unwrap();
        find(&root, selector).dispatch_event(&ev).unwrap();
        (b.captures_keys_at(&ev), b.text_input_at(&ev).is_some())
    };
    assert_eq!(focus_on("textarea"), (true, false));
    assert_eq!(focus_on("#name"), (true, true));
    assert!(!focus_on("input[type=password]").0);
    assert!(!focus_on("#pin").0);
    assert!(!focus_on("#private").0);
    assert_eq!(focus_on("button"), (false, false));
    root.remove();
}

#[wasm_bindgen_test]
fn pastes_drops_and_autofills_are_counted_and_typing_is_not() {
    let root = element(
        r#"<textarea></textarea><input type="password"><div data-telltale-ignore><input></div>"#,
    );
    let ta = find(&root, "textarea");
    let pw = find(&root, "input[type=password]");
    let ignored = find(&root, "[data-telltale-ignore] input");
    let b = Rc::new(RefCell::new(Boundary::new()));
    // (`insertFromPasteAsQuotation`, Safari's, cannot be made here: Chromium's `InputEvent`
    // constructor turns an input type it does not know into "".)
    let cases: [(&Element, Option<&str>, Option<Uncaptured>); 12] = [
        // Typing fires one `input` per keystroke: nothing to count (the key events carry it).
        (&ta, Some("insertText"), None),
        (&ta, Some("deleteContentBackward"), None),
        (&ta, Some("insertLineBreak"), None),
        (&pw, Some("insertText"), None),
        (&ignored, Some("insertText"), None),
        (&ta, Some("insertFromPaste"), Some(Uncaptured::Paste)),
        (&ta, Some("insertFromDrop"), Some(Uncaptured::Drop)),
        (
            &ta,
            Some("insertReplacementText"),
            Some(Uncaptured::Autofill),
        ),
        // Chrome's autofill fires a plain `Event`.
        (&ta, None, Some(Uncaptured::Autofill)),
        // Where it happened decides first: a paste into a password field is a password-field
        // event (in no summary), one into an ignored region is counted as ignored.
        (&pw, Some("insertFromPaste"), Some(Uncaptured::Private)),
        (
            &pw,
            Some("insertReplacementText"),
            Some(Uncaptured::Private),
        ),
        (&ignored, Some("insertFromDrop"), Some(Uncaptured::Ignored)),
    ];
    for (target, input_type, want) in cases {
        assert_eq!(
            input_through(&b, target, input_type),
            want.map(Captured::Count),
            "{input_type:?} on {}",
            target.outer_html()
        );
    }
    root.remove();
}

#[wasm_bindgen_test]
fn fixed_text_fields_and_open_shadow_roots() {
    let root = element(
        r#"<input data-telltale-fixed="employee-id"><input id="plain"><div id="host"></div>"#,
    );
    let b = Rc::new(RefCell::new(Boundary::new()));
    let fixed = root.query_selector("input").unwrap().unwrap();
    match through(
        &b,
        &fixed,
        &key_event("keydown", "4", "Digit4", false, false),
    ) {
        Some(Captured::Fixed { field, ev }) => {
            assert_eq!(field, "employee-id");
            assert_eq!(ev.class, KeyClass::Digit);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        through(
            &b,
            &fixed,
            &key_event("keydown", "Enter", "Enter", false, false)
        ),
        Some(Captured::FixedEnd)
    );
    // Tab ends the entry too (focus moves on, and its keyup lands in the next field), and is
    // no part of it; elsewhere it is a key of the class `other` like any.
    assert_eq!(
        through(
            &b,
            &fixed,
            &key_event("keydown", "Tab", "Tab", false, false)
        ),
        Some(Captured::FixedEnd)
    );
    let plain = root.query_selector("#plain").unwrap().unwrap();
    let tab = key_of(through(
        &b,
        &plain,
        &key_event("keydown", "Tab", "Tab", false, false),
    ));
    assert_eq!(tab.class, KeyClass::Other);
    // A password field inside an open shadow root is still recognised.
    let host = root.query_selector("#host").unwrap().unwrap();
    let shadow = host
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .unwrap();
    shadow.set_inner_html(r#"<input type="password">"#);
    let inner = shadow.query_selector("input").unwrap().unwrap();
    let got = Rc::new(RefCell::new(None));
    let (g, bb) = (got.clone(), b.clone());
    // Listen on the host, as the collector listens on `document`: the target is retargeted.
    let l = gloo_events::EventListener::new(&host, "keydown", move |e| {
        *g.borrow_mut() = bb.borrow_mut().key(e.unchecked_ref(), true);
    });
    inner
        .dispatch_event(&key_event("keydown", "s", "KeyS", false, false))
        .unwrap();
    drop(l);
    assert_eq!(got.take(), Some(Captured::Count(Uncaptured::Private)));
    root.remove();
}

#[wasm_bindgen_test]
fn keys_are_captured_only_where_they_are_typing() {
    let root = element(
        r#"<input type="email"><input type="checkbox"><button>b</button><div contenteditable="true"></div><x-login></x-login>"#,
    );
    let b = Rc::new(RefCell::new(Boundary::new()));
    let down = key_event("keydown", "s", "KeyS", false, false);
    let typed = |c: Option<Captured>| matches!(c, Some(Captured::Event(InputEvent::Key(_))));
    assert!(typed(through(&b, &find(&root, "[type=email]"), &down)));
    assert!(typed(through(&b, &find(&root, "[contenteditable]"), &down)));
    assert!(typed(through(&b, &document().body().unwrap(), &down)));
    // An ignore mark elsewhere in the page (a card field) leaves keys typed with nothing focused
    // captured: the body is no editable region with a marked part.
    let marked = element(r#"<section data-telltale-ignore><input></section>"#);
    let b = Rc::new(RefCell::new(Boundary::new()));
    assert!(typed(through(&b, &document().body().unwrap(), &down)));
    marked.remove();
    // Elsewhere keys are not captured, and counted only as a password field's are (locally):
    // such an element may hide one.
    for not_typing in ["[type=checkbox]", "button"] {
        assert_eq!(
            through(&b, &find(&root, not_typing), &down),
            Some(Captured::Count(Uncaptured::Private)),
            "{not_typing}"
        );
    }
    // A password field inside a closed shadow root: a listener outside sees only the host (the
    // event is retargeted), so nothing says it is a password field. Not captured, and not
    // counted in a summary (a count would be as long as the password).
    let host = find(&root, "x-login");
    let shadow = host
        .attach_shadow(&web_sys::ShadowRootInit::new(
            web_sys::ShadowRootMode::Closed,
        ))
        .unwrap();
    shadow.set_inner_html(r#"<input type="password">"#);
    let inner = shadow.query_selector("input").unwrap().unwrap();
    let got = Rc::new(RefCell::new(None));
    let (g, bb) = (got.clone(), b.clone());
    let l = gloo_events::EventListener::new(&document(), "keydown", move |e| {
        *g.borrow_mut() = bb.borrow_mut().key(e.unchecked_ref(), true);
    });
    inner.dispatch_event(&down).unwrap();
    drop(l);
    assert_eq!(got.take(), Some(Captured::Count(Uncaptured::Private)));
    root.remove();
}

#[wasm_bindgen_test]
fn coalesced_pointer_events_are_expanded() {
    let root = element("<div style='width:100px;height:100px'></div>");
    let target = root.first_element_child().unwrap();
    let part = |x: i32| {
        let i = PointerEventInit::new();
        i.set_client_x(x);
        i.set_client_y(2 * x);
        i.set_pointer_type("pen");
        PointerEvent::new_with_event_init_dict("pointermove", &i).unwrap()
    };
    let parts = js_sys::Array::of3(&part(1), &part(2), &part(3));
    let init = PointerEventInit::new();
    init.set_client_x(3);
    init.set_client_y(6);
    init.set_pointer_type("pen");
    init.set_bubbles(true);
    init.set_coalesced_events(&parts);
    let ev = PointerEvent::new_with_event_init_dict("pointermove", &init).unwrap();
    let out = Rc::new(RefCell::new(Vec::new()));
    let b = Rc::new(RefCell::new(Boundary::new()));
    let (o, bb) = (out.clone(), b.clone());
    let l = gloo_events::EventListener::new(&target, "pointermove", move |e| {
        bb.borrow_mut()
            .pointer(e.unchecked_ref(), PointerPhase::Move, &mut |c| {
                o.borrow_mut().push(c)
            });
    });
    target.dispatch_event(&ev).unwrap();
    drop(l);
    let xs: Vec<(f64, f64)> = out
        .borrow()
        .iter()
        .map(|c| match c {
            Captured::Event(InputEvent::Pointer(p)) => {
                assert_eq!(p.kind, telltale_core::PointerKind::Pen);
                assert!(!p.trusted);
                (p.x, p.y)
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(xs, vec![(1.0, 2.0), (2.0, 4.0), (3.0, 6.0)]);
    root.remove();
}

/// A boundary fed by pointerdown/move/up/cancel listeners on `root` (read through
/// `Boundary::pointer`), and what it captured; the listeners go when the vector is dropped.
fn pointer_listeners(
    root: &Element,
) -> (Rc<RefCell<Vec<Captured>>>, Vec<gloo_events::EventListener>) {
    let out = Rc::new(RefCell::new(Vec::new()));
    let boundary = Rc::new(RefCell::new(Boundary::new()));
    let listeners = [
        ("pointerdown", PointerPhase::Down),
        ("pointermove", PointerPhase::Move),
        ("pointerup", PointerPhase::Up),
        ("pointercancel", PointerPhase::Cancel),
    ]
    .into_iter()
    .map(|(ty, phase)| {
        let (o, b) = (out.clone(), boundary.clone());
        gloo_events::EventListener::new(root, ty, move |e| {
            b.borrow_mut()
                .pointer(e, phase, &mut |c| o.borrow_mut().push(c));
        })
    })
    .collect();
    (out, listeners)
}

/// A bubbling pointer event of type `ty` at `clientX` `x` with `buttons`.
fn pointer_event(ty: &str, x: i32, buttons: u16) -> PointerEvent {
    let i = PointerEventInit::new();
    i.set_client_x(x);
    i.set_buttons(buttons);
    i.set_bubbles(true);
    PointerEvent::new_with_event_init_dict(ty, &i).unwrap()
}

#[wasm_bindgen_test]
fn after_a_release_the_boundary_may_not_read_the_next_move_has_no_button() {
    // Pressed over `a`, released over the ignored `b` (the boundary reads nothing of it), moved
    // over `a` again: that move says no button is down, which tells the segmenter that the
    // press is over (telltale-core's `Segmenter`), without anything of the refused release.
    let root = element("<div id='a'></div><div data-telltale-ignore><span id='b'></span></div>");
    let a = root.query_selector("#a").unwrap().unwrap();
    let b = root.query_selector("#b").unwrap().unwrap();
    let (out, listeners) = pointer_listeners(&root);
    for (el, ty, x, buttons) in [
        (&a, "pointerdown", 3, 1),
        (&a, "pointermove", 9, 1),
        (&b, "pointerup", 40, 0),
        (&a, "pointermove", 12, 0),
    ] {
        el.dispatch_event(&pointer_event(ty, x, buttons)).unwrap();
    }
    drop(listeners);
    let got: Vec<String> = out
        .borrow()
        .iter()
        .map(|c| match c {
            Captured::Event(InputEvent::Pointer(p)) => {
                format!("{:?} x{} b{}", p.phase, p.x, p.buttons)
            }
            Captured::Count(why) => format!("{why:?}"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, ["Down x3 b1", "Move x9 b1", "Ignored", "Move x12 b0"]);
    root.remove();
}

#[wasm_bindgen_test]
fn pointer_events_over_ignored_regions_are_only_counted() {
    let root = element("<div id='a'></div><div data-telltale-ignore><span id='b'></span></div>");
    let a = root.query_selector("#a").unwrap().unwrap();
    let b = root.query_selector("#b").unwrap().unwrap();
    let out = Rc::new(RefCell::new(Vec::new()));
    let boundary = Rc::new(RefCell::new(Boundary::new()));
    let (o, bb) = (out.clone(), boundary.clone());
    let l = gloo_events::EventListener::new(&root, "pointermove", move |e| {
        bb.borrow_mut()
            .pointer(e, PointerPhase::Move, &mut |c| o.borrow_mut().push(c));
    });
    let mv = |x: i32| {
        let i = PointerEventInit::new();
        i.set_client_x(x);
        i.set_bubbles(true);
        PointerEvent::new_with_event_init_dict("pointermove", &i).unwrap()
    };
    for (el, x) in [(&a, 1), (&b, 2), (&b, 3), (&a, 4), (&a, 5)] {
        el.dispatch_event(&mv(x)).unwrap();
    }
    // After a focus change every target is decided again: `a` is now ignored too.
    a.set_attribute("data-telltale-ignore", "").unwrap();
    a.dispatch_event(&mv(6)).unwrap();
    boundary.borrow_mut().forget_targets();
    a.dispatch_event(&mv(7)).unwrap();
    // A page's own `new Event('pointermove')` is no pointer event: nothing to read.
    let plain = web_sys::Event::new_with_event_init_dict("pointermove", &{
        let i = web_sys::EventInit::new();
        i.set_bubbles(true);
        i
    })
    .unwrap();
    a.dispatch_event(&plain).unwrap();
    drop(l);
    let got: Vec<String> = out
        .borrow()
        .iter()
        .map(|c| match c {
            Captured::Event(InputEvent::Pointer(p)) => format!("x{}", p.x),
            Captured::Count(why) => format!("{why:?}"),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        ["x1", "Ignored", "Ignored", "x4", "x5", "x6", "Ignored"]
    );
    root.remove();
}

/// Summaries a test collector delivered.
type Delivered = Rc<RefCell<Vec<JsValue>>>;

/// A started collector whose summaries land in the returned list (keep the closure alive).
fn collecting() -> (Collector, Delivered, Closure<dyn FnMut(JsValue)>) {
    let summaries = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let s = summaries.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |v| s.borrow_mut().push(v));
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"onSummary".into(), cb.as_ref()).unwrap();
    let c = Collector::new(opts.into()).unwrap();
    c.start();
    (c, summaries, cb)
}

/// A script types 50 keys into `el` (untrusted key events): more than a free-text window needs
/// (`MIN_WINDOW_KEYS`), so that none being one is the untrusted rule's doing.
fn script_typing(el: &Element) {
    for i in 0..50 {
        let code = if i % 2 == 0 { "KeyA" } else { "KeyL" };
        el.dispatch_event(&key_event("keydown", "a", code, false, false))
            .unwrap();
        el.dispatch_event(&key_event("keyup", "a", code, false, false))
            .unwrap();
    }
}

/// The collector's `stats().untrusted`.
fn untrusted(c: &Collector) -> f64 {
    stat(c, "untrusted")
}

/// A text input in the page, a started collector, and the first key typed there (which clears
/// the field for the reader: the next key events there are kept and read in batches).
fn cleared_text_field() -> (Element, Element, Collector, Closure<dyn FnMut(JsValue)>) {
    let root = element(r#"<input type="text" id="t"><input type="text" id="p">"#);
    let input = find(&root, "#t");
    let (c, _summaries, cb) = collecting();
    input
        .dispatch_event(&key_event("keydown", "a", "KeyA", false, false))
        .unwrap();
    (root, input, c, cb)
}

/// Five keys (ten key events: fewer than the 16 kept before a batch is read) into `el`.
fn five_keys(el: &Element) -> Vec<KeyboardEvent> {
    let mut sent = Vec::new();
    for _ in 0..5 {
        for ty in ["keydown", "keyup"] {
            let ev = key_event(ty, "a", "KeyA", false, false);
            el.dispatch_event(&ev).unwrap();
            sent.push(ev);
        }
    }
    sent
}

/// `stats()` counter `name` of `stats`.
fn count(stats: &JsValue, name: &str) -> f64 {
    field(stats, name).as_f64().unwrap()
}

#[wasm_bindgen_test]
fn keys_kept_while_a_field_was_a_password_field_are_not_captured_even_if_it_was_toggled_back() {
    // The reader keeps a cleared field's key events and reads them in batches: whether the
    // field is a password field is decided then, as it is and as it was since (a show-password
    // toggle back to text before the batch is read, its change not yet reported to the
    // observer, since nothing here lets the page's microtasks run). Read by `stats()`, and by
    // `stop()`, which removes the observer first.
    for stop_first in [false, true] {
        let (root, input, c, _cb) = cleared_text_field();
        input.set_attribute("type", "password").unwrap();
        five_keys(&input);
        input.set_attribute("type", "text").unwrap();
        if stop_first {
            c.stop();
        }
        let stats = c.stats();
        // Not one of the 10 key events typed while it was a password field is captured (an
        // untrusted event captured is counted in `untrusted`); they are counted as a password
        // field's (`ignored`). The first key may be either: it was typed into a text field
        // that was a password field by the time it was read.
        assert!(
            count(&stats, "untrusted") <= 1.0,
            "{stop_first}: {:?}",
            stats
        );
        assert!(
            count(&stats, "ignored") >= 10.0,
            "{stop_first}: {:?}",
            stats
        );
        c.stop();
        root.remove();
    }
}

#[wasm_bindgen_test]
fn keys_kept_in_a_field_removed_or_dispatched_again_elsewhere_are_not_captured() {
    // A field removed from the page before its keys are read: what became of it is no longer
    // seen, so its kept keys are refused.
    let (root, input, c, _cb) = cleared_text_field();
    five_keys(&input);
    input.remove();
    let stats = c.stats();
    assert!(count(&stats, "untrusted") <= 1.0, "{:?}", stats);
    assert!(count(&stats, "ignored") >= 10.0, "{:?}", stats);
    c.stop();
    root.remove();
    // Key events typed into a field made a password field, dispatched again by the page on a
    // text field before they are read: their target and `isTrusted` are now the second
    // dispatch's, and they are refused, not taken as typed into the text field.
    let (root, input, c, _cb) = cleared_text_field();
    input.set_attribute("type", "password").unwrap();
    let sent = five_keys(&input);
    let other = find(&root, "#p");
    for ev in &sent {
        other.dispatch_event(ev).unwrap();
    }
    let stats = c.stats();
    // Captured: the first key, and the ten dispatched on the text field (as such).
    assert!(count(&stats, "untrusted") <= 11.0, "{:?}", stats);
    assert!(count(&stats, "ignored") >= 10.0, "{:?}", stats);
    c.stop();
    root.remove();
}

#[wasm_bindgen_test]
fn untrusted_events_are_counted_not_featured() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let (c, summaries, _cb) = collecting();
    script_typing(&ta);
    let _ = c.flush();
    c.stop();
    assert_eq!(untrusted(&c), 100.0);
    let got = summaries.borrow();
    assert_eq!(got.len(), 1);
    let keys = js_sys::Reflect::get(&got[0], &"keys".into()).unwrap();
    assert!(keys.is_null(), "untrusted key events never become features");
    root.remove();
}

#[wasm_bindgen_test]
fn a_scripts_pagehide_or_pageshow_closes_no_window() {
    // Only the browser's own: a script's, every few seconds, would keep every window too sparse
    // to be summarised.
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let (c, summaries, _cb) = collecting();
    script_typing(&ta);
    let window = web_sys::window().unwrap();
    window
        .dispatch_event(&web_sys::Event::new("pagehide").unwrap())
        .unwrap();
    let init = web_sys::PageTransitionEventInit::new();
    init.set_persisted(true);
    window
        .dispatch_event(
            &web_sys::PageTransitionEvent::new_with_event_init_dict("pageshow", &init).unwrap(),
        )
        .unwrap();
    assert_eq!(summaries.borrow().len(), 0, "no window closed");
    let _ = c.flush();
    c.stop();
    assert_eq!(summaries.borrow().len(), 1);
    root.remove();
}

#[wasm_bindgen_test]
fn a_scripts_event_dated_far_ahead_holds_no_window_open() {
    // Its time is taken as now at the latest: the window it is in closes when it should.
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let (c, summaries, _cb) = collecting();
    ta.dispatch_event(&key_event_at("keydown", 1e300)).unwrap();
    let _ = c.flush();
    c.stop();
    let got = summaries.borrow();
    assert_eq!(got.len(), 1);
    let end = field(&got[0], "end_ms").as_f64().unwrap();
    assert!(end < 1e9, "the window ends now, not at {end}");
    root.remove();
}

/// A field of a record the collector handed out.
fn field(record: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(record, &name.into()).unwrap()
}

#[wasm_bindgen_test]
fn each_collector_draws_its_own_page_id_and_numbers_its_summaries_from_0() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    // Two collectors on one page under one token (as after a reload, or in a second tab).
    let (a, from_a, _cb_a) = collecting();
    let (b, from_b, _cb_b) = collecting();
    for _ in 0..2 {
        for _ in 0..10 {
            ta.dispatch_event(&key_event("keydown", "a", "KeyA", false, false))
                .unwrap();
            ta.dispatch_event(&key_event("keyup", "a", "KeyA", false, false))
                .unwrap();
        }
        let _ = a.flush();
        let _ = b.flush();
    }
    a.stop();
    b.stop();
    let mut pages = Vec::new();
    for got in [from_a, from_b] {
        let got = got.borrow();
        let seqs: Vec<f64> = got
            .iter()
            .map(|s| field(s, "seq").as_f64().unwrap())
            .collect();
        assert_eq!(seqs, [0.0, 1.0], "numbered from 0 by each collector");
        let page = field(&got[0], "page").as_string().unwrap();
        assert_eq!(page.len(), 32, "{page}");
        assert!(
            page.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)),
            "{page}"
        );
        for s in got.iter() {
            assert_eq!(field(s, "page").as_string().as_deref(), Some(page.as_str()));
            assert_eq!(field(s, "schema").as_f64(), Some(2.0));
        }
        pages.push(page);
    }
    assert_ne!(pages[0], pages[1], "each collector draws its own page id");
    root.remove();
}

#[wasm_bindgen_test]
fn without_crypto_get_random_values_construction_fails_saying_so() {
    hide_get_random_values(true);
    let made = Collector::new(JsValue::UNDEFINED);
    hide_get_random_values(false);
    // No fallback on a weaker source: a page id must be unguessable.
    let e = made.err().expect("a collector without a random page id");
    assert!(e.is_instance_of::<js_sys::Error>());
    let message = field(&e, "message").as_string().unwrap();
    assert!(
        message.contains("crypto.getRandomValues is not available"),
        "{message}"
    );
    assert!(Collector::new(JsValue::UNDEFINED).is_ok());
}

#[wasm_bindgen_test]
fn events_whose_reads_throw_reach_neither_the_page_nor_the_collectors_state() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let (c, summaries, _cb) = collecting();
    let before = errors_reported();
    dispatch_throwing_events(&ta);
    dispatch_throwing_events(&document().body().unwrap());
    assert_eq!(errors_reported(), before, "nothing thrown into the page");
    // The collector goes on: typing after them is counted and summarised.
    script_typing(&ta);
    let _ = c.flush();
    c.stop();
    let n = untrusted(&c);
    assert!(n >= 100.0, "untrusted {n}");
    assert_eq!(summaries.borrow().len(), 1);
    assert_eq!(errors_reported(), before);
    root.remove();
}

#[wasm_bindgen_test]
fn a_hundred_start_stop_cycles_leave_no_listener_or_timer_and_free_the_state() {
    let before = live_listeners();
    let intervals = live_intervals();
    let c = Collector::new(JsValue::UNDEFINED).unwrap();
    for _ in 0..100 {
        c.start();
        c.start(); // idempotent
        assert!(c.running());
        c.stop();
        c.stop();
        assert!(!c.running());
    }
    c.start();
    assert_eq!(
        c.state_refs().0,
        2,
        "a running collector holds its own state (the page may drop its handle)"
    );
    assert!(
        live_listeners() > before,
        "the instrumentation sees the collector's listeners"
    );
    assert_eq!(
        live_intervals(),
        intervals + 1,
        "one window timer while running"
    );
    c.stop();
    assert_eq!(live_listeners(), before, "every listener removed");
    assert_eq!(live_intervals(), intervals, "the window timer cleared");
    assert_eq!(
        c.state_refs(),
        (1, 0),
        "nothing but the collector holds its state"
    );
}

/// An enrolled profile, as the server would store it.
fn enrolled_profile() -> telltale_core::Profile {
    use telltale_core::{features::timing_vector, FixedSample, WindowConfig, Windower};
    let mut p = telltale_core::Profile::default();
    for k in 0..30u32 {
        let mut w = Windower::new(WindowConfig::default(), "tok", "0123456789abcdef");
        let presses: Vec<(f64, f64)> = (0..6u32)
            .map(|i| {
                let t = f64::from(i * 170 + (k * 7 + i * 13) % 29);
                (t, t + 80.0 + f64::from((k + i) % 11))
            })
            .collect();
        w.push_fixed(FixedSample {
            field: "employee-id".into(),
            edited: false,
            timings: timing_vector(&presses),
        });
        p.learn(&w.flush(1.0).unwrap()).unwrap();
    }
    p
}

#[wasm_bindgen_test]
fn profiles_load_from_the_servers_json_and_bad_ones_are_named() {
    let profile = enrolled_profile();
    let want = profile.scorer();
    assert_eq!(want.fixed.len(), 1, "the field is enrolled");
    let json = serde_json::to_string(&want.pack()).unwrap();
    let c = Collector::new(JsValue::UNDEFINED).unwrap();
    c.set_profile(js_sys::JSON::parse(&json).unwrap()).unwrap();
    assert_eq!(c.profile(), Some(want.clone()));

    let message = |v: JsValue| -> String {
        let e = c.set_profile(v).unwrap_err();
        assert!(e.is_instance_of::<js_sys::TypeError>());
        js_sys::Reflect::get(&e, &"message".into())
            .unwrap()
            .as_string()
            .unwrap()
    };
    let parse = |v: &serde_json::Value| js_sys::JSON::parse(&v.to_string()).unwrap();
    let good: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut bad = good.clone();
    bad["nums"][3] = "x".into();
    assert_eq!(
        message(parse(&bad)),
        "telltale: not a profile: `nums` must hold only numbers"
    );
    let mut bad = good.clone();
    bad["names"][0] = 1.into();
    assert_eq!(
        message(parse(&bad)),
        "telltale: not a profile: `names` must hold only strings"
    );
    // The number of fixed-text fields, the first number of the walk (see telltale_core::pack).
    let mut bad = good.clone();
    bad["nums"][0] = 0.5.into();
    assert!(message(parse(&bad))
        .starts_with("telltale: not a profile: nums[0]: expected a whole number from 0 to "));
    let mut bad = good.clone();
    bad["nums"].as_array_mut().unwrap().push(1.into());
    assert!(message(parse(&bad)).ends_with("left over after the profile"));
    // What scoring divides by: the field's timing scale, its second number, must be positive.
    let mut bad = good.clone();
    bad["nums"][1] = 0.into();
    assert_eq!(
        message(parse(&bad)),
        "telltale: not a profile: nums[1]: expected a positive number"
    );
    // A scorer compiled for another scoring model.
    let mut bad = good;
    bad["names"][0] = "telltale-0".into();
    assert_eq!(
        message(parse(&bad)),
        "telltale: not a profile: names[0]: made by scoring model telltale-0, not telltale-12"
    );
    // The profile's own JSON (serde's, as the server stores it) is not the packed form.
    let stored = serde_json::to_value(&profile).unwrap();
    assert_eq!(
        message(parse(&stored)),
        "telltale: not a profile: expected an object with the arrays `names` and `nums`"
    );
    assert!(message(JsValue::from_str("{}")).contains("expected an object"));
    assert!(message(JsValue::NULL).contains("expected an object"));
    // A refused profile leaves the loaded one in place.
    assert_eq!(c.profile(), Some(enrolled_profile().scorer()));
}

#[wasm_bindgen_test]
fn buffered_pointer_samples_are_all_taken_and_counted() {
    let root = element("<div style='width:50px;height:50px'></div>");
    let target = root.first_element_child().unwrap();
    let (c, summaries, _cb) = collecting();
    // More moves than the JavaScript buffer holds: it is drained when full, without loss.
    for x in 0..300 {
        let i = PointerEventInit::new();
        i.set_client_x(x);
        i.set_bubbles(true);
        target
            .dispatch_event(&PointerEvent::new_with_event_init_dict("pointermove", &i).unwrap())
            .unwrap();
    }
    let stat = |name: &str| {
        js_sys::Reflect::get(&c.stats(), &name.into())
            .unwrap()
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        stat("events"),
        300.0,
        "buffered samples count once stats() is read"
    );
    assert_eq!(stat("untrusted"), 300.0);
    let _ = c.flush();
    c.stop();
    let got = summaries.borrow();
    assert_eq!(got.len(), 1);
    let counts = js_sys::Reflect::get(&got[0], &"counts".into()).unwrap();
    let events = js_sys::Reflect::get(&counts, &"events".into()).unwrap();
    assert_eq!(events.as_f64(), Some(300.0));
    root.remove();
}

#[wasm_bindgen_test]
fn a_dropped_boundary_leaves_its_reader_inert() {
    let before = live_listeners();
    let b = Boundary::new();
    let reader = b.pointer_reader().clone();
    let called = Rc::new(std::cell::Cell::new(0));
    let c = called.clone();
    let deliver = Closure::<dyn FnMut(i32, u32, JsValue)>::new(move |_, _, _| c.set(c.get() + 1));
    let root = element("<div></div>");
    reader.attach(&root, deliver.as_ref().unchecked_ref());
    assert_eq!(live_listeners(), before + 4); // pointerdown, move, up, cancel
                                              // The boundary's buffer is freed with it: the reader stops listening and never writes.
    drop(b);
    assert_eq!(live_listeners(), before);
    let init = PointerEventInit::new();
    init.set_bubbles(true);
    root.dispatch_event(&PointerEvent::new_with_event_init_dict("pointerdown", &init).unwrap())
        .unwrap();
    assert_eq!(called.get(), 0);
    root.remove();
}

#[wasm_bindgen_test]
fn buttons_are_read_while_a_press_lasts() {
    let root = element("<div></div>");
    let (out, listeners) = pointer_listeners(&root);
    let ev = |ty: &str, buttons: u16| pointer_event(ty, 0, buttons);
    // A hover, a press, a drag, a release, a hover with a (stale) button flag; then a press the
    // browser cancels (a native drag) and a hover after it.
    for (ty, buttons) in [
        ("pointermove", 0),
        ("pointerdown", 1),
        ("pointermove", 1),
        ("pointerup", 0),
        ("pointermove", 1),
        ("pointerdown", 1),
        ("pointermove", 1),
        ("pointercancel", 0),
        ("pointermove", 1),
    ] {
        root.dispatch_event(&ev(ty, buttons)).unwrap();
    }
    drop(listeners);
    let got: Vec<(PointerPhase, u16)> = out
        .borrow()
        .iter()
        .map(|c| match c {
            Captured::Event(InputEvent::Pointer(p)) => (p.phase, p.buttons),
            other => panic!("{other:?}"),
        })
        .collect();
    use PointerPhase::{Cancel, Down, Move, Up};
    assert_eq!(
        got,
        [
            (Move, 0),
            (Down, 1),
            (Move, 1),
            (Up, 0),
            (Move, 0),
            (Down, 1),
            (Move, 1),
            (Cancel, 0),
            (Move, 0)
        ]
    );
    root.remove();
}

/// Ten key presses in `ta`, then a flush: one summary.
fn type_and_flush(c: &Collector, ta: &Element) {
    for _ in 0..10 {
        ta.dispatch_event(&key_event("keydown", "a", "KeyA", false, false))
            .unwrap();
        ta.dispatch_event(&key_event("keyup", "a", "KeyA", false, false))
            .unwrap();
    }
    let _ = c.flush();
}

fn stat(c: &Collector, name: &str) -> f64 {
    field(&c.stats(), name).as_f64().unwrap()
}

#[wasm_bindgen_test]
fn a_token_given_later_is_checked_and_the_held_summaries_are_sent_under_it() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    record_fetch(true);
    let summaries = Rc::new(RefCell::new(Vec::<JsValue>::new()));
    let s = summaries.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |v| s.borrow_mut().push(v));
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"endpoint".into(), &"/v1/summaries".into()).unwrap();
    js_sys::Reflect::set(&opts, &"onSummary".into(), cb.as_ref()).unwrap();
    // An endpoint without a token (a login page): summaries are made, and held.
    let c = Collector::new(opts.into()).unwrap();
    c.start();
    type_and_flush(&c, &ta);
    type_and_flush(&c, &ta);
    assert_eq!(fetched().length(), 0, "nothing is sent without a token");
    assert_eq!((stat(&c, "queued"), stat(&c, "summaries")), (2.0, 2.0));
    assert_eq!(
        field(&summaries.borrow()[0], "session")
            .as_string()
            .unwrap(),
        ""
    );
    // The token obeys the option's rules.
    for bad in [
        JsValue::from(5),
        "".into(),
        "a b".into(),
        "t".repeat(513).into(),
    ] {
        let e = c.set_session_token(bad).unwrap_err();
        assert!(e.is_instance_of::<js_sys::TypeError>());
        let message = field(&e, "message").as_string().unwrap();
        assert!(
            message.contains("the session token must be 1 to 512 visible ASCII characters"),
            "{message}"
        );
    }
    // Given: the held summaries go at once, stamped with it, in one batch under it.
    c.set_session_token("tok-later".into()).unwrap();
    let sent = fetched();
    assert_eq!(sent.length(), 1);
    let request = js_sys::Array::from(&sent.get(0));
    assert_eq!(request.get(0).as_string().unwrap(), "/v1/summaries");
    assert_eq!(request.get(1).as_string().unwrap(), "Bearer tok-later");
    let batch =
        js_sys::Array::from(&js_sys::JSON::parse(&request.get(2).as_string().unwrap()).unwrap());
    assert_eq!(batch.length(), 2);
    for (i, s) in batch.iter().enumerate() {
        assert_eq!(field(&s, "session").as_string().unwrap(), "tok-later");
        assert_eq!(field(&s, "seq").as_f64(), Some(i as f64));
    }
    // One collector, one session: a second token is refused, and changes nothing.
    let e = c.set_session_token("tok-other".into()).unwrap_err();
    assert!(!e.is_instance_of::<js_sys::TypeError>());
    assert!(field(&e, "message")
        .as_string()
        .unwrap()
        .contains("has a session token already"));
    // What is made from now on carries the token.
    type_and_flush(&c, &ta);
    let last = summaries.borrow().last().cloned().unwrap();
    assert_eq!(field(&last, "session").as_string().unwrap(), "tok-later");
    assert_eq!(field(&last, "seq").as_f64(), Some(2.0));
    c.stop();
    record_fetch(false);
    root.remove();
}

#[wasm_bindgen_test]
fn summaries_held_for_a_token_are_bounded_by_max_queue() {
    let root = element("<textarea></textarea>");
    let ta = root.first_element_child().unwrap();
    let opts = js_sys::Object::new();
    js_sys::Reflect::set(&opts, &"endpoint".into(), &"/v1/summaries".into()).unwrap();
    js_sys::Reflect::set(&opts, &"maxQueue".into(), &2.into()).unwrap();
    let c = Collector::new(opts.into()).unwrap();
    c.start();
    for _ in 0..3 {
        type_and_flush(&c, &ta);
    }
    // The oldest goes first, counted.
    assert_eq!((stat(&c, "queued"), stat(&c, "dropped")), (2.0, 1.0));
    // Freed without a token (a failed login): nothing was sent, nothing is left.
    c.stop();
    assert_eq!(stat(&c, "sent"), 0.0);
    drop(c);
    root.remove();
}
