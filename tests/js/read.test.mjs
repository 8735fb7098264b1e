// Unit tests of src/read.js's key classes (`keyClass`): the one place key identity is read.
// The browser tests (tests/web.rs) check the same classes end to end, through the boundary, as
// telltale-core's `KeyClass` values. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyClass } from '../../src/read.js';

// telltale-core's `KeyClass::ALL`, in order.
const [LETTER_LEFT, LETTER_RIGHT, SPACE, ENTER, DELETE, DIGIT, PUNCTUATION, MODIFIER, OTHER] =
  [0, 1, 2, 3, 4, 5, 6, 7, 8];
const LEFT = [...'qwertasdfgzxcvb'];
const RIGHT = [...'yuiophjklnm'];

test('letters go by hand, from the physical key first', () => {
  assert.equal(LEFT.length + RIGHT.length, 26);
  for (const l of LEFT) assert.equal(keyClass(`Key${l.toUpperCase()}`, l), LETTER_LEFT, l);
  for (const l of RIGHT) assert.equal(keyClass(`Key${l.toUpperCase()}`, l), LETTER_RIGHT, l);
  // The physical key decides, not the layout's character (AZERTY's A is QWERTY's Q).
  assert.equal(keyClass('KeyQ', 'a'), LETTER_LEFT);
  assert.equal(keyClass('KeyJ', 'A'), LETTER_RIGHT);
  // Not a letter key.
  for (const code of ['Key', 'KeyAB', 'Keya', 'KeyÄ']) assert.equal(keyClass(code, 'a'), OTHER, code);
});

test('codes of every other class', () => {
  const cases = [
    ['Space', SPACE], ['Enter', ENTER], ['NumpadEnter', ENTER], ['Backspace', DELETE],
    ['Delete', DELETE], ['Digit0', DIGIT], ['Digit9', DIGIT], ['Numpad5', DIGIT],
    ...['ShiftLeft', 'ShiftRight', 'ControlLeft', 'ControlRight', 'AltLeft', 'AltRight', 'MetaLeft',
      'MetaRight', 'CapsLock', 'OSLeft', 'OSRight'].map((c) => [c, MODIFIER]),
    ...['Minus', 'Equal', 'BracketLeft', 'BracketRight', 'Backslash', 'Semicolon', 'Quote',
      'Backquote', 'Comma', 'Period', 'Slash', 'IntlBackslash', 'IntlRo', 'IntlYen', 'NumpadAdd',
      'NumpadSubtract', 'NumpadMultiply', 'NumpadDivide', 'NumpadDecimal', 'NumpadComma',
      'NumpadEqual'].map((c) => [c, PUNCTUATION]),
    ...['ArrowLeft', 'Tab', 'Escape', 'Home', 'F5', 'NumpadBackspace', 'Unidentified', 'space',
      'ShiftLeftX', 'XShiftLeft', 'Enter2'].map((c) => [c, OTHER]),
  ];
  for (const [code, want] of cases) assert.equal(keyClass(code, '?'), want, code);
  // With a code, the key's value does not matter (Shift+5 on a US layout is still a digit).
  assert.equal(keyClass('Digit5', '%'), DIGIT);
});

test('without a code, the key decides: one character, or a name', () => {
  // Every printable ASCII character, against an independent statement of the classes.
  for (let c = 0x20; c < 0x7f; c++) {
    const ch = String.fromCharCode(c);
    const lower = ch.toLowerCase();
    const want = LEFT.includes(lower) ? LETTER_LEFT : RIGHT.includes(lower) ? LETTER_RIGHT
      : ch >= '0' && ch <= '9' ? DIGIT : ch === ' ' ? SPACE : PUNCTUATION;
    assert.equal(keyClass('', ch), want, JSON.stringify(ch));
  }
  for (const [key, want] of [
    ['Enter', ENTER], ['Backspace', DELETE], ['Delete', DELETE], ['Shift', MODIFIER],
    ['Control', MODIFIER], ['Alt', MODIFIER], ['Meta', MODIFIER], ['CapsLock', MODIFIER],
    ['AltGraph', MODIFIER], ['ArrowUp', OTHER], ['Dead', OTHER], ['', OTHER],
    // Outside ASCII: no class of its own (the two hands are QWERTY's letters).
    ['é', OTHER], ['ß', OTHER], ['\u212a', OTHER], ['\u017f', OTHER], ['😀', OTHER], ['\t', OTHER],
  ]) {
    assert.equal(keyClass('', key), want, JSON.stringify(key));
  }
});
