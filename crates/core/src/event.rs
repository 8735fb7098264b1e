//! The one input of the engine: [`InputEvent`].
//!
//! The collector turns every DOM event into an `InputEvent` in a single boundary function. A key
//! event carries a coarse [`KeyClass`] and an opaque press number that pairs a keydown with its
//! keyup; it has no field that could hold a key identity or a character. Pointer events carry
//! positions, which the engine turns into distances, speeds and angles; positions never appear in
//! a [`crate::Summary`].
//!
//! Time is always passed in (`t`, in milliseconds, like `Event.timeStamp`): the core reads no clock.

use serde::{Deserialize, Serialize};

use crate::error::{finite, Error};

/// Coarse key classes (docs/design.md). Enough to tell hands and typing habits apart, too coarse to
/// reconstruct text: 26 letters fold into two classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyClass {
    /// Letters typed by the left hand on a QWERTY layout (q w e r t a s d f g z x c v b).
    LetterLeft,
    /// Letters typed by the right hand (y u i o p h j k l n m).
    LetterRight,
    /// The space bar.
    Space,
    /// Enter / Return.
    Enter,
    /// Backspace or Delete: corrections.
    Delete,
    /// Digits, on the main row or the keypad.
    Digit,
    /// Punctuation and symbols.
    Punctuation,
    /// Shift, Control, Alt, Meta, CapsLock.
    Modifier,
    /// Navigation (arrows, Home, Tab…) and everything else.
    Other,
}

impl KeyClass {
    /// Every class, in index order.
    pub const ALL: [KeyClass; 9] = [
        KeyClass::LetterLeft,
        KeyClass::LetterRight,
        KeyClass::Space,
        KeyClass::Enter,
        KeyClass::Delete,
        KeyClass::Digit,
        KeyClass::Punctuation,
        KeyClass::Modifier,
        KeyClass::Other,
    ];
    /// Number of classes.
    pub const COUNT: usize = Self::ALL.len();

    /// Position in [`KeyClass::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable short name, used in feature names and JSON.
    pub fn name(self) -> &'static str {
        match self {
            KeyClass::LetterLeft => "letter_left",
            KeyClass::LetterRight => "letter_right",
            KeyClass::Space => "space",
            KeyClass::Enter => "enter",
            KeyClass::Delete => "delete",
            KeyClass::Digit => "digit",
            KeyClass::Punctuation => "punctuation",
            KeyClass::Modifier => "modifier",
            KeyClass::Other => "other",
        }
    }

    /// Words for a reviewer ("right-hand letters").
    pub fn describe(self) -> &'static str {
        match self {
            KeyClass::LetterLeft => "left-hand letters",
            KeyClass::LetterRight => "right-hand letters",
            KeyClass::Space => "the space bar",
            KeyClass::Enter => "Enter",
            KeyClass::Delete => "corrections",
            KeyClass::Digit => "digits",
            KeyClass::Punctuation => "punctuation",
            KeyClass::Modifier => "modifier keys",
            KeyClass::Other => "navigation keys",
        }
    }
}

/// What produced a pointer event (`PointerEvent.pointerType`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum PointerKind {
    /// A mouse or touchpad.
    #[default]
    Mouse,
    /// A stylus.
    Pen,
    /// A finger on a touch screen.
    Touch,
}

impl PointerKind {
    /// Every kind.
    pub const ALL: [PointerKind; 3] = [PointerKind::Mouse, PointerKind::Pen, PointerKind::Touch];

    /// Stable short name.
    pub fn name(self) -> &'static str {
        match self {
            PointerKind::Mouse => "mouse",
            PointerKind::Pen => "pen",
            PointerKind::Touch => "touch",
        }
    }
}

/// Pointer phase: `pointerdown`, `pointermove`, `pointerup`, `pointercancel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PointerPhase {
    /// A button went down (or a touch began).
    Down,
    /// The pointer moved.
    Move,
    /// A button came up (or a touch ended).
    Up,
    /// The browser took the gesture over (`pointercancel`: a native drag and drop, a touch pan
    /// or zoom): the press ends, but not by a release, and nothing more of it is seen (Chromium
    /// sends no move until the drop, and the cancel's own position reads 0, 0).
    Cancel,
}

