// `npm run bench:collector`: the collector's size, per-event cost and memory, printed.
//
// - Size: gzip -9 of the .wasm, the JS glue and its snippets as shipped in pkg/ (or the package
//   `--pkg DIR` names).
// - The browser phases load pkg-bench/ (`scripts/build-collector.sh --bench`): the same code built
//   with two bench hooks (feed synthetic events, read the memory size) that pkg/ never ships.
// - Per-input cost: in one headless Chromium page, blocks of trusted input (DevTools protocol
//   Input.dispatch*, with recorded-looking timestamps) are sent under five conditions, interleaved
//   and repeated: nothing ("off"), the floor (a bare capture, passive listener for the collector's
//   event types storing one time delta per event), the WebAssembly collector, a plain-JavaScript
//   implementation of the same features (bench/plain.js), and rrweb's recorder (npm, default
//   sampling). Every DOM event an input dispatches is bracketed by a capture listener on window
//   (runs first) and a bubble listener on window (runs last), timed with performance.now() at
//   5 µs (the page is cross-origin isolated); the added cost is the median per-input time of a
//   condition minus that of "off", and each condition's ratio to the floor is printed. Single
//   runs say nothing: dispatch noise is several microseconds.
// - Event Timing: keydown processingEnd - processingStart on the portal-like test page, with the
//   collector and without (see below).
// - Memory: wasm memory and JS heap after 10,000 and after 1,000,000 synthetic events.
//
// Options: --size-only (no browser), --pkg DIR (the package whose size is printed, default pkg),
// --budget-kb N (exit 1 if wasm + glue gzipped exceed N KB),
// --blocks N (interleaved blocks per condition, default 15), --key-only, --pointer-only,
// --event-timing-only, --et-rounds N (paragraphs typed each way, default 3),
// --profile (only where the time goes: the DevTools Profiler over key and pointer blocks),
// --churn-only (only the DOM churn: nodes appended with the collector watching and without),
// --baseline DIR (another build of the collector, e.g. the previous commit's pkg-bench/ copied to
// DIR, as one more condition of the same interleaved blocks: a change measured side by side).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { start } from '../tests/e2e/server.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const root = new URL('../', import.meta.url);
const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- size
const gz = (p) => gzipSync(readFileSync(new URL(p, root)), { level: 9 }).length;
const raw = (p) => readFileSync(new URL(p, root)).length;
// Everything the page downloads: the module, its glue and the glue's snippets (pkg/snippets/).
const pkg = (opt('--pkg') || 'pkg').replace(/\/$/, '');
const budget = opt('--budget-kb');
const shipped = [`${pkg}/telltale_bg.wasm`, `${pkg}/telltale.js`,
  ...readdirSync(new URL(`${pkg}/snippets/`, root), { recursive: true })
    .filter((f) => f.endsWith('.js')).sort().map((f) => `${pkg}/snippets/${f}`)];
let totalGz = 0;
console.log(`== size (${pkg}/, after wasm-bindgen and wasm-opt -Oz) ==`);
for (const f of shipped) {
  totalGz += gz(f);
  console.log(`${f.padEnd(58)} ${(raw(f) / 1024).toFixed(1).padStart(6)} KB raw, ${(gz(f) / 1024).toFixed(1).padStart(5)} KB gzipped`);
}
const totalKb = totalGz / 1024;
console.log(`${'total'.padEnd(58)} ${' '.repeat(14)} ${totalKb.toFixed(1).padStart(5)} KB gzipped`);
if (budget !== undefined && totalKb > Number(budget)) {
  console.error(`size budget exceeded: ${pkg}/ is ${totalKb.toFixed(1)} KB > ${budget} KB`);
  process.exit(1);
}
if (args.includes('--size-only')) process.exit(0);

// ---- browser
if (!existsSync(new URL('pkg-bench/telltale.js', root))) {
  console.error('pkg-bench/ is missing: run `bash scripts/build-collector.sh --bench` (npm run bench:collector does)');
  process.exit(1);
}
const baselineDir = opt('--baseline');
if (baselineDir && !existsSync(new URL(`${baselineDir}/telltale.js`, root))) {
  console.error(`--baseline ${baselineDir}: no telltale.js there (copy a pkg-bench/ build to it)`);
  process.exit(1);
}
const server = await start();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--enable-precise-memory-info', '--js-flags=--expose-gc'],
});
// Each measurement gets a fresh page: state from one (a textarea full of text, collector
// windows) never weighs on the next.
let page, cdp;
async function openPage() {
  if (page) await page.close();
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  page.on('crash', () => console.error('the bench page crashed'));
  page.on('pageerror', (e) => console.error('page error:', String(e)));
  await page.goto(`${server.url}/bench/page.html${baselineDir ? `?baseline=${encodeURIComponent(baselineDir)}` : ''}`);
  await page.waitForFunction(() => window.ready === true);
  cdp = await page.context().newCDPSession(page);
  if (!(await page.evaluate(() => window.bench.isolated()))) console.warn('not cross-origin isolated: timer resolution 100 µs');
  await page.click('#t');
}

