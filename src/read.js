// The boundary's DOM reads, in JavaScript: a listener here keeps an event on a target the
// boundary cleared, unread (its target is compared while it is dispatched), and reads the kept
// events into the boundary's own memory (numbers and flags) in batches, at most 16 later
// (`PointerReader.settle`; nothing of an event is kept after); WebAssembly is entered only when
// the boundary has something to decide. Each crossing from WebAssembly into JavaScript and back,
// and each conversion of a string, cost more per event than the features (`npm run
// bench:collector -- --profile`). Pointer events, and key and `input` events, are kept in one
// list and appended to one buffer, in order; WebAssembly drains it when full, on a press or
// release, on a fixed-text field's key, on any event it handles itself (a new target, wheel,
// focus), on the window timer and on `stats()`, `flush()` and `stop()`.
// The rules are the boundary's (src/boundary.rs): an event on a new target is not read until it
// has checked that target. Two are written here: what a password field is (`password`: checked
// for every key event, when its batch is read, and asked by the boundary for every other event,
// so that the rule exists once) and a key's class (`keyClass`): key identity (`code`, `key`) is read only in
// `KeyReader.classify` and dropped there: only the class and a hash for pairing reach
// WebAssembly.

// Numbers before the samples: DOM events buffered, samples buffered.
const HEAD = 2;
// Numbers per sample: phase, kind, isTrusted, timeStamp, clientX, clientY, buttons, movementX,
// movementY.
const PER = 9;
// `phase` codes, as the boundary reads them.
const DOWN = 0;
const MOVE = 1;
const UP = 2;
// The browser took the gesture over (a native drag, a touch pan): the press ends without a
// `pointerup` (telltale-core's `PointerPhase::Cancel`).
const CANCEL = 3;
// Key samples share the buffer with pointer samples, so that the boundary takes both in the order
// they happened: a keydown or keyup read by `KeyReader.put` (its numbers: phase, class, isTrusted,
// timeStamp, pairing hash, flags), and a paste, drop or autofill `input` (phase, kind,
// isTrusted). The same codes in src/boundary.rs.
const KEY_DOWN = 4;
const KEY_UP = 5;
const INPUT = 6;

const PHASES = [['pointerdown', DOWN], ['pointermove', MOVE], ['pointerup', UP], ['pointercancel', CANCEL]];
const OPTIONS = { capture: true, passive: true };
// Events kept before they are read (`PointerReader.read`, `KeyReader.keep`): 16 (a quarter of a
// second of frame-aligned moves) measured as cheap as 32 or 64 in the bench, and bounds the
// events held.
const PENDING = 16;
// Numbers per kept event in `PointerReader.pending`: the event, its phase and its target as it
// was while the event was dispatched (a page may dispatch a key event object again, elsewhere,
// before it is read: its `target` and `isTrusted` are then another dispatch's; `KeyReader.put`).
// A pointer event's target is not compared again: inside a web component's shadow tree the DOM
// clears it after dispatch.
const KEPT = 3;

// Buffers pointer samples (and the KeyReader's key samples) in a collector's buffer (`len`
// doubles at byte `ptr` of the module's `memory`), which the boundary drains. Events are only
// kept, and appended in batches: WebAssembly is entered when the buffer is full, on a press or
// release, or when the boundary drains it before anything else (an event it decides itself, the
// window timer, a flush), so the hot path of a 1000 Hz mouse and of typing stays in this file. The view is made once, and again only when the memory has grown
// (which detaches it). `last` is the target the boundary last cleared for capture, `blocked` the
// one it last refused.
export class PointerReader {
  constructor(memory, ptr, len) {
    this.memory = memory;
    this.ptr = ptr;
    this.len = len;
    this.cap = ((len - HEAD) / PER) | 0;
    this.view = null;
    this.last = null;
    this.blocked = null;
    this.listeners = null;
    this.pressed = [false, false, false]; // per kind: mouse, pen, touch
    this.pending = []; // events taken, not yet read: `KEPT` numbers each (see `read`)
    this.keys = null; // the KeyReader whose key events share `pending` (it sets this)
  }

