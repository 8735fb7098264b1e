// What `src/read.js` relies on when it reads pointer events in batches (`PointerReader.settle`):
// a trusted pointer event read after its dispatch gives the values it gave during it, its
// coalesced list included. A listener on the test page reads each event at once and keeps it;
// the same reads are done again later and compared. In Chromium (moves sent without waiting, so
// that the browser coalesces them) and in Firefox (WebDriver's moves, one sample each).
// Run: node --test tests/e2e/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from './server.mjs';
import { launch } from './human.mjs';
import { available, launchFirefox } from './firefox.mjs';

// Installed in the page: what PointerReader.put reads, for each pointer event and each of its
// coalesced events, during dispatch and again from the kept events.
function listen() {
  const now = [];
  const kept = [];
  const read = (ev) => {
    const list = ev.getCoalescedEvents ? ev.getCoalescedEvents() : [];
    const one = (e) => [e.timeStamp, e.clientX, e.clientY, e.buttons, e.movementX, e.movementY];
    return JSON.stringify([ev.type, ev.pointerType, ev.isPrimary, ev.isTrusted, list.length,
      ...one(ev), ...list.flatMap(one)]);
  };
  for (const type of ['pointerdown', 'pointermove', 'pointerup']) {
    document.addEventListener(type, (ev) => { now.push(read(ev)); kept.push(ev); },
      { capture: true, passive: true });
  }
  window.__compare = () => {
    const later = kept.map(read);
    return {
      events: now.length,
      trusted: now.filter((s) => JSON.parse(s)[3] === true).length,
      coalesced: now.filter((s) => JSON.parse(s)[4] > 1).length,
      differ: now.map((s, i) => [s, later[i]]).filter(([a, b]) => a !== b).slice(0, 3),
    };
  };
}

test('Chromium: pointer events read after dispatch give the values read during it', { timeout: 120_000 }, async () => {
  const server = await start();
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
    await page.goto(`${server.url}/tests/e2e/page.html?collector=off`);
    await page.waitForFunction(() => window.__ready === true);
    await page.evaluate(listen);
    const cdp = await page.context().newCDPSession(page);
    // 300 moves sent at once: Chromium delivers them a frame at a time, coalesced.
    const sent = [];
    for (let i = 0; i < 300; i++) {
      const held = i > 150;
      sent.push(cdp.send('Input.dispatchMouseEvent', {
        type: 'mouseMoved', x: 100 + i * 2, y: 100 + (i % 50), buttons: held ? 1 : 0, button: held ? 'left' : 'none',
      }));
    }
    await Promise.all(sent);
    await page.mouse.down();
    await page.mouse.move(500, 400, { steps: 20 });
    await page.mouse.up();
    // Read again well after the events were dispatched (src/read.js reads them within 16 moves).
    await page.waitForTimeout(300);
    const r = await page.evaluate(() => window.__compare());
    // The more Chromium coalesces, the fewer events the 300 moves arrive as (48 seen on a quiet
    // machine): some events, all trusted, is what the comparison needs.
    assert.ok(r.events > 20 && r.trusted === r.events, `trusted pointer events: ${JSON.stringify(r)}`);
    assert.ok(r.coalesced > 0, 'some moves carried more than one coalesced event');
    assert.deepEqual(r.differ, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('Firefox: pointer events read after dispatch give the values read during it', {
  timeout: 120_000,
  skip: !available() && !process.env.CI && 'Firefox ESR or geckodriver not installed (bash scripts/setup.sh installs them)',
}, async () => {
  const server = await start();
  const firefox = await launchFirefox();
  try {
    const page = await firefox.newPage(`${server.url}/tests/e2e/page.html?collector=off`);
    await page.waitForFunction(() => window.__ready === true);
    await page.evaluate(listen);
    await page.mouse.move(100, 100);
    await page.mouse.move(600, 400, { steps: 60 });
    await page.mouse.down();
    await page.mouse.move(200, 300, { steps: 30 });
    await page.mouse.up();
    await new Promise((ok) => setTimeout(ok, 300));
    const r = await page.evaluate(() => window.__compare());
    assert.ok(r.events > 50 && r.trusted === r.events, `trusted pointer events: ${JSON.stringify(r)}`);
    assert.deepEqual(r.differ, []);
  } finally {
    await firefox.close();
    await server.close();
  }
});
