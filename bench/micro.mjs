import { chromium } from 'playwright-core';
import { start } from '../tests/e2e/server.mjs';
const server = await start();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
const page = await browser.newPage();
page.on('pageerror', (e) => console.log('pageerror', String(e)));
page.on('crash', () => console.log('CRASH'));
await page.goto(`${server.url}/bench/page.html`);
await page.waitForFunction(() => window.ready === true);
const r = await page.evaluate(() => {
  const ta = document.getElementById('t');
  const run = (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) { ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', bubbles: true, composed: true })); ta.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', code: 'KeyA', bubbles: true, composed: true })); } return (performance.now() - t0) * 1000 / (2 * n); };
  const out = {};
  for (const c of ['off', 'wasm', 'js', 'off', 'wasm', 'js']) { window.bench.on(c); out[c] = (out[c] || []).concat(run(5000)); window.bench.off(); }
  const mv = (n) => { const t0 = performance.now(); for (let i = 0; i < n; i++) ta.dispatchEvent(new PointerEvent('pointermove', { clientX: i % 500, clientY: 7, bubbles: true, composed: true, pointerType: 'mouse' })); return (performance.now() - t0) * 1000 / n; };
  for (const c of ['off', 'wasm', 'js', 'off', 'wasm', 'js']) { window.bench.on(c); out['p' + c] = (out['p' + c] || []).concat(mv(10000)); window.bench.off(); }
  return out;
});
console.log(JSON.stringify(r));
await browser.close(); await server.close();
