// Scenarios that every engine runs: collector.test.mjs in Chromium (Playwright), firefox.test.mjs
// in Firefox (geckodriver). Each takes the tab (`page`: Playwright's, or the same methods from
// firefox.mjs) with the test page open and the collector on it, and the local server.
import assert from 'node:assert/strict';
import { aWindowOf, typeInto, movePath, waitFor } from './human.mjs';

const flush = (page) => page.evaluate(() => window.__collector.flush());

/** The privacy audit: a canary typed into a password field, a CSS-masked PIN field (no summary
 * at all), the notes, a fixed-text field and an ignored field, and a known pointer path; no piece
 * of the canary, no key name and no coordinate leaves, in what is sent or handed to the page. */
export async function privacyAudit(page, server) {
  const canary = 'Zq7#pX9!mK';
  // Only the password fields first (a real one, and a text field masked like one by CSS): this
  // must produce no summary at all.
  await typeInto(page, '#password', canary + canary);
  await typeInto(page, '#pin', canary);
  await flush(page);
  await page.waitForTimeout(300);
  assert.equal(server.summaries(false).length, 0, 'typing a password made a summary');
  assert.equal(await page.evaluate(() => window.__summaries.length), 0);

  await typeInto(page, '#notes', `${canary} and ${canary} again ${canary}`);
  await typeInto(page, '#fixed', canary);
  await page.keyboard.press('Enter');
  // What the mark covers is not captured, and its keys not even counted (the count would be as
  // long as the canary): the click into the field is.
  const ignoredBefore = await page.evaluate(() => window.__collector.stats().ignored);
  await typeInto(page, '#ignored', canary);
  const ignoredTyped = await page.evaluate(() => window.__collector.stats().ignored) - ignoredBefore;
  assert.ok(ignoredTyped >= 2 * canary.length, `stats() counts the ignored field's keys: ${ignoredTyped}`);
  const path = [[1347, 1189], [1523, 1071], [1013, 733], [1291, 1117], [1459, 1033]];
  await movePath(page, path, false);
  await page.mouse.down();
  await page.mouse.move(1381, 1163, { steps: 8 });
  await page.mouse.up();
  await flush(page);
  await waitFor(() => server.summaries().length >= 2, 'summaries');
  const local = await page.evaluate(() => window.__summaries.map((s) => JSON.stringify(s)));
  const texts = [...server.state.requests.map((r) => r.body), ...local];
  const needles = [];
  for (let i = 0; i + 3 <= canary.length; i++) needles.push(canary.slice(i, i + 3));
  const keyNames = ['KeyZ', 'KeyQ', 'Digit7', 'Digit9', 'ShiftLeft', 'ShiftRight', 'Shift', 'Enter', 'Backspace', '"z"', '"q"', '"Z"'];
  for (const t of texts) {
    for (const n of needles) assert.ok(!t.includes(n), `canary piece ${n} in ${t}`);
    for (const k of keyNames) assert.ok(!t.includes(k), `key name ${k} in ${t}`);
    for (const [x, y] of [...path, [1381, 1163]]) {
      for (const c of [x, y]) {
        // A number on its own, not digits inside a hex id (a CI run's page id "40db733b…"
        // held 733).
        assert.ok(!new RegExp(`(?<![\\w.])${c}(?![\\w])`).test(t), `coordinate ${c} in ${t}`);
      }
    }
  }
  const all = server.summaries();
  assert.ok(all.some((s) => s.fixed.length === 1 && s.fixed[0].field === 'employee-id'), 'fixed-text entry');
  assert.ok(all.some((s) => s.counts.ignored > 0), 'the click into the ignored field is counted');
  const summaryIgnored = all.reduce((n, s) => n + s.counts.ignored, 0);
  assert.ok(summaryIgnored < 2 * canary.length, `the ignored field's keys are in no summary's count: ${summaryIgnored}`);
}

/** Under the server's strict Content-Security-Policy (Trusted Types enforced) the collector
 * sends, violates nothing, and a host callback that throws is a fault, counted and reported in
 * the next summary, never an exception in the page. */