const text = 'the quick brown fox jumps over the lazy dog while the reviewer reads on ';
let clock = Date.now() / 1000;
// Each block replays its timeline ending before "now": Chromium takes event timestamps from the
// protocol, and a timeline running minutes into the future makes it drop the page.
// Never backwards either: the next block starts where the last ended if that is later.
const rewind = (seconds) => { clock = Math.max(clock, Date.now() / 1000 - seconds); };
async function keyBlock(n) {
  rewind(n * 0.1);
  for (let i = 0; i < n / 2; i++) {
    const ch = text[i % text.length];
    const code = ch === ' ' ? 'Space' : `Key${ch.toUpperCase()}`;
    clock += 0.06 + ((i * 37) % 23) / 1000;
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: ch, code, text: ch, timestamp: clock });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: ch, code, timestamp: clock + 0.05 + ((i * 13) % 17) / 1000 });
  }
  return n;
}
// Inputs per pointer block. Chromium answers each protocol mouse move after the next frame (17 ms
// here, measured: 200 moves in 3.4 s, vsync and rAF-aligned input switched off or not), so a
// block of 1000 took 17 s and more, and 15 rounds of five conditions would take over 20 minutes.
// 200 moves are one stroke across the page and its click.
const POINTER_BLOCK = 200;
async function mouseBlock(n) {
  rewind(n * 0.001 + (n / 200) * 0.7 + 1);
  for (let i = 0; i < n; i++) {
    clock += 0.001; // a 1000 Hz mouse
    const k = i % 200;
    const x = 200 + 900 * (k / 200) + 30 * Math.sin(k / 15);
    const y = 300 + 300 * Math.sin(k / 60) + ((i / 200) | 0) % 7 * 20;
    if (k === 199) {
      await cdp.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1, timestamp: clock });
      await cdp.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1, timestamp: clock + 0.08 });
      clock += 0.6; // a rest after the click
    } else {
      await cdp.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y, timestamp: clock });
    }
  }
  return n + Math.floor(n / 200); // a click is two inputs in place of a move
}

const blocks = Number(opt('--blocks', 15));
// The floor (a bare listener), the collector, the plain-JavaScript version, rrweb's recorder, and
// "off" (the bracket alone, subtracted from each).
const conditions = ['off', 'floor', 'wasm', 'js', 'rrweb', ...(baselineDir ? ['baseline'] : [])];
const label = {
  floor: 'floor (bare listener)', wasm: 'Telltale (WebAssembly)', js: 'plain JavaScript', rrweb: 'rrweb record',
  baseline: `baseline (${baselineDir})`,
};
const results = {};
async function perEvent(kind, n, run) {
  const samples = Object.fromEntries(conditions.map((c) => [c, []]));
  for (let b = 0; b < blocks; b++) {
    // Rotate the order each round so that no condition always follows another.
    for (let c = 0; c < conditions.length; c++) {
      const cond = conditions[(b + c) % conditions.length];
      if (process.env.BENCH_TRACE) console.error(kind, b, cond);
      await page.evaluate((w) => { window.bench.on(w); window.bench.take(); }, cond);
      const inputs = await run(n);
      const { ms } = await page.evaluate(() => window.bench.take());
      await page.evaluate(() => window.bench.off());
      // µs per trusted input (one protocol key or mouse event, with every DOM event it caused).
      samples[cond].push((ms * 1000) / inputs);
    }
  }
  const base = median(samples.off);
  const added = Object.fromEntries(conditions.slice(1).map((c) => [c, median(samples[c]) - base]));
  results[kind] = { base, added };
  console.log(`${kind} events (medians of ${blocks} interleaved blocks of ${n}; dispatch alone ${base.toFixed(2)} µs/input):`);
  for (const c of conditions.slice(1)) {
    console.log(`  ${label[c].padEnd(24)} ${added[c].toFixed(2).padStart(6)} µs/input   ${(added[c] / added.floor).toFixed(2).padStart(5)}x the floor`);
  }
}

