// The demo's people: real human timing from the public data sets in ../shared/data (read only,
// never copied into the project). A "person" is a triple fixed by index, so a run is reproducible:
// the i-th CMU subject (fixed-text entries of `.tie5Roanl`), the i-th Aalto participant
// (free-text keystrokes, 15 sentences) and the i-th SapiMouse user (a 3-minute and a 1-minute
// mouse session). The three are different people in reality; the demo treats the triple as one
// worker, as telltale-eval does for each modality on its own.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const DATA = process.env.TELLTALE_DATA || join(root, '../shared/data');

/** The CMU password, which the demo uses as the employee id (a valid user id). */
export const EMPLOYEE_ID = '.tie5Roanl';

/** The keys of one CMU repetition, in typing order, as the browser names them. `R` is typed
 * with Shift held, but the benchmark times the R key only (`Shift.r`): it is replayed as one
 * key with the Shift modifier flag and no Shift key event of its own (no timing is invented). */
const CMU_KEYS = [
  { key: '.', code: 'Period', vk: 190, text: '.' },
  { key: 't', code: 'KeyT', vk: 84, text: 't' },
  { key: 'i', code: 'KeyI', vk: 73, text: 'i' },
  { key: 'e', code: 'KeyE', vk: 69, text: 'e' },
  { key: '5', code: 'Digit5', vk: 53, text: '5' },
  { key: 'R', code: 'KeyR', vk: 82, text: 'R', modifiers: 8 },
  { key: 'o', code: 'KeyO', vk: 79, text: 'o' },
  { key: 'a', code: 'KeyA', vk: 65, text: 'a' },
  { key: 'n', code: 'KeyN', vk: 78, text: 'n' },
  { key: 'l', code: 'KeyL', vk: 76, text: 'l' },
  { key: 'Enter', code: 'Enter', vk: 13, text: '\r' },
];

let cmuCache = null;
/** CMU subjects in file order: `[{id, reps: [[{...key, down, up}] (ms from the first keydown)]}]`. */
export function cmuSubjects() {
  if (cmuCache) return cmuCache;
  const lines = readFileSync(join(DATA, 'keystroke/DSL-StrongPasswordData.csv'), 'utf8').split(/\r?\n/);
  const subjects = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    const f = line.split(',');
    const t = f.slice(3).map((v) => Number(v) * 1000);
    // Columns per key i: H (3i), then DD to the next key (3i+1), UD (3i+2).
    const presses = [];
    let down = 0;
    for (let i = 0; i < CMU_KEYS.length; i++) {
      if (i > 0) down += t[3 * (i - 1) + 1];
      presses.push({ ...CMU_KEYS[i], down, up: down + t[3 * i] });
    }
    let s = subjects[subjects.length - 1];
    if (!s || s.id !== f[0]) subjects.push(s = { id: f[0], reps: [] });
    s.reps.push(presses);
  }
  cmuCache = subjects;
  return subjects;
}

// The browser's key for an Aalto keyCode (the legacy `KeyboardEvent.keyCode` the study
// recorded): [key, code, shifted key]. Letters and digits are generated below.
const PUNCT = {
  32: [' ', 'Space'], 186: [';', 'Semicolon', ':'], 187: ['=', 'Equal', '+'], 188: [',', 'Comma', '<'],
  189: ['-', 'Minus', '_'], 190: ['.', 'Period', '>'], 191: ['/', 'Slash', '?'], 192: ['`', 'Backquote', '~'],
  219: ['[', 'BracketLeft', '{'], 220: ['\\', 'Backslash', '|'], 221: [']', 'BracketRight', '}'],
  222: ["'", 'Quote', '"'], 59: [';', 'Semicolon', ':'], 61: ['=', 'Equal', '+'], 173: ['-', 'Minus', '_'],
  226: ['\\', 'IntlBackslash', '|'],
};
const NAMED = {
  8: ['Backspace', 'Backspace'], 9: ['Tab', 'Tab'], 13: ['Enter', 'Enter'], 16: ['Shift', 'ShiftLeft'],
  17: ['Control', 'ControlLeft'], 18: ['Alt', 'AltLeft'], 19: ['Pause', 'Pause'], 20: ['CapsLock', 'CapsLock'],
  33: ['PageUp', 'PageUp'], 35: ['End', 'End'], 36: ['Home', 'Home'], 37: ['ArrowLeft', 'ArrowLeft'],
  38: ['ArrowUp', 'ArrowUp'], 39: ['ArrowRight', 'ArrowRight'], 40: ['ArrowDown', 'ArrowDown'],
  45: ['Insert', 'Insert'], 46: ['Delete', 'Delete'], 91: ['Meta', 'MetaLeft'], 92: ['Meta', 'MetaRight'],
  93: ['ContextMenu', 'ContextMenu'], 144: ['NumLock', 'NumLock'], 0: ['Unidentified', ''],
};
const SHIFTED_DIGITS = ')!@#$%^&*(';

