import { chromium } from 'playwright-core';
import { start } from '../tests/e2e/server.mjs';
const server = await start();
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
const page = await browser.newPage();
await page.goto(`${server.url}/bench/page.html`);
await page.waitForFunction(() => window.ready === true);
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable'); await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
await page.evaluate(() => window.bench.on('wasm'));
await cdp.send('Profiler.start');
await page.evaluate(() => { const ta = document.getElementById('t'); for (let i = 0; i < 20000; i++) { ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', bubbles: true, composed: true })); ta.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', code: 'KeyA', bubbles: true, composed: true })); } });
const { profile } = await cdp.send('Profiler.stop');
const self = new Map(); const byId = new Map(profile.nodes.map(n => [n.id, n]));
const counts = new Map(); for (const s of profile.samples) counts.set(s, (counts.get(s) || 0) + 1);
for (const [id, c] of counts) { const n = byId.get(id); const k = n.callFrame.functionName + ' ' + n.callFrame.url.split('/').pop(); self.set(k, (self.get(k) || 0) + c); }
console.log([...self].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${v}\t${k}`).join('\n'));
await browser.close(); await server.close();