// ---- where the time goes (`--profile`): the DevTools protocol's sampling profiler over blocks of
// trusted input with the collector on, self time summed per function (wasm functions by index:
// the shipped build has no name section; `pkg-bench/telltale_bg.wasm`'s can be read with
// `wasm-objdump`), and the same blocks with the collector off for the page's own share.
async function profile(kind, n, run) {
  await openPage();
  const self = async (cond) => {
    await page.evaluate((w) => window.bench.on(w), cond);
    await cdp.send('Profiler.enable');
    // 50 µs: the finest interval Chromium keeps up with on this 2-core machine without the
    // sampler thread itself dominating (at 10 µs most samples are lost, measured).
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
    let inputs = 0;
    for (let b = 0; b < 3; b++) inputs += await run(n);
    const { profile: p } = await cdp.send('Profiler.stop');
    await page.evaluate(() => window.bench.off());
    const dt = new Map(); // node id -> µs
    for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) || 0) + (p.timeDeltas[i + 1] || 0));
    const byName = new Map();
    for (const node of p.nodes) {
      const f = node.callFrame;
      const file = f.url ? f.url.replace(/^.*\//, '') : '';
      const name = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
      byName.set(name, (byName.get(name) || 0) + (dt.get(node.id) || 0));
    }
    return { byName, inputs };
  };
  const on = await self('wasm');
  const off = await self('off');
  console.log(`\n${kind}: self time per trusted input, collector on (${on.inputs} inputs; sampled every 50 µs, so a few µs is noise)`);
  const rows = [...on.byName].map(([name, us]) => [name, us / on.inputs - (off.byName.get(name) || 0) / off.inputs])
    .sort((a, b) => b[1] - a[1]).slice(0, 16);
  for (const [name, us] of rows) console.log(`  ${us.toFixed(2).padStart(7)} µs  ${name}`);
}
if (args.includes('--profile')) {
  await profile('key', 300, keyBlock);
  await profile('pointer', POINTER_BLOCK, mouseBlock);
  await browser.close();
  await server.close();
  process.exit(0);
}
// ---- DOM churn: what the collector's `childList` watch costs a page that inserts many nodes.
// Interleaved rounds of the same insertion (100 rows of 20 elements, 2,100 elements) with
// nothing listening, with the collector, and with rrweb's recorder (which serializes what is
// added: a reference, not a bound); the added cost is the median minus that of "off".
const CHURN = { rows: 100, cells: 20 };
async function churn() {
  const added = CHURN.rows * (CHURN.cells + 1);
  console.log(`\n== DOM churn: ${added.toLocaleString('en')} elements appended in one task, to the end of the mutation observers' callbacks (Chromium ${browser.version()}) ==`);
  await openPage();
  const times = { off: [], wasm: [], rrweb: [] };
  for (let b = 0; b < blocks; b++) {
    for (const cond of b % 2 ? ['rrweb', 'wasm', 'off'] : ['off', 'wasm', 'rrweb']) {
      if (cond !== 'off') await page.evaluate((w) => window.bench.on(w), cond);
      times[cond].push(await page.evaluate(({ rows, cells }) => window.bench.churn(rows, cells), CHURN));
      await page.evaluate(() => window.bench.off());
    }
  }
  for (const [cond, name] of [['off', 'nothing listening'], ['wasm', 'Telltale'], ['rrweb', 'rrweb record()']]) {
    const m = median(times[cond]);
    const extra = cond === 'off' ? '' : `, added ${ms(m - median(times.off))} (${(((m - median(times.off)) * 1000) / added).toFixed(2)} µs per element)`;
    console.log(`${name.padEnd(18)} median ${ms(m)}${extra}`);
  }
}
const ms = (x) => `${x.toFixed(3)} ms`;
if (args.includes('--churn-only')) {
  await churn();
  await browser.close();
  await server.close();
  process.exit(0);
}
const etOnly = args.includes('--event-timing-only');
if (!etOnly) {
  console.log(`\n== main-thread time added per trusted input (Chromium ${browser.version()}) ==`);
  await openPage();
  if (!args.includes('--pointer-only')) await perEvent('key', 300, keyBlock);
  await openPage();
  if (!args.includes('--key-only')) await perEvent('pointer', POINTER_BLOCK, mouseBlock);
  const ratio = (k, of = 'floor') => results[k] ? `${(results[k].added.wasm / results[k].added[of]).toFixed(2)}x` : 'not measured';
  console.log(`Telltale against the floor: key ${ratio('key')} (bound 2x), pointer ${ratio('pointer')} (bound 1.5x)`);
  if (baselineDir) console.log(`Telltale against the baseline: key ${ratio('key', 'baseline')}, pointer ${ratio('pointer', 'baseline')}`);
  await churn();
}