export async function strictCsp(page, server) {
  await typeInto(page, '#notes', 'content security policy');
  await flush(page);
  await waitFor(() => server.summaries().length >= 1, 'a summary');
  const headers = await page.evaluate(async () => (await fetch(location.href)).headers.get('content-security-policy'));
  assert.match(headers, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(headers, /require-trusted-types-for 'script'; trusted-types 'none'/);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  await page.evaluate(() => {
    window.__collector.stop();
    window.__c2 = new window.__collector.constructor({
      endpoint: '/v1/summaries',
      sessionToken: 'tok-faults',
      onSummary: () => { throw new Error('host bug'); },
    });
    window.__c2.start();
  });
  await typeInto(page, '#notes', ' more typing');
  await page.evaluate(() => window.__c2.flush());
  const s = await page.evaluate(() => window.__c2.stats());
  assert.ok(s.faults >= 1, JSON.stringify(s));
  await typeInto(page, '#notes', ' and the next window');
  await page.evaluate(() => window.__c2.flush());
  const mine = () => server.summaries().filter((x) => x.session === 'tok-faults');
  await waitFor(() => mine().length >= 2, 'two summaries from the second collector');
  assert.equal(mine()[0].faults, 0, 'the fault came after the first summary was made');
  assert.ok(mine().slice(1).some((x) => x.faults >= 1), JSON.stringify(mine()));
}

/** Leaving a page kept in the back/forward cache (a `cacheable` server, a 2 s window) and coming
 * back: the restored collector goes on collecting and sending on its own timer, under the same
 * page id, with contiguous numbers; only it sends (under `token`). */
export async function afterRestore(page, server, token) {
  await typeInto(page, '#notes', aWindowOf('before leaving '));
  // Leaving sends what was typed by beacon; the page is frozen in the cache, not unloaded.
  await page.goto(`${server.url}/tests/e2e/page.html`);
  // The deadlines are generous: CI machines run this with other browsers busy.
  await waitFor(() => server.summaries().some((x) => x.keys), 'the beacon on leaving', 20000);
  // A restore fires `pageshow` (persisted), not `load`.
  await page.goBack({ waitUntil: 'commit' });
  await waitFor(async () => (await page.evaluate(() => window.__restores).catch(() => 0)) === 1,
    'a restore from the back/forward cache (not a reload)', 20000);
  const restoredAt = await page.evaluate(() => performance.now());
  // A free-text window's presses (over several 2 s windows: the sparser ones carry over).
  await typeInto(page, '#notes', aWindowOf('after coming back to the page'));
  // No flush: the window closes on the collector's own timer, which must have survived.
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.some((x) => x.keys && x.end_ms > restoredAt) && g;
  }, 'a summary typed after the restore', 30000);
  // A summary whose `fetch` was still in flight as the page was left goes again in the beacon
  // (delivery is at least once; a server drops the copy by page and number): the same summary.
  const byNumber = new Map();
  for (const x of got) {
    const key = `${x.page}/${x.seq}`;
    if (byNumber.has(key)) assert.deepEqual(x, byNumber.get(key), `a copy of ${key} is the same summary`);
    byNumber.set(key, x);
  }
  const seqs = [...byNumber.values()].map((x) => x.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, seqs.map((_, i) => i), 'one collector: contiguous sequence numbers');
  assert.equal(new Set(got.map((x) => x.page)).size, 1, 'the restored collector keeps its page id');
  assert.ok(got.every((x) => x.session === token), 'only the restored page sends');
}

/** A press ended unseen lets pauses end movements again: a native drag of the card (the browser
 * sends `pointercancel` and, after the drop, no `pointerup`), then a press over the pad released
 * over the ignored field (the boundary may not read the release), then six hover movements each
 * ended by a pause: they are movements, and no drag-and-drop action is made of the presses. */
export async function pressEndedUnseen(page, server) {
  await page.evaluate(() => {
    window.__cancels = 0;
    document.addEventListener('pointercancel', () => { window.__cancels += 1; }, true);
  });
  const box = await page.locator('#card').boundingBox();
  await page.mouse.move(box.x + 20, box.y + 20, { steps: 5 });
  await page.mouse.down();
  await page.mouse.move(box.x + 200, box.y + 300, { steps: 12 });
  await page.mouse.up();
  assert.equal(await page.evaluate(() => window.__cancels), 1, 'the browser cancelled the press');
  const pad = await page.locator('#pad').boundingBox();
  const ignored = await page.locator('#ignored').boundingBox();
  await page.mouse.move(pad.x + 400, pad.y + 200, { steps: 6 });
  await page.mouse.down();
  await page.mouse.move(ignored.x + 10, ignored.y + 5, { steps: 12 });
  await page.mouse.up();
  for (let i = 0; i < 6; i++) {
    await page.mouse.move(300 + 150 * i, 400 + 60 * (i % 3), { steps: 10 + i });
    await page.waitForTimeout(650);
  }
  await flush(page);
  await waitFor(() => server.summaries().some((s) => s.pointer.length > 0), 'a pointer window');
  const mouse = server.summaries().flatMap((s) => s.pointer).find((w) => w.kind === 'mouse');
  assert.ok(mouse.mouse_moves >= 5, JSON.stringify(mouse));
  assert.equal(mouse.drag_drops, 0, 'a press ended unseen is no drag-and-drop action');
}