  approve(target) { this.last = target; this.blocked = null; }

  block(target) { this.blocked = target; this.last = null; }

  // The boundary is gone and its buffer freed: never write there again (a view of length 0,
  // which ignores writes: also for events still kept, should anything settle them).
  release() {
    this.detach();
    this.cap = 0;
    this.len = 0;
    this.view = null;
  }

  buffer() {
    let out = this.view;
    // Growing the memory detaches the old buffer, and a view on a detached buffer has length 0:
    // checked that way, the hot path never reads `memory.buffer`.
    if (out === null || out.length === 0) {
      out = this.view = new Float64Array(this.memory.buffer, this.ptr, this.len);
    }
    return out;
  }

  // Takes a pointer event. Returns -1 when its target cannot be read, or it is on a target other
  // than the cleared one and no PointerEvent (a page can dispatch a plain Event named
  // "pointermove"); having read nothing, -2 when its target is new (the boundary first decides
  // whether it may be captured at all) and -3 when its target is the refused one; else a positive number when the buffer should be
  // drained now (a press or release, or full) and 0 when it can wait. An event on the cleared
  // target is only kept (`pending`, with its phase and target) and read with the events before it by
  // `settle`: reading a batch of events in one loop costs less main-thread time than reading
  // each while it is dispatched (measured with `npm run bench:collector`, README), and every
  // value read is the event's own, fixed when it was made (`target`, which the DOM clears after
  // dispatch inside shadow trees, is checked here, during dispatch). On the cleared target,
  // whether it is a PointerEvent at all is `put`'s to check.
  read(ev, phase) {
    let target;
    try {
      target = ev.target;
    } catch {
      return -1;
    }
    if (target !== this.last) return !(ev instanceof PointerEvent) ? -1 : target === this.blocked ? -3 : -2;
    const kept = this.pending;
    kept.push(ev, phase, target);
    return phase !== MOVE ? 1 : kept.length < KEPT * PENDING ? 0 : this.settle();
  }

  // Reads the kept events (pointer events, and the KeyReader's key and `input` events) into the
  // buffer, oldest first, as far as they fit. Returns 0 when none are left, else their count
  // (the buffer is full: drain it and call again). Called by `read` and `KeyReader.keep` every
  // 16 moves or key events, and by the boundary before it drains the buffer.
  // A kept event whose reads throw (a script's event with a getter that throws) is counted and
  // dropped, and the boundary's state is not left borrowed.
  settle() {
    const kept = this.pending;
    if (kept.length === 0) return 0;
    if (this.keys !== null) this.keys.checked = null;
    let i = 0;
    while (i < kept.length) {
      let fits;
      try {
        const ev = kept[i];
        const phase = kept[i + 1];
        fits = phase >= KEY_DOWN ? this.keys.put(ev, phase, kept[i + 2], this.buffer(), this.cap)
          : this.put(ev, phase);
      } catch {
        this.buffer()[0] += 1;
        fits = true;
      }
      if (!fits) break;
      i += KEPT;
    }
    kept.splice(0, i);
    return kept.length;
  }