// ---- what a user feels: Event Timing on the portal-like test page (tests/e2e/page.html, the
// shipped pkg/), a paragraph typed into its notes field, with the collector and without
// (`?collector=off`), alternating pages. Each keydown's processingEnd - processingStart is the
// time all its listeners took, the part of its Interaction to Next Paint that scripts add.
// Chromium reports an event only when its duration (timeStamp to next paint) reaches
// `durationThreshold`, at least 16 ms; so each key is sent with a timeStamp 50 ms in the past
// (the protocol sets it), and every keydown is reported.
const paragraph = 'please check the address on my account, i moved last month and the new '
  + 'statement went to the old flat. the reference number is on the letter you sent me. ';
async function eventTiming(withCollector) {
  const p = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  await p.goto(`${server.url}/tests/e2e/page.html${withCollector ? '' : '?collector=off'}`);
  await p.waitForFunction(() => window.__ready === true);
  const c = await p.context().newCDPSession(p);
  await p.evaluate(() => {
    window.__et = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'keydown') window.__et.push(e.processingEnd - e.processingStart);
    }).observe({ type: 'event', buffered: true, durationThreshold: 16 });
  });
  await p.click('#notes');
  for (const ch of paragraph) {
    const code = ch === ' ' ? 'Space' : ch === ',' ? 'Comma' : ch === '.' ? 'Period' : `Key${ch.toUpperCase()}`;
    const t = Date.now() / 1000;
    await c.send('Input.dispatchKeyEvent', { type: 'keyDown', key: ch, code, text: ch, timestamp: t - 0.05 });
    await c.send('Input.dispatchKeyEvent', { type: 'keyUp', key: ch, code, timestamp: t - 0.03 });
  }
  // Entries are delivered after the next frame.
  await p.waitForFunction((n) => window.__et.length >= n, paragraph.length, { timeout: 10000 }).catch(() => {});
  const v = await p.evaluate(() => window.__et);
  await p.close();
  return v;
}
const etRounds = Number(opt('--et-rounds', 3));
const et = { on: [], off: [] };
for (let r = 0; r < etRounds; r++) {
  for (const w of r % 2 ? [false, true] : [true, false]) et[w ? 'on' : 'off'].push(...(await eventTiming(w)));
}
console.log(`\n== Event Timing: keydown processingEnd - processingStart, a ${paragraph.length}-character paragraph typed ${etRounds} times each way (Chromium ${browser.version()}) ==`);
for (const [k, name] of [['off', 'without the collector'], ['on', 'with the collector']]) {
  console.log(`${name.padEnd(24)} median ${ms(median(et[k]))}, worst ${ms(Math.max(...et[k]))} (${et[k].length} keydowns)`);
}
const share = (a, b) => `${(((a - b) / 200) * 100).toFixed(2)}%`;
console.log(`collector's share of the 200 ms INP budget: median ${share(median(et.on), median(et.off))}, worst ${share(Math.max(...et.on), Math.max(...et.off))} (difference of the worsts)`);
if (etOnly) {
  await browser.close();
  await server.close();
  process.exit(0);
}

// ---- memory
await openPage();
const mem = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  return page.evaluate(() => ({ wasm: window.bench.wasmMemory(), heap: performance.memory.usedJSHeapSize }));
};
await page.evaluate(() => window.bench.feed(10_000, 0));
const m1 = await mem();
for (let done = 10_000; done < 1_000_000; done += 90_000) {
  await page.evaluate(([n, t]) => window.bench.feed(n, t), [90_000, done]);
}
const m2 = await mem();
const mb = (b) => (b / 1048576).toFixed(2);
console.log('\n== memory after synthetic events (windows, scoring queue included) ==');
console.log(`after    10,000: wasm ${mb(m1.wasm)} MB, JS heap ${mb(m1.heap)} MB`);
console.log(`after 1,000,000: wasm ${mb(m2.wasm)} MB, JS heap ${mb(m2.heap)} MB`);
console.log(`growth: wasm ${mb(m2.wasm - m1.wasm)} MB, JS heap ${mb(m2.heap - m1.heap)} MB (bound: 1 MB each)`);
console.log(`summaries made: ${(await page.evaluate(() => window.bench.stats())).summaries}`);
await browser.close();
await server.close();
