// The bench page: the conditions the bench script switches on and off between blocks of trusted
// input: the WebAssembly collector, the plain-JavaScript one (bench/plain.js), rrweb's recorder
// (node_modules/rrweb, served from this origin), and the floor (a bare listener).
// The bench's own build of the collector (pkg-bench/: the shipped code plus two bench hooks).
import init, { Collector } from '../pkg-bench/telltale.js';
import { record } from '../node_modules/rrweb/dist/rrweb.js';
import { startPlain } from './plain.js';

await init();
// `?baseline=DIR`: another build of the collector (`npm run bench:collector -- --baseline DIR`),
// measured as one more condition of the same blocks: a change's effect, side by side in one run.
const baselineDir = new URLSearchParams(location.search).get('baseline');
let baseline = null;
if (baselineDir) {
  const other = await import(`../${baselineDir}/telltale.js`);
  await other.default();
  baseline = new other.Collector({ windowMs: 30000, onSummary: () => {} });
}
let plain = null;
let stopRrweb = null;
let recorded = [];
const collector = new Collector({ windowMs: 30000, onSummary: () => {} });
// Bracket every DOM event a trusted key or mouse input dispatches: a capture listener on window
// runs before the collectors' capture listeners on document, a bubble listener on window after
// everything else. All of them, not only the ones the collector listens for: rrweb records typing
// from `input` and the pointer from `mousemove`, and a recorder's cost is wherever it listens.
let began = 0, spent = 0, count = 0;
for (const t of ['keydown', 'keypress', 'beforeinput', 'input', 'keyup', 'pointerdown',
  'pointermove', 'pointerup', 'mousedown', 'mousemove', 'mouseup', 'click']) {
  window.addEventListener(t, () => { began = performance.now(); }, { capture: true, passive: true });
  window.addEventListener(t, () => { spent += performance.now() - began; count++; }, { passive: true });
}

// The floor: what any collector costs at least. The event types the collector listens for, on
// the same target with the same options (capture, passive), and one store of a time delta per
// event into a preallocated ring (1024: any size would do; nothing reads it but `floorSum`).
const FLOOR_TYPES = ['keydown', 'keyup', 'input', 'wheel', 'focusin', 'focusout', 'submit',
  'pointerdown', 'pointermove', 'pointerup', 'pointercancel'];
const ring = new Float64Array(1024);
let at = 0, prev = 0;
const floor = (e) => { ring[at++ & 1023] = e.timeStamp - prev; prev = e.timeStamp; };
const OPTS = { capture: true, passive: true };

// Stats of the last blocks, so that a condition is seen to have worked.
let floorEvents = 0;
window.bench = {
  take() { const r = { ms: spent, n: count }; spent = 0; count = 0; return r; },
  isolated: () => crossOriginIsolated,
  on(which) {
    if (which === 'wasm') collector.start();
    if (which === 'baseline') baseline.start();
    if (which === 'js') plain = startPlain(30000);
    if (which === 'floor') for (const t of FLOOR_TYPES) document.addEventListener(t, floor, OPTS);
    // rrweb's recorder with its defaults (mousemove sampled every 50 ms, every input recorded);
    // its events are kept in memory as a page's `emit` would hand them to a sender.
    if (which === 'rrweb') stopRrweb = record({ emit(e) { recorded.push(e); } });
  },
  off() {
    collector.stop();
    baseline?.stop();
    if (plain) { plain.stop(); plain = null; }
    for (const t of FLOOR_TYPES) document.removeEventListener(t, floor, OPTS);
    floorEvents = at;
    if (stopRrweb) { stopRrweb(); stopRrweb = null; }
  },
  // What each condition recorded since the last call: proof that it ran.
  seen() {
    const r = { rrweb: recorded.length, floor: floorEvents, wasm: collector.stats().events };
    recorded = [];
    return r;
  },
  // DOM churn: `rows` elements of `cells` children each (a results table arriving) appended
  // in one task, timed from before the first append to a microtask queued after the last: the
  // mutation observers' callbacks (the collector's `childList` watch, src/read.js `toggled` and
  // `shadows`; rrweb's recorder) run before it, at the same checkpoint. The rows are removed
  // again after the timing.
  churn(rows, cells) {
    return new Promise((resolve) => setTimeout(() => {
      const host = document.createElement('div');
      document.body.append(host);
      const t0 = performance.now();
      for (let i = 0; i < rows; i++) {
        const row = document.createElement('div');
        for (let j = 0; j < cells; j++) row.append(document.createElement('span'));
        host.append(row);
      }
      queueMicrotask(() => {
        const ms = performance.now() - t0;
        host.remove();
        resolve(ms);
      });
    }));
  },
  feed(n, t0) { collector.__benchFeed(n, t0); },
  wasmMemory: () => Collector.__benchMemory(),
  stats: () => collector.stats(),
};
window.ready = true;
