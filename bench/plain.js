// A plain-JavaScript implementation of the collector's features, written for the benchmark
// only: the same listeners, boundary checks, key classes and pairing, free-text statistics,
// action segmentation and per-action features per pointer kind, and the same automation evidence
// (key periodicity, frozen movementX/Y, presses without approach), so that the per-event cost of
// the WebAssembly collector can be compared with what a careful JavaScript version costs.
const LEFT = new Set('QWERTASDFGZXCVB');
const RIGHT = new Set('YUIOPHJKLNM');
function classOf(code) {
  if (code.startsWith('Key')) return LEFT.has(code[3]) ? 0 : RIGHT.has(code[3]) ? 1 : 8;
  if (code === 'Space') return 2;
  if (code === 'Enter' || code === 'NumpadEnter') return 3;
  if (code === 'Backspace' || code === 'Delete') return 4;
  if (code.startsWith('Digit') || /^Numpad\d$/.test(code)) return 5;
  if (/^(Shift|Control|Alt|Meta)/.test(code) || code === 'CapsLock') return 7;
  if (/^(Minus|Equal|Bracket|Backslash|Semicolon|Quote|Backquote|Comma|Period|Slash)/.test(code)) return 6;
  return 8;
}
function quartiles(v) {
  if (v.length < 5) return null;
  const s = Float64Array.from(v).sort();
  const q = (p) => { const h = p * (s.length - 1), lo = Math.floor(h), hi = Math.min(lo + 1, s.length - 1); return s[lo] + (h - lo) * (s[hi] - s[lo]); };
  let m = 0; for (const x of s) m += x; m /= s.length;
  let v2 = 0; for (const x of s) v2 += (x - m) * (x - m);
  return { n: s.length, mean: m, sd: Math.sqrt(v2 / (s.length - 1)), q25: q(0.25), q50: q(0.5), q75: q(0.75) };
}
function actionFeatures(pts) {
  const p = pts.filter((x, i) => i === 0 || x.t > pts[i - 1].t);
  if (p.length < 5) return null;
  const f = p[0], l = p[p.length - 1], dur = l.t - f.t, cx = l.x - f.x, cy = l.y - f.y, chord = Math.hypot(cx, cy);
  let path = 0, vmax = 0, tpeak = 0, curv = 0, ang = 0, nt = 0, turns = 0, dev = 0, pa = null;
  const sp = [], ac = [], jk = [];
  for (let i = 1; i < p.length; i++) {
    const dt = (p[i].t - p[i - 1].t) / 1000, dx = p[i].x - p[i - 1].x, dy = p[i].y - p[i - 1].y, ds = Math.hypot(dx, dy);
    path += ds; const v = ds / dt;
    if (sp.length) { const a = (v - sp[sp.length - 1]) / dt; if (ac.length) jk.push(Math.abs((a - ac[ac.length - 1]) / dt)); ac.push(a); }
    sp.push(v); if (v > vmax) { vmax = v; tpeak = p[i].t - f.t; }
    if (ds > 0) { const an = Math.atan2(dy, dx); if (pa !== null) { let d = an - pa; while (d > Math.PI) d -= 2 * Math.PI; while (d < -Math.PI) d += 2 * Math.PI; d = Math.abs(d); curv += d / ds; ang += d / dt; nt++; if (d > Math.PI / 4) turns++; } pa = an; }
    const d = chord > 0 ? Math.abs((p[i].x - f.x) * cy - (p[i].y - f.y) * cx) / chord : Math.hypot(p[i].x - f.x, p[i].y - f.y);
    if (d > dev) dev = d;
  }
  if (dur <= 0 || path <= 0) return null;
  const ms = (v) => { if (!v.length) return [0, 0]; let m = 0; for (const x of v) m += x; m /= v.length; let s = 0; for (const x of v) s += (x - m) * (x - m); return [m, v.length > 1 ? Math.sqrt(s / (v.length - 1)) : 0]; };
  const [vm, vsd] = ms(sp), [am] = ms(ac.map(Math.abs)), [, asd] = ms(ac), [jm] = ms(jk);
  return [dur, path, chord / path, vm, vsd, vmax, am, asd, jm, curv / Math.max(nt, 1), ang / Math.max(nt, 1), dev, turns, tpeak / dur];
}