  // Appends an event's samples (its coalesced events on a move). False, having written nothing,
  // when they do not fit in a buffer that is not empty.
  put(ev, phase) {
    const out = this.buffer();
    // A page's plain Event named like a pointer event: counted, as an event the boundary cannot
    // read.
    if (!(ev instanceof PointerEvent)) {
      out[0] += 1;
      return true;
    }
    // One pointer per kind: a second finger (or pen) down at once is not the primary pointer, and
    // its points would be woven into the primary's path. Counted as an event, not read. (Only a
    // trusted event says so reliably: a script's `new PointerEvent()` is not primary unless it
    // asks to be, and is read for the automation evidence.)
    if (ev.isPrimary === false && ev.isTrusted) {
      out[0] += 1;
      return true;
    }
    const list = phase === MOVE && ev.getCoalescedEvents ? ev.getCoalescedEvents() : null;
    const many = list !== null && list.length > 1;
    const k = many ? list.length : 1;
    let n = out[1];
    if (n + k > this.cap && n > 0) return false;
    // Compared, not looked up: DOM strings are interned, so these are pointer comparisons.
    const type = ev.pointerType;
    const kind = type === 'pen' ? 1 : type === 'touch' ? 2 : 0; // anything else reads as a mouse
    const trusted = ev.isTrusted ? 1 : 0;
    // `buttons` matters only while a press lasts (a move with a button held is a drag), so
    // hovering moves skip the read; the boundary sees the same presses and releases per kind.
    if (phase === DOWN) this.pressed[kind] = true;
    const pressed = this.pressed[kind];
    if (phase === UP || phase === CANCEL) this.pressed[kind] = false;
    const m = Math.min(k, this.cap - n);
    for (let i = 0; i < m; i++) {
      const e = many ? list[i] : ev;
      const at = HEAD + n * PER;
      out[at] = phase;
      out[at + 1] = kind;
      out[at + 2] = trusted;
      out[at + 3] = e.timeStamp;
      out[at + 4] = e.clientX;
      out[at + 5] = e.clientY;
      out[at + 6] = pressed ? e.buttons : 0;
      out[at + 7] = e.movementX;
      out[at + 8] = e.movementY;
      n++;
    }
    out[0] += 1;
    out[1] = n;
    return true;
  }

  // Listens for pointerdown/move/up/cancel on `target` (capture, passive) and calls
  // `deliver(code, phase, event)` when the boundary has something to do: drain the buffer
  // (code >= 0), or look at an event it could not read (code < 0; the event object itself only
  // for a new target). Most moves return without entering WebAssembly.
  attach(target, deliver) {
    this.detach();
    // Guarded as `guard` does, written out: a listener that calls `guard`'s one shared `f(ev)`
    // is a call no engine inlines (it sees many functions there), on every move.
    this.listeners = listen(target, PHASES.map(([type, phase]) => [type, (ev) => {
      try {
        const r = this.read(ev, phase);
        if (r) deliver(r, phase, r === -2 ? ev : undefined);
      } catch (err) {
        fault(err);
      }
    }]));
  }

  detach() { this.listeners = unlisten(this.listeners); }
}

// Adds each [type, fn] of `pairs` as a capture, passive listener on `target` (each `fn` guarded
// as `guard` says); returns what `unlisten` removes.
function listen(target, pairs) {
  return pairs.map(([type, fn]) => {
    target.addEventListener(type, fn, OPTIONS);
    return [target, type, fn];
  });
}

// `f`, which never throws: every listener and timer of the collector runs through this (or, on
// the readers' per-event listeners, the same try and catch written out), so that nothing it
// does (a page's prototype patched to throw, a fault of its own) reaches the page's event
// dispatch or its error handlers. A fault is written to the console, for whoever embeds the
// collector; the page goes on.
export function guard(f) {
  return (ev) => {
    try {
      f(ev);
    } catch (err) {
      fault(err);
    }
  };
}

function fault(err) {
  try {
    console.error('telltale:', err);
  } catch {}
}

// Removes what `listen` added (none for null); returns null.
function unlisten(listeners) {
  if (listeners !== null) for (const [target, type, fn] of listeners) target.removeEventListener(type, fn, OPTIONS);
  return null;
}

// The flags of KeyReader.read and of a key sample (`KeyReader.put`).
const SAME_TARGET = 1;
const PASSWORD = 2;
const COMPOSING = 4;
const REPEAT = 8;
const TRUSTED = 16;
// What the show-password observer watches (`KeyReader.attach`): every `type` and
// `autocomplete` change, with the value it had.
const WATCH = { subtree: true, childList: true, attributeFilter: ['type', 'autocomplete'], attributeOldValue: true };
// `keyCode` of keys pressed during IME composition (UI Events spec, "keyCode 229").
const IME_KEY_CODE = 229;

// `COMPOSING` and (for a keydown, `down`) `REPEAT` of a key event: such a key is counted, never
// captured (`KeyReader.read`, `put`).
function keyFlags(ev, down) {
  return (ev.isComposing || ev.keyCode === IME_KEY_CODE ? COMPOSING : 0) | (down && ev.repeat ? REPEAT : 0);
}

