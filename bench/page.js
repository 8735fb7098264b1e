// The bench page: exposes the WebAssembly collector and the plain-JavaScript one, each switched
// on and off by the bench script between blocks of trusted input.
// The bench's own build of the collector (pkg-bench/: the shipped code plus two bench hooks).
import init, { Collector } from '../pkg-bench/telltale.js';
import { startPlain } from './plain.js';

await init();
let plain = null;
const collector = new Collector({ windowMs: 30000, onSummary: () => {} });
// Bracket every input event: a capture listener on window runs before the collectors' capture
// listeners on document, a bubble listener on window after everything else.
let began = 0, spent = 0, count = 0;
for (const t of ['keydown', 'keyup', 'pointerdown', 'pointermove', 'pointerup']) {
  window.addEventListener(t, () => { began = performance.now(); }, { capture: true, passive: true });
  window.addEventListener(t, () => { spent += performance.now() - began; count++; }, { passive: true });
}
window.bench = {
  take() { const r = { ms: spent, n: count }; spent = 0; count = 0; return r; },
  isolated: () => crossOriginIsolated,
  on(which) {
    if (which === 'wasm') collector.start();
    if (which === 'js') plain = startPlain(30000);
  },
  off() {
    collector.stop();
    if (plain) { plain.stop(); plain = null; }
  },
  feed(n, t0) { collector.__benchFeed(n, t0); },
  wasmMemory: () => Collector.__benchMemory(),
  stats: () => collector.stats(),
};
window.ready = true;
