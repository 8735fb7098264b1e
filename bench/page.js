// The bench page: exposes the WebAssembly collector and the plain-JavaScript one, each switched
// on and off by the bench script between blocks of trusted input.
import init, { Collector } from '../pkg/telltale.js';
import { startPlain } from './plain.js';

const wasm = await init();
let plain = null;
const collector = new Collector({ windowMs: 30000, onSummary: () => {} });
window.bench = {
  on(which) {
    if (which === 'wasm') collector.start();
    if (which === 'js') plain = startPlain(30000);
  },
  off() {
    collector.stop();
    if (plain) { plain.stop(); plain = null; }
  },
  feed(n, t0) { collector.__benchFeed(n, t0); },
  wasmMemory: () => wasm.memory.buffer.byteLength,
  stats: () => collector.stats(),
};
window.ready = true;
