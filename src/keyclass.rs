//! Key identity → coarse key class. This is the only place a key's identity is looked at (besides
//! pairing a keydown with its keyup), and what it returns is one of nine classes.

use telltale_core::KeyClass;

/// The class of a key from `KeyboardEvent.code` (the physical key), falling back to
/// `KeyboardEvent.key` where `code` is empty (some virtual keyboards). Hands follow the QWERTY
/// touch-typing assignment of the physical key, so the class is layout-independent.
pub fn classify(code: &str, key: &str) -> KeyClass {
    if let Some(letter) = code.strip_prefix("Key") {
        return letter_class(letter);
    }
    match code {
        "Space" => KeyClass::Space,
        "Enter" | "NumpadEnter" => KeyClass::Enter,
        "Backspace" | "Delete" => KeyClass::Delete,
        "ShiftLeft" | "ShiftRight" | "ControlLeft" | "ControlRight" | "AltLeft" | "AltRight"
        | "MetaLeft" | "MetaRight" | "CapsLock" | "OSLeft" | "OSRight" => KeyClass::Modifier,
        "Minus" | "Equal" | "BracketLeft" | "BracketRight" | "Backslash" | "Semicolon"
        | "Quote" | "Backquote" | "Comma" | "Period" | "Slash" | "IntlBackslash" | "IntlRo"
        | "IntlYen" | "NumpadAdd" | "NumpadSubtract" | "NumpadMultiply" | "NumpadDivide"
        | "NumpadDecimal" | "NumpadComma" | "NumpadEqual" => KeyClass::Punctuation,
        c if c.starts_with("Digit") || (c.starts_with("Numpad") && c.len() == 7) => KeyClass::Digit,
        "" => from_key(key),
        _ => KeyClass::Other,
    }
}

fn letter_class(letter: &str) -> KeyClass {
    match letter {
        "Q" | "W" | "E" | "R" | "T" | "A" | "S" | "D" | "F" | "G" | "Z" | "X" | "C" | "V" | "B" => {
            KeyClass::LetterLeft
        }
        "Y" | "U" | "I" | "O" | "P" | "H" | "J" | "K" | "L" | "N" | "M" => KeyClass::LetterRight,
        _ => KeyClass::Other,
    }
}

fn from_key(key: &str) -> KeyClass {
    let mut chars = key.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_alphabetic() => {
            letter_class(c.to_ascii_uppercase().encode_utf8(&mut [0; 4]))
        }
        (Some(c), None) if c.is_ascii_digit() => KeyClass::Digit,
        (Some(' '), None) => KeyClass::Space,
        (Some(c), None) if c.is_ascii_punctuation() => KeyClass::Punctuation,
        (Some(_), None) => KeyClass::Other,
        _ => match key {
            "Enter" => KeyClass::Enter,
            "Backspace" | "Delete" => KeyClass::Delete,
            "Shift" | "Control" | "Alt" | "Meta" | "CapsLock" | "AltGraph" => KeyClass::Modifier,
            _ => KeyClass::Other,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert_eq!(classify("KeyA", "a"), KeyClass::LetterLeft);
        assert_eq!(classify("KeyJ", "j"), KeyClass::LetterRight);
        // AZERTY: the physical key decides, not the character
        assert_eq!(classify("KeyQ", "a"), KeyClass::LetterLeft);
        assert_eq!(classify("Digit5", "%"), KeyClass::Digit);
        assert_eq!(classify("Numpad5", "5"), KeyClass::Digit);
        assert_eq!(classify("NumpadEnter", "Enter"), KeyClass::Enter);
        assert_eq!(classify("ShiftRight", "Shift"), KeyClass::Modifier);
        assert_eq!(classify("Period", "."), KeyClass::Punctuation);
        assert_eq!(classify("ArrowLeft", "ArrowLeft"), KeyClass::Other);
        assert_eq!(classify("", "k"), KeyClass::LetterRight);
        assert_eq!(classify("", "Backspace"), KeyClass::Delete);
        assert_eq!(classify("", "é"), KeyClass::Other);
    }
}