// A window also closes after this many key events, as the collector's (docs/design.md: 30 s or 200 key
// events; `maxKeyEvents`'s default).
const MAX_KEY_EVENTS = 200;

export function startPlain(windowMs = 30000) {
  const held = new Map();
  const passwords = new WeakSet();
  let lastTarget = null, lastPrivate = false, prev = null, start = null, keyEvents = 0;
  let holds = [], dd = new Map(), ud = new Map();
  // Pointer state per pointerType, as the collector keeps mouse, pen and touch apart.
  let kinds = new Map();
  const kindOf = (type) => {
    let k = kinds.get(type);
    if (!k) kinds.set(type, (k = { path: [], actions: [], pressedAt: null }));
    return k;
  };
  // Automation evidence, as the collector's: key intervals and holds for the periodicity test,
  // mouse moves whose movementX/Y stay 0 while the position changes, presses with no approach.
  let auto = { dd: [], holds: [], open: [], lastDown: null, moved: 0, frozen: 0, lastMove: null, presses: 0, unapproached: 0 };
  const bounded = (v, x) => { if (v.length < 256) v.push(x); };
  const cv = (v) => {
    if (v.length < 5) return null;
    let m = 0; for (const x of v) m += x; m /= v.length;
    if (m <= 0) return null;
    let s = 0; for (const x of v) s += (x - m) * (x - m);
    return Math.sqrt(s / (v.length - 1)) / m;
  };
  const summaries = [];
  const isPrivate = (el) => {
    if (!(el instanceof Element)) return false;
    if (el instanceof HTMLInputElement && (el.type === 'password' || (el.getAttribute('autocomplete') || '').includes('password'))) { passwords.add(el); return true; }
    return passwords.has(el) || el.closest('[data-telltale-ignore]') !== null;
  };
  const push = (m, k, v) => { let a = m.get(k); if (!a) m.set(k, (a = [])); if (a.length < 512) a.push(v); };
  const close = (now) => {
    const s = { holds: [], dd: [], ud: [], pointer: [], automation: {} };
    for (let c = 0; c < 9; c++) { const q = quartiles(holds.filter((h) => h[0] === c).map((h) => h[1])); if (q) s.holds.push(q); }
    for (const [k, v] of dd) { const q = quartiles(v); if (q) s.dd.push([k, q]); }
    for (const [k, v] of ud) { const q = quartiles(v); if (q) s.ud.push([k, q]); }
    for (const [type, k] of kinds) {
      const w = { kind: type, actions: k.actions.length, features: [] };
      for (let i = 0; i < 14; i++) { const q = quartiles(k.actions.map((a) => a[i])); if (q) w.features.push(q); }
      s.pointer.push(w);
    }
    s.automation = {
      webdriver: navigator.webdriver, ddCv: cv(auto.dd), holdCv: cv(auto.holds),
      frozen: auto.moved ? auto.frozen / auto.moved : 0, unapproached: auto.presses ? auto.unapproached / auto.presses : 0,
    };
    summaries.push(JSON.stringify(s));
    holds = []; dd = new Map(); ud = new Map(); start = now; keyEvents = 0;
    for (const k of kinds.values()) k.actions = [];
    auto = { dd: [], holds: [], open: [], lastDown: auto.lastDown, moved: 0, frozen: 0, lastMove: auto.lastMove, presses: 0, unapproached: 0 };
  };
  const tick = (t) => { if (start === null) start = t; else if (t - start >= windowMs) close(t); };
  const key = (e) => {
    if (isPrivate(e.composedPath()[0])) return;
    if (e.isComposing || e.keyCode === 229 || (e.type === 'keydown' && e.repeat) || !e.isTrusted) return;
    tick(e.timeStamp);
    const c = classOf(e.code);
    if (e.type === 'keydown') {
      held.set(e.code, { c, t: e.timeStamp });
      if (prev && e.timeStamp - prev.t < 2000) { push(dd, prev.c * 9 + c, e.timeStamp - prev.t); if (prev.up !== undefined) push(ud, prev.c * 9 + c, e.timeStamp - prev.up); }
      prev = { c, t: e.timeStamp, code: e.code };
      if (auto.lastDown !== null && e.timeStamp - auto.lastDown >= 0 && e.timeStamp - auto.lastDown < 2000) bounded(auto.dd, e.timeStamp - auto.lastDown);
      auto.lastDown = e.timeStamp;
      if (auto.open.length < 16) auto.open.push([e.code, e.timeStamp]);
    } else {
      const i = auto.open.findIndex((o) => o[0] === e.code);
      if (i >= 0) { bounded(auto.holds, e.timeStamp - auto.open[i][1]); auto.open.splice(i, 1); }
      const h = held.get(e.code); if (!h) return; held.delete(e.code);
      if (holds.length < 512) holds.push([h.c, e.timeStamp - h.t]);
      if (prev && prev.code === e.code) prev.up = e.timeStamp;
    }
    if (++keyEvents >= MAX_KEY_EVENTS) close(e.timeStamp);
  };
  const emit = (k, pts) => { if (k.actions.length < 512) { const a = actionFeatures(pts); if (a) k.actions.push(a); } };
  const pointer = (e) => {
    if (e.target !== lastTarget) { lastTarget = e.target; lastPrivate = isPrivate(e.composedPath()[0]); }
    if (lastPrivate || !e.isTrusted) return;
    tick(e.timeStamp);
    const mouse = e.pointerType !== 'pen' && e.pointerType !== 'touch';
    const k = kindOf(mouse ? 'mouse' : e.pointerType);
    if (e.type === 'pointermove') {
      // No button down, yet a press under way: its release was not seen (the collector's rule).
      if (k.pressedAt !== null && e.buttons === 0) { k.path = []; k.pressedAt = null; }
      const list = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
      for (const c of list.length > 1 ? list : [e]) {
        const p = { t: c.timeStamp, x: c.clientX, y: c.clientY };
        if (mouse) {
          const m = auto.lastMove;
          if (m && (m.x !== p.x || m.y !== p.y)) { auto.moved++; if (c.movementX === 0 && c.movementY === 0) auto.frozen++; }
          auto.lastMove = p;
        }
        const last = k.path[k.path.length - 1];
        if (k.pressedAt === null && last && p.t - last.t >= 500) { emit(k, k.path); k.path = []; }
        if (k.path.length >= 1024) { emit(k, k.path); k.path = [k.path[k.path.length - 1]]; }
        k.path.push(p);
      }
    } else if (e.type === 'pointerdown') {
      if (mouse) { auto.presses++; if (!auto.lastMove || e.timeStamp - auto.lastMove.t > 1000) auto.unapproached++; }
      k.path.push({ t: e.timeStamp, x: e.clientX, y: e.clientY }); emit(k, k.path);
      k.path = [{ t: e.timeStamp, x: e.clientX, y: e.clientY }]; k.pressedAt = e.timeStamp;
    } else if (e.type === 'pointerup') {
      if (k.pressedAt !== null) { k.path.push({ t: e.timeStamp, x: e.clientX, y: e.clientY }); emit(k, k.path); }
      k.path = []; k.pressedAt = null;
    } else { // pointercancel: the press ends, unseen (no action)
      k.path = []; k.pressedAt = null;
    }
  };
  const opts = { capture: true, passive: true };
  const types = [['keydown', key], ['keyup', key], ['pointerdown', pointer], ['pointermove', pointer], ['pointerup', pointer], ['pointercancel', pointer]];
  for (const [t, f] of types) document.addEventListener(t, f, opts);
  return { stop: () => { for (const [t, f] of types) document.removeEventListener(t, f, opts); }, summaries };
}