/** `{key, code, vk, text?}` of an Aalto keyCode with the given Shift / Caps Lock state. */
export function aaltoKey(vk, shift, caps) {
  if (vk >= 65 && vk <= 90) {
    const c = String.fromCharCode(vk + 32);
    const upper = shift !== caps;
    const key = upper ? c.toUpperCase() : c;
    return { key, code: `Key${c.toUpperCase()}`, vk, text: key };
  }
  if (vk >= 48 && vk <= 57) {
    const key = shift ? SHIFTED_DIGITS[vk - 48] : String(vk - 48);
    return { key, code: `Digit${vk - 48}`, vk, text: key };
  }
  if (vk >= 96 && vk <= 105) return { key: String(vk - 96), code: `Numpad${vk - 96}`, vk, text: String(vk - 96) };
  if (vk >= 106 && vk <= 111) {
    const k = '*+,-./'[vk - 106];
    return { key: k, code: ['NumpadMultiply', 'NumpadAdd', 'NumpadComma', 'NumpadSubtract', 'NumpadDecimal', 'NumpadDivide'][vk - 106], vk, text: k };
  }
  if (vk >= 112 && vk <= 123) return { key: `F${vk - 111}`, code: `F${vk - 111}`, vk };
  if (PUNCT[vk]) {
    const [k, code, s] = PUNCT[vk];
    const key = shift && s ? s : k;
    return { key, code, vk, text: key };
  }
  if (NAMED[vk]) {
    const [key, code] = NAMED[vk];
    return { key, code, vk };
  }
  return { key: 'Unidentified', code: '', vk };
}

let aaltoCache = null;
/** Aalto participants in file order: `[{id, sentences: [[{vk, down, up}] (ms, the user's clock)]}]`. */
export function aaltoParticipants() {
  if (aaltoCache) return aaltoCache;
  const text = readFileSync(join(DATA, 'freetext/aalto-keystrokes.csv'), 'utf8');
  const users = [];
  let u = null;
  let sentence = null;
  let lastSentence = null;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? undefined : end).trim();
    if (start > 0 && line) {
      const [user, sid, press, release, vk] = line.split(',');
      if (!u || u.id !== user) {
        users.push(u = { id: user, sentences: [] });
        lastSentence = null;
      }
      if (sid !== lastSentence) {
        u.sentences.push(sentence = []);
        lastSentence = sid;
      }
      sentence.push({ vk: Number(vk), down: Number(press), up: Number(release) });
    }
    if (end < 0) break;
    start = end + 1;
  }
  aaltoCache = users;
  return users;
}

/** SapiMouse users with a 3-minute and a 1-minute session, by user number:
 * `[{id, three: path, one: path}]`. */
export function sapiUsers() {
  const dir = join(DATA, 'mouse/sapimouse');
  return readdirSync(dir)
    .filter((d) => /^user\d+$/.test(d))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))
    .map((d) => {
      const files = readdirSync(join(dir, d)).sort();
      const three = files.find((f) => f.endsWith('_3min.csv'));
      const one = files.find((f) => f.endsWith('_1min.csv'));
      return three && one ? { id: d, three: join(dir, d, three), one: join(dir, d, one) } : null;
    })
    .filter(Boolean);
}

/** A SapiMouse session: `[{t (ms from its first row), type, button, x, y}]`, in file order
 * (times made non-decreasing: a browser's clock does not go back). */
export function mouseSession(path) {
  const rows = [];
  let last = -Infinity;
  let t0 = null;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/).slice(1)) {
    if (!line.trim()) continue;
    const [ts, button, state, x, y] = line.split(',');
    const t = Number(ts);
    t0 ??= t;
    last = Math.max(last, t - t0);
    rows.push({ t: last, state, button, x: Number(x), y: Number(y) });
  }
  return rows;
}

/** Presses a free-text window needs (telltale-core's `features::keys::MIN_WINDOW_KEYS`); a
 * sparser window's presses carry over into the next one. */
const MIN_WINDOW_KEYS = 30;

/** Aalto participants with all 15 sentences, at least 600 keystrokes and at least 12 sentences of
 * `MIN_WINDOW_KEYS` keystrokes or more; the first 10 of those first (in their order), then the
 * other five. Each of the ten enrollment blocks (one sentence, one window, one login) is then a
 * free-text window of its own, as a server's enrollment needs ten (`--enroll-windows 10`), and
 * the five held-out sentences hold two such at least (shorter ones carry over into the next
 * window of their session). Many of Aalto's sentences are shorter. */
function eligibleAalto() {
  const long = (s) => s.length >= MIN_WINDOW_KEYS;
  return aaltoParticipants()
    .filter((p) => p.sentences.length >= 15
      && p.sentences.reduce((n, s) => n + s.length, 0) >= 600
      && p.sentences.filter(long).length >= 12)
    .map((p) => {
      const first = p.sentences.filter(long).slice(0, 10);
      return { ...p, sentences: [...first, ...p.sentences.filter((s) => !first.includes(s))] };
    });
}

/** Person `i`: `{index, cmu, aalto, sapi}`. */
export function person(i) {
  const cmu = cmuSubjects();
  const aalto = eligibleAalto();
  const sapi = sapiUsers();
  const n = Math.min(cmu.length, aalto.length, sapi.length);
  if (i < 0 || i >= n) throw new Error(`person ${i}: there are ${n} (the smallest data set)`);
  return { index: i, cmu: cmu[i], aalto: aalto[i], sapi: sapi[i] };
}

/** How many persons there are (the smallest data set). */
export function personCount() {
  return Math.min(cmuSubjects().length, eligibleAalto().length, sapiUsers().length);
}

/** Whether the data sets are where the demo reads them. */
export const dataPresent = () => ['keystroke/DSL-StrongPasswordData.csv', 'freetext/aalto-keystrokes.csv', 'mouse/sapimouse']
  .every((p) => existsSync(join(DATA, p)));