// Whether `el` is (or was) a password field: `type=password`, an `autocomplete` naming a
// password (`current-password`, `new-password`) or a one-time code (`one-time-code`: a secret
// too), or, looked at when `el` is a new target
// (`fresh`), a text field, textarea or editable region masked by CSS like one
// (`-webkit-text-security` other than `none`: how pages hide a PIN or password typed into a
// plain field, so that the browser offers no password saving). Remembered in `seen` (a
// WeakSet, with the fields a show-password toggle made text fields: `KeyReader.attach`), so
// that a toggle does not make it capturable. The one implementation of the rule: the boundary
// asks it through `KeyReader.password` for a new target, and `KeyReader.read` for every key
// event. Anything it cannot read (a page's getter that throws) counts as a password field.
function password(el, seen, fresh) {
  try {
    const input = el instanceof HTMLInputElement;
    // `type` reads back as its lowercase keyword; autofill tokens are ASCII case-insensitive
    // (HTML): any case matches. No attribute reads null, which names neither.
    if ((input && (el.type === 'password' || /password|one-time-code/i.test(el.getAttribute('autocomplete'))))
      || (fresh && (input || el instanceof HTMLTextAreaElement || el.isContentEditable === true) && masked(el))) {
      seen.add(el);
    }
    return seen.has(el);
  } catch {
    return true;
  }
}

// Whether `el`'s characters are drawn as discs, circles or squares. The computed style is read
// once per new target, never per keystroke. Browsers without the property read '' (not masked).
function masked(el) {
  const security = getComputedStyle(el).getPropertyValue('-webkit-text-security');
  return security !== '' && security !== 'none';
}

// The marks a page puts on what is never captured and on its fixed-text fields.
const IGNORE = '[data-telltale-ignore]';
const FIXED = '[data-telltale-fixed]';

// `el.closest(sel)`, continued through the hosts of open shadow roots; null: none. May throw.
function up(el, sel) {
  for (let cur = el; ;) {
    const found = cur.closest(sel);
    if (found !== null) return found;
    const root = cur.getRootNode();
    if (!(root instanceof ShadowRoot)) return null;
    cur = root.host;
  }
}

// Input types whose keystrokes are typing: HTML's text-entry controls (a password input is
// refused by the password check before this matters).
const TEXT_TYPES = new Set(['text', 'search', 'email', 'url', 'tel', 'number', 'password']);

// Key classes, numbered as telltale-core's `KeyClass::ALL`.
const LETTER_LEFT = 0;
const LETTER_RIGHT = 1;
const SPACE = 2;
const ENTER = 3;
const DELETE = 4;
const DIGIT = 5;
const PUNCTUATION = 6;
const MODIFIER = 7;
const OTHER = 8;
// Added to a class by `KeyReader.identify` for Tab (src/boundary.rs `TAB`).
const TAB = 16;