/// A key going down or up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyEvent {
    /// Time in ms (`event.timeStamp`).
    pub t: f64,
    /// `true` for keydown, `false` for keyup.
    pub down: bool,
    /// Coarse class of the key.
    pub class: KeyClass,
    /// Opaque number pairing a keydown with its keyup: the boundary counts presses and hands the
    /// same number to the matching keyup. It says nothing about which key it was.
    pub press: u32,
    /// `event.isTrusted`.
    pub trusted: bool,
}

/// A trusted key event, for the crate's unit tests.
#[cfg(test)]
pub(crate) fn trusted_key(t: f64, down: bool, press: u32, class: KeyClass) -> KeyEvent {
    KeyEvent {
        t,
        down,
        class,
        press,
        trusted: true,
    }
}

/// A pointer going down, moving or going up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointerEvent {
    /// Time in ms.
    pub t: f64,
    /// Down, move, up or cancel.
    pub phase: PointerPhase,
    /// Mouse, pen or touch.
    pub kind: PointerKind,
    /// Position in CSS pixels (used for distances inside the collector, never reported).
    pub x: f64,
    /// Position in CSS pixels.
    pub y: f64,
    /// `PointerEvent.buttons` bit mask.
    pub buttons: u16,
    /// `movementX/Y` where the browser reports them.
    pub movement: Option<(f64, f64)>,
    /// `event.isTrusted`.
    pub trusted: bool,
}

/// A wheel turn (only its timing and size in lines are used).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WheelEvent {
    /// Time in ms.
    pub t: f64,
    /// Vertical scroll in CSS pixels.
    pub dy: f64,
    /// `event.isTrusted`.
    pub trusted: bool,
}

/// The engine's only input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InputEvent {
    /// keydown / keyup.
    Key(KeyEvent),
    /// pointerdown / pointermove / pointerup / pointercancel.
    Pointer(PointerEvent),
    /// wheel.
    Wheel(WheelEvent),
}

impl InputEvent {
    /// The event's time in ms.
    pub fn time(&self) -> f64 {
        match self {
            InputEvent::Key(k) => k.t,
            InputEvent::Pointer(p) => p.t,
            InputEvent::Wheel(w) => w.t,
        }
    }

    /// Moves the event's time back to `max` if it is later (see the collector's use: a script
    /// sets an untrusted event's time as it likes).
    pub fn cap_time(&mut self, max: f64) {
        let t = match self {
            InputEvent::Key(k) => &mut k.t,
            InputEvent::Pointer(p) => &mut p.t,
            InputEvent::Wheel(w) => &mut w.t,
        };
        *t = t.min(max);
    }

    /// `isTrusted` of the DOM event.
    pub fn trusted(&self) -> bool {
        match self {
            InputEvent::Key(k) => k.trusted,
            InputEvent::Pointer(p) => p.trusted,
            InputEvent::Wheel(w) => w.trusted,
        }
    }

    /// Rejects NaN and infinite numbers and negative times: such events never reach a feature.
    pub fn validate(&self) -> Result<(), Error> {
        let t = finite("event time", self.time())?;
        if t < 0.0 {
            return Err(Error::OutOfRange {
                what: "event time",
                value: t,
                allowed: ">= 0 ms",
            });
        }
        match self {
            InputEvent::Key(_) => Ok(()),
            InputEvent::Pointer(p) => {
                finite("pointer x", p.x)?;
                finite("pointer y", p.y)?;
                if let Some((mx, my)) = p.movement {
                    finite("pointer movementX", mx)?;
                    finite("pointer movementY", my)?;
                }
                Ok(())
            }
            InputEvent::Wheel(w) => finite("wheel delta", w.dy).map(|_| ()),
        }
    }
}
