// Test helpers for tests/web.rs: one module, so the test page loads one file for them.

let live = 0;
const add = EventTarget.prototype.addEventListener;
const remove = EventTarget.prototype.removeEventListener;
const seen = new WeakMap();
// Counts listeners added and removed on any target (matching what removeEventListener removes).
EventTarget.prototype.addEventListener = function (type, fn, opts) {
  const capture = typeof opts === 'boolean' ? opts : !!(opts && opts.capture);
  let m = seen.get(this); if (!m) { m = new Set(); seen.set(this, m); }
  const key = `${type}|${capture}`;
  let per = m[key]; if (!per) { per = m[key] = new Set(); }
  if (!per.has(fn)) { per.add(fn); live++; }
  return add.call(this, type, fn, opts);
};
EventTarget.prototype.removeEventListener = function (type, fn, opts) {
  const capture = typeof opts === 'boolean' ? opts : !!(opts && opts.capture);
  const m = seen.get(this); const per = m && m[`${type}|${capture}`];
  if (per && per.delete(fn)) live--;
  return remove.call(this, type, fn, opts);
};
export function live_listeners() { return live; }
// Counts intervals set and not yet cleared (the collector's window timer is one).
const intervals = new Set();
const setInterval0 = globalThis.setInterval;
const clearInterval0 = globalThis.clearInterval;
globalThis.setInterval = function (...args) {
  const id = setInterval0.apply(this, args);
  intervals.add(id);
  return id;
};
globalThis.clearInterval = function (id) {
  intervals.delete(id);
  return clearInterval0.call(this, id);
};
export function live_intervals() { return intervals.size; }

export function hide_get_random_values(hide) {
  if (hide) Object.defineProperty(crypto, 'getRandomValues', { value: undefined, configurable: true });
  else delete crypto.getRandomValues;
}

let requests = [];
let saved = null;
// Replaces `fetch` with one that records each request and answers 202 (`false` puts it back).
export function record_fetch(on) {
  if (on) {
    requests = [];
    saved = globalThis.fetch;
    globalThis.fetch = (url, init) => {
      requests.push([String(url), init.headers.authorization, init.body]);
      return Promise.resolve(new Response('{}', { status: 202 }));
    };
  } else {
    globalThis.fetch = saved;
  }
}
export function fetched() { return requests; }

// A password field made by another frame's document and put into this one: every `instanceof`
// of this page's realm is false for it.
export function foreign_password_field() {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const field = frame.contentDocument.createElement('input');
  field.type = 'password';
  document.body.append(field);
  frame.remove();
  return field;
}

// A script's key event whose `timeStamp` getter throws.
export function throwing_key_event(type) {
  const ev = new KeyboardEvent(type, { key: 'a', code: 'KeyA', bubbles: true, composed: true });
  Object.defineProperty(ev, 'timeStamp', { get() { throw new Error('no time for you'); } });
  return ev;
}

// A script's key event whose `timeStamp` reads `t`.
export function key_event_at(type, t) {
  const ev = new KeyboardEvent(type, { key: 'a', code: 'KeyA', bubbles: true, composed: true });
  Object.defineProperty(ev, 'timeStamp', { value: t });
  return ev;
}

// Errors that reached the page's error handlers (a listener that threw) since the module loaded.
let reported = 0;
window.addEventListener('error', () => { reported++; });
export function errors_reported() { return reported; }

// Dispatches on `el` a script's event of every kind the collector reads, each with getters that
// throw: what a hostile or broken page can hand any listener.
export function dispatch_throwing_events(el) {
  const boom = { get() { throw new Error('patched by the page'); } };
  const make = (ev, ...names) => {
    for (const name of names) Object.defineProperty(ev, name, boom);
    return ev;
  };
  const all = [
    make(new FocusEvent('focusin', { bubbles: true, composed: true }), 'target', 'composedPath', 'relatedTarget'),
    make(new FocusEvent('focusout', { bubbles: true, composed: true }), 'target', 'composedPath', 'relatedTarget'),
    make(new WheelEvent('wheel', { bubbles: true, deltaY: 3 }), 'deltaY', 'timeStamp'),
    make(new WheelEvent('wheel', { bubbles: true, deltaY: 3 }), 'target', 'composedPath'),
    make(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }), 'inputType', 'composedPath'),
    make(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', bubbles: true }), 'target', 'code', 'timeStamp'),
    make(new PointerEvent('pointermove', { bubbles: true, isPrimary: true }), 'clientX', 'timeStamp'),
    make(new PointerEvent('pointerdown', { bubbles: true, isPrimary: true }), 'target', 'pointerType'),
  ];
  // Events whose target poses as an element of this page (its prototype, none of its
  // internals): every DOM call on it throws.
  const fake = Object.create(HTMLTextAreaElement.prototype);
  const posing = (ev) => {
    Object.defineProperty(ev, 'target', { value: fake });
    Object.defineProperty(ev, 'composedPath', { value: () => [fake] });
    return ev;
  };
  all.push(
    posing(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', bubbles: true })),
    posing(new FocusEvent('focusin', { bubbles: true })),
    posing(new PointerEvent('pointerdown', { bubbles: true, isPrimary: true })),
    posing(new WheelEvent('wheel', { bubbles: true, deltaY: 3 })),
    posing(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' })),
  );
  for (const ev of all) el.dispatchEvent(ev);
  const show = make(new Event('pageshow'), 'persisted');
  window.dispatchEvent(show);
}