// The classes of `KeyboardEvent.code` values (UI Events KeyboardEvent code values), first
// match wins. Letters go by the hand that types them on a QWERTY layout (docs/design.md's classes).
const CODE_CLASSES = [
  [LETTER_LEFT, /^Key[QWERTASDFGZXCVB]$/],
  [LETTER_RIGHT, /^Key[YUIOPHJKLNM]$/],
  [SPACE, /^Space$/],
  [ENTER, /^(Numpad)?Enter$/],
  [DELETE, /^(Backspace|Delete)$/],
  [MODIFIER, /^((Shift|Control|Alt|Meta|OS)(Left|Right)|CapsLock)$/],
  [PUNCTUATION, /^(Minus|Equal|Bracket(Left|Right)|Backslash|Semicolon|Quote|Backquote|Comma|Period|Slash|Intl(Backslash|Ro|Yen)|Numpad(Add|Subtract|Multiply|Divide|Decimal|Comma|Equal))$/],
  [DIGIT, /^(Digit|Numpad.$)/],
];
// The classes of `KeyboardEvent.key` values, for events without a `code`: one character (ASCII
// punctuation as Rust's `is_ascii_punctuation`), or a key's name.
const KEY_CLASSES = [
  [LETTER_LEFT, /^[qwertasdfgzxcvb]$/i],
  [LETTER_RIGHT, /^[yuiophjklnm]$/i],
  [DIGIT, /^[0-9]$/],
  [SPACE, /^ $/],
  [PUNCTUATION, /^[!-\/:-@[-`{-~]$/],
  [ENTER, /^Enter$/],
  [DELETE, /^(Backspace|Delete)$/],
  [MODIFIER, /^(Shift|Control|Alt|Meta|CapsLock|AltGraph)$/],
];

// The class of a key from `code` (the physical key), falling back to `key` where `code` is empty
// (some virtual keyboards). Exported for its unit test (tests/js/read.test.mjs).
export function keyClass(code, key) {
  const value = code === '' ? key : code;
  for (const [c, pattern] of code === '' ? KEY_CLASSES : CODE_CLASSES) if (pattern.test(value)) return c;
  return OTHER;
}

// FNV-1a (32 bits) of `s`'s UTF-16 code units: the boundary pairs presses by this hash of the
// key, never the key itself.
function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

// Physical keys classified so far (`code` values): [class, hash], so the next press of a key
// skips `keyClass`'s regexes. The UI Events code values are about 160, so 256 holds every
// physical key. A `key` value (an event without a `code`, as some virtual keyboards send) is a
// character: it is classified every time and never kept.
const CLASSIFIED = 256;

// Reads a key event's flags, and its timeStamp into `out[0]` (a view like PointerReader's); on
// request, its class and pairing hash (`out[1]`). Listens for keydown, keyup and `input` and
// handles the common case here without entering WebAssembly (`keep`): a key or `input` event on
// the target the boundary last cleared is kept, unread, with the pointer events the
// PointerReader `samples` keeps, and read with them into its buffer (`put`, in order, up to 16
// at a time); anything else is delivered to the boundary, which decides as before.
export class KeyReader {
  constructor(memory, ptr, samples) {
    this.memory = memory;
    this.ptr = ptr;
    this.view = null;
    this.samples = samples;
    this.last = null;
    this.eager = false;
    this.checked = null; // the target `put` last checked for a password field, in this batch
    this.wasPassword = false; // what it found
    this.listeners = null;
    this.byCode = new Map();
    this.seen = new WeakSet(); // password fields, as they are or were (see `password`)
    this.watch = null;
    samples.keys = this;
  }

  // Clears `target` for `keep`, or nothing (`null`): the element the boundary's verdict is
  // about is the target itself (the host of an open shadow root is never cleared), which `put`
  // checks for a password field. `eager`: a fixed-text field,
  // whose key events are read at once (its Enter or Tab ends the entry, which is then scored
  // and sent).
  approve(target, eager) {
    this.last = target;
    this.eager = eager === true;
  }

  // Listens on `target` (capture, passive) and calls `deliver(-1, phase, event)` for each event
  // the boundary must look at itself, and `deliver(n, MOVE, undefined)` when the buffer is to be
  // drained (as `PointerReader.attach`).
  attach(target, deliver) {
    this.detach();
    // Kept: nothing to do until the buffer is drained (0), or drain it now (> 0).
    // Guarded as `guard` does, written out (see `PointerReader.attach`).
    const key = (phase) => (ev) => {
      try {
        const r = this.keep(ev, phase);
        if (r > 0) deliver(r, MOVE, undefined);
        else if (r < 0) deliver(-1, phase, ev);
      } catch (err) {
        fault(err);
      }
    };
    this.listeners = listen(target, [['keydown', key(KEY_DOWN)], ['keyup', key(KEY_UP)], ['input', key(INPUT)]]);
    // A show-password toggle makes a password field a text field; one toggled before any event
    // reached the field (the eye clicked first) is seen here: its `type` was `password` (or its
    // `autocomplete` named one).
    this.watch = new MutationObserver(guard((records) => this.toggled(records)));
    this.watch.observe(target, WATCH);
    guard(() => this.shadows(target))();
  }

  // Remembers the fields that were password fields before a change of `type` or
  // `autocomplete` (`WATCH`), and watches the open shadow roots of what the page adds.
  toggled(records) {
    for (const r of records) {
      const old = r.oldValue;
      if (old !== null && (r.attributeName === 'type' ? /^password$/i.test(old) : /password|one-time-code/i.test(old))) {
        this.seen.add(r.target);
      }
    }
    // After every toggle is remembered: a walk that throws (a page's patched DOM) loses none.
    for (const r of records) for (const n of r.addedNodes) if (n instanceof Element) this.shadows(n);
  }

  // Watches every open shadow root in `node` and below (theirs too): the observer on the
  // document does not see into them, and a web component's show-password toggle may change its
  // field before any event came from there (an eye button outside the component). A root
  // attached after its host was added (an element defined later) is watched from its first event.
  shadows(node) {
    for (const el of [node, ...node.querySelectorAll('*')]) {
      const root = el.shadowRoot;
      if (root) {
        this.watch.observe(root, WATCH);
        this.shadows(root);
      }
    }
  }


  // Removes the listeners and the observer, remembering first the changes it has not yet
  // reported (the kept events are read after: `stop()`).
  detach() {
    this.listeners = unlisten(this.listeners);
    if (this.watch !== null) {
      try {
        this.toggled(this.watch.takeRecords());
      } catch {}
      this.watch.disconnect();
    }
  }

  // Takes a key or `input` event (`phase`) while it is dispatched. On the cleared target it is
  // kept, unread, in order with the pointer events (`samples.pending`), and read later by `put`:
  // an event's values are fixed once it is made, and its `target`, the one value the DOM
  // changes after dispatch (inside shadow trees), is compared here. Reading a batch of events in
  // one loop costs less main-thread time than reading each while it is dispatched (`npm run
  // bench:collector`, README). Returns -1 when the event is not on the cleared target (the
  // boundary decides), else as `PointerReader.read`: 0 to wait, a positive number to drain now
  // (the buffer is full, or a fixed-text field's key, read at once).
  keep(ev, phase) {
    const target = ev.target;
    if (this.last === null || target !== this.last) return -1;
    const samples = this.samples;
    const kept = samples.pending;
    kept.push(ev, phase, target);
    return this.eager ? 1 : kept.length < KEPT * PENDING ? 0 : samples.settle();
  }

  // Appends a kept event's sample to `out` (the PointerReader's buffer, `cap` samples): a key
  // event as its phase, class, isTrusted, timeStamp, pairing hash and the boundary's flags
  // (`PASSWORD`, `COMPOSING`, `REPEAT`: such a key is only counted, and neither its class nor
  // its time is read), a paste, drop or autofill as `INPUT`, its kind (`inputKind`) and
  // `PASSWORD` where it went into a password field. Ordinary typing's `input`, and what is no
  // KeyboardEvent (a page's plain `Event` named "keydown"), are counted as DOM events, nothing
  // else. `target`: the event's target while it was dispatched. False, having written nothing,
  // when a sample does not fit in a buffer that is not empty. The boundary's decisions are
  // src/boundary.rs `Boundary::key` and `Boundary::input`, made there from these numbers.
  put(ev, phase, target, out, cap) {
    const n = out[1];
    let kind = 0;
    if (phase === INPUT ? (kind = this.inputKind(ev)) === 0 : !(ev instanceof KeyboardEvent)) {
      out[0] += 1;
      return true;
    }
    if (n >= cap && n > 0) return false;
    // Whether the field is a password field is decided once per batch (`checked`, reset by
    // `PointerReader.settle`), as it is now and as it was since its events were kept. Only an
    // `<input>` can be or become one (`type`, `autocomplete`): for it, the changes the observer
    // has not yet reported (it reports after the script that made them) are taken first, so
    // that one toggled from a password field to a text field since is known as one; and one no
    // longer in the page, whose changes the observer no longer sees, counts as one. Any other
    // element is a password field only if it is remembered as one (masked by CSS when it was
    // cleared). Anything here that throws (a page's patched prototype) counts as one.
    if (target !== this.checked) {
      let was = true;
      try {
        if (target instanceof HTMLInputElement) {
          if (this.watch !== null) this.toggled(this.watch.takeRecords());
          was = target.isConnected !== true || password(target, this.seen, false);
        } else {
          was = this.seen.has(target);
        }
      } catch {}
      this.checked = target;
      this.wasPassword = was;
    }
    // Dispatched again since it was kept (a page forwarding it): its `target` and `isTrusted`
    // are another dispatch's. Refused as a person's key in a password field is: the run of
    // typing ends.
    const again = ev.target !== target;
    const refused = again || this.wasPassword;
    const at = HEAD + n * PER;
    out[at] = phase;
    out[at + 2] = again || ev.isTrusted ? 1 : 0;
    if (phase === INPUT) {
      out[at + 1] = kind;
      out[at + 5] = refused ? PASSWORD : 0;
    } else {
      const flags = refused ? PASSWORD : keyFlags(ev, phase === KEY_DOWN);
      let id = 0, h = 0, t = 0;
      if (flags === 0) {
        const known = this.classify(ev);
        id = known[0];
        h = known[1];
        t = ev.timeStamp;
      }
      out[at + 1] = id;
      out[at + 3] = t;
      out[at + 4] = h;
      out[at + 5] = flags;
    }
    out[0] += 1;
    out[1] = n + 1;
    return true;
  }

  // [class (plus TAB for Tab), pairing hash] of a key event, from `code`, or from `key` where
  // there is no `code` (see `identify`).
  classify(ev) {
    const code = ev.code;
    const key = code === '' ? ev.key : '';
    const value = code === '' ? key : code;
    let got = code === '' ? undefined : this.byCode.get(code);
    if (got === undefined) {
      got = [keyClass(code, key) | (value === 'Tab' ? TAB : 0), hash(value)];
      if (code !== '' && this.byCode.size < CLASSIFIED) this.byCode.set(code, got);
    }
    return got;
  }

  // The boundary is gone and its buffer freed: never write there again (a view of length 0,
  // which ignores writes: also for events still kept, should anything settle them).
  release() {
    this.detach();
    this.memory = null;
    this.last = null;
  }

  // The view on the boundary's two numbers (see PointerReader.buffer).
  buffer() {
    let out = this.view;
    if (out === null || out.length === 0) {
      out = this.view = new Float64Array(this.memory.buffer, this.ptr, 2);
    }
    return out;
  }

  // Whether key events whose real target is `el` (inside open shadow roots) are typing: into a
  // text field, a textarea or an editable region, or with no field focused (the body). On any
  // other element they are not captured: it may be the host of a closed shadow root, whose inside
  // (a password field, say) the page cannot see, since events from inside are retargeted to it.
  // Reads that throw (a page's getter) say: not typing.
  typingTarget(el) {
    try {
      return el === document.body || el === document.documentElement
        || el instanceof HTMLTextAreaElement || el.isContentEditable === true
        || (el instanceof HTMLInputElement && TEXT_TYPES.has(el.type));
    } catch {
      return false;
    }
  }

  // Whether `el` is an `<input>`: a page can make one a password field at any moment.
  textInput(el) {
    return el instanceof HTMLInputElement;
  }

  // Whether `el` is in the document; false when that cannot be read.
  connected(el) {
    try {
      return el.isConnected === true;
    } catch {
      return false;
    }
  }

  // See `password`: the boundary's check for pointer, wheel and `input` events and new key
  // targets (the one implementation of the rule).
  // A new target inside an open shadow root: its root is watched for show-password toggles too
  // (the document's observer does not see into shadow trees; a web component's own eye button
  // is there), before the event that may toggle one is handled.
  password(el) {
    try {
      const root = el.getRootNode();
      if (root instanceof ShadowRoot) this.watch?.observe(root, WATCH);
    } catch {
      return true;
    }
    return password(el, this.seen, true);
  }

  // The reads the boundary makes of an event in WebAssembly, each guarded here: a script's
  // event may carry a getter that throws, which would otherwise stop the collector (its state
  // left borrowed) and reach the page. What cannot be read is what the boundary cannot capture.
  // `target`: null when unreadable (counted as a password field is).
  target(ev) {
    try {
      return ev.target;
    } catch {
      return null;
    }
  }

  // The element an event really happened on, also inside open shadow roots (`composedPath()`'s
  // first element, else `target`), or null.
  realTarget(ev) {
    try {
      const first = ev.composedPath()[0];
      if (first instanceof Element) return first;
      const target = ev.target;
      return target instanceof Element ? target : null;
    } catch {
      return null;
    }
  }

  // Whether `el` is in a `[data-telltale-ignore]` subtree, continued through the hosts of open
  // shadow roots, or (`inside`) is an editable region with one inside it (the body, where keys
  // go with nothing focused, is no region: a mark elsewhere in the page leaves its keys
  // captured). What cannot be read counts as ignored.
  ignored(el, inside) {
    try {
      return up(el, IGNORE) !== null || (inside && el.isContentEditable && el.querySelector(IGNORE) !== null);
    } catch {
      return true;
    }
  }

  // The `data-telltale-fixed` name of the fixed-text field `el` is in (through open shadow
  // roots' hosts), or null (also when it cannot be read).
  fixedName(el) {
    try {
      return up(el, FIXED)?.getAttribute('data-telltale-fixed') ?? null;
    } catch {
      return null;
    }
  }

  // Whether `target` is an element with an open shadow root: events from different fields inside
  // it share it as their target, so its verdict is never cached (nor when this cannot be read).
  shadowHost(target) {
    try {
      return target instanceof Element && target.shadowRoot !== null;
    } catch {
      return true;
    }
  }

  // A wheel event's `timeStamp` and `deltaY` into the buffer; false when they cannot be read.
  wheel(ev) {
    try {
      const out = this.buffer();
      out[0] = ev.timeStamp;
      out[1] = ev.deltaY;
      return true;
    } catch {
      return false;
    }
  }

  // What an `input` event is (for `put`, and the boundary's `Boundary::input`): 1 a paste, 2 a drop,
  // 3 an autofill (also Chrome's, a plain `Event`, and one whose `inputType` cannot be read:
  // not captured either way), 0 ordinary typing.
  inputKind(ev) {
    try {
      if (!(ev instanceof InputEvent)) return 3;
      const type = ev.inputType;
      return type === 'insertFromPaste' || type === 'insertFromPasteAsQuotation' ? 1
        : type === 'insertFromDrop' ? 2 : type === 'insertReplacementText' || type === '' ? 3 : 0;
    } catch {
      return 3;
    }
  }

  // A captured key event's class (the return value) and pairing hash (`out[1]`), from `code`, or from `key` where there is no `code`. Pairing goes by the
  // physical key where there is one: `key` changes between keydown and keyup when Shift is
  // released first ("A" down, "a" up). Nothing of either is kept.
  // Tab adds TAB to the class (it is in the class `other`): in a fixed-text field it ends the
  // entry, as Enter does, and is no part of it.
  // A key whose `code` or `key` cannot be read (a page's getter that throws) is of the class
  // `other`, paired with nothing.
  identify(ev) {
    let known = [OTHER, 0];
    try {
      known = this.classify(ev);
    } catch {}
    if (this.memory !== null) this.buffer()[1] = known[1];
    return known[0];
  }

  // -1 when `ev` is no KeyboardEvent, or one whose reads throw (a script's event with a getter
  // that throws: left alone, as it would leave the boundary's state borrowed for good); else
  // the flags above. `last`: the target whose verdict the boundary holds; `el`: the element the
  // password check looks at (the real target, inside open shadow roots).
  read(ev, last, el) {
    try {
      if (!(ev instanceof KeyboardEvent) || this.memory === null) return -1;
      this.buffer()[0] = ev.timeStamp;
      return (ev.target === last ? SAME_TARGET : 0)
        | (password(el, this.seen, false) ? PASSWORD : 0)
        | keyFlags(ev, true)
        | (ev.isTrusted ? TRUSTED : 0);
    } catch {
      return -1;
    }
  }
}
