// End-to-end tests of the collector in headless Chromium, with trusted input (page.keyboard and
// page.mouse go through the DevTools protocol like a real device). Run: node --test tests/e2e/
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { start } from './server.mjs';
import { ARGS, aWindowOf, launch, movePath, testPageRound, typeInto, waitFor } from './human.mjs';
// The scenarios firefox.test.mjs runs in Firefox too.
import { afterRestore, pressEndedUnseen, privacyAudit, strictCsp } from './scenarios.mjs';

/** Every test gets its own time limit (3 min unless `timeout` says otherwise); the runner's
 * `--test-timeout` bounds the whole file. */
const test = (name, opts, fn) => (fn
  ? nodeTest(name, { timeout: 180_000, ...opts }, fn)
  : nodeTest(name, { timeout: 180_000 }, opts));
let browser;
// Everything a test opened, closed in `after` even when the test failed half-way (an open server
// would keep the test runner alive).
const opened = [];


before(async () => {
  browser = await launch();
});
after(async () => {
  for (const close of opened.reverse()) await close().catch(() => {});
  await browser?.close();
});

/** A fresh server and page with a collector built from `opts` (in browser `on`; `cacheable`:
 * pages the back/forward cache may keep). */
async function open(opts = {}, { on = browser, cacheable = false } = {}) {
  const server = await start({ cacheable });
  const context = await on.newContext({ viewport: { width: 1600, height: 1200 } });
  opened.push(() => context.close(), () => server.close());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // The collector's own faults never reach the page (its listeners are guarded): they are
  // written to the console, and count as errors here.
  page.on('console', (m) => { if (m.type() === 'error' && m.text().startsWith('telltale:')) errors.push(m.text()); });
  const full = { endpoint: '/v1/summaries', sessionToken: 'tok-e2e', ...opts };
  if (full.endpoint === null) delete full.endpoint;
  await page.goto(`${server.url}/tests/e2e/page.html?opts=${encodeURIComponent(JSON.stringify(full))}`);
  await page.waitForFunction(() => window.__ready === true);
  return { server, context, page, errors };
}

const stats = (page) => page.evaluate(() => window.__collector.stats());
/** A page id: 128 random bits as 32 lowercase hex digits, one per collector. */
const PAGE_ID = /^[0-9a-f]{32}$/;

/** Summaries by page id, each page's in sequence order. */
function byPage(summaries) {
  const pages = new Map();
  for (const s of summaries) pages.set(s.page, [...(pages.get(s.page) || []), s]);
  for (const list of pages.values()) list.sort((a, b) => a.seq - b.seq);
  return pages;
}
const flush = (page) => page.evaluate(() => window.__collector.flush());

test('summaries arrive with contiguous sequence numbers, the token, the page id and the schema version', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  // Each flush closes the open windows: typing, then seven hand movements (a pointer window
  // needs five actions; at about 1.2 s each they would not always fit a timed 4 s window).
  for (let round = 0; round < 2; round++) {
    await typeInto(page, '#notes', aWindowOf('the quick brown fox '));
    await flush(page);
    await movePath(page, [[300, 700], [900, 500], [500, 900], [700, 300], [1100, 800], [400, 400], [800, 600]]);
    await flush(page);
  }
  const got = await waitFor(() => {
    const s = server.summaries();
    return s.length >= 3 && s;
  }, 'three summaries');
  const seqs = got.map((s) => s.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, seqs.map((_, i) => i), `contiguous from 0: ${seqs}`);
  assert.equal(new Set(got.map((s) => s.page)).size, 1, 'one collector, one page id');
  for (const s of got) {
    assert.equal(s.schema, 2);
    assert.equal(s.session, 'tok-e2e');
    assert.match(s.page, PAGE_ID);
  }
  assert.ok(got.some((s) => s.keys && s.keys.keys >= 5), 'a free-text window');
  assert.ok(got.some((s) => s.pointer.some((p) => p.kind === 'mouse')), 'a mouse window');
  assert.equal(got.reduce((n, s) => n + s.counts.untrusted, 0), 0, 'trusted input');
  // The package's TypeScript types name every field of every record that arrived.
  const types = readFileSync(new URL('../../pkg/telltale.d.ts', import.meta.url), 'utf8');
  const keys = new Set();
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { keys.add(k); walk(x); }
  };
  walk(got);
  for (const k of keys) assert.match(types, new RegExp(`\\b${k}\\??: `), `field ${k} has no type in telltale.d.ts`);
  // Every statistic arrives rounded to six significant digits (the window times are not), so
  // that the largest summary fits one beacon (crates/core/tests/sizes.rs).
  const digits = (x) => String(Math.abs(x)).replace(/e.*$/, '').replace('.', '')
    .replace(/^0+/, '').replace(/0+$/, '').length;
  const stats = [];
  const collect = (v) => {
    if (typeof v === 'number') stats.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  // The replay fingerprint's hashes are no statistic (integers up to 2^32 - 1).
  for (const s of got) [s.keys, s.pointer, s.fixed, { ...s.automation, fingerprint: [] }].forEach(collect);
  assert.ok(stats.filter((x) => !Number.isInteger(x)).length > 20, 'fractional statistics arrived');
  for (const x of stats) assert.ok(digits(x) <= 6, `${x} has more than six significant digits`);
  const r = server.state.requests[0];
  assert.match(r.contentType, /application\/json/);
  assert.equal(r.authorization, 'Bearer tok-e2e');
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a collector started before login holds its summaries, then sends them under the token given later', async () => {
  // A login page: an endpoint, no token yet (null: as if not given).
  const { server, context, page, errors } = await open({ sessionToken: null, windowMs: 60000 });
  await typeInto(page, '#fixed', 'ab4821');
  await page.keyboard.press('Enter');
  await typeInto(page, '#notes', 'typed before the session began');
  await flush(page);
  assert.equal(server.state.requests.length, 0, 'nothing is sent without a token');
  const held = await page.evaluate(() => window.__collector.stats().queued);
  assert.ok(held >= 2, `held: ${held}`);
  assert.ok((await page.evaluate(() => window.__summaries)).every((s) => s.session === ''));
  await page.evaluate(() => window.__collector.setSessionToken('tok-late'));
  await typeInto(page, '#notes', ' and after');
  await flush(page);
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.length >= held + 1 && g;
  }, 'the held summaries and the next');
  assert.ok(got.every((s) => s.session === 'tok-late'), JSON.stringify(got.map((s) => s.session)));
  assert.deepEqual(got.map((s) => s.seq), got.map((_, i) => i), 'in order, numbered from 0');
  assert.ok(got.some((s) => s.fixed.length === 1 && !s.fixed[0].edited), 'the fixed-text entry');
  assert.ok(server.state.requests.every((r) => r.authorization === 'Bearer tok-late'));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a fixed-text entry left with Tab is a clean sample: Tab is no part of it', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  await typeInto(page, '#fixed', 'ab4821');
  // Most workers go from the employee id to the password with Tab: its keydown is in the id
  // field, its keyup in the password field.
  await page.keyboard.press('Tab', { delay: 60 });
  assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
  await page.keyboard.type('secret', { delay: 50 });
  await flush(page);
  const got = await waitFor(() => {
    const g = server.summaries().filter((s) => s.fixed.length);
    return g.length >= 1 && g;
  }, 'the entry');
  const [entry] = got[0].fixed;
  assert.equal(entry.field, 'employee-id');
  assert.equal(entry.edited, false);
  assert.equal(entry.timings.length, 3 * 6 - 2, 'six presses, the Tab not among them');
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('each collector has its own page id and numbers from 0: a second one on the page, a reload', async () => {
  // (session, page, seq) identifies a summary: two collectors under one token, on one page or
  // across a reload, must not repeat an identity (each numbers its summaries from 0).
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  await page.evaluate(() => {
    window.__second = new window.__collector.constructor({ endpoint: '/v1/summaries', sessionToken: 'tok-e2e' });
    window.__second.start();
  });
  const both = () => page.evaluate(() => Promise.all([window.__collector.flush(), window.__second.flush()]));
  await typeInto(page, '#notes', 'two collectors ');
  await both();
  await typeInto(page, '#notes', 'a second window ');
  await both();
  await page.reload();
  await page.waitForFunction(() => window.__ready === true);
  await typeInto(page, '#notes', 'after the reload ');
  await flush(page);
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.length >= 5 && g;
  }, 'five summaries');
  const pages = byPage(got);
  assert.deepEqual([...pages.values()].map((l) => l.length).sort(), [1, 2, 2], JSON.stringify([...pages.keys()]));
  for (const [id, list] of pages) {
    assert.match(id, PAGE_ID);
    assert.deepEqual(list.map((s) => s.seq), list.map((_, i) => i), `page ${id}: contiguous from 0`);
    assert.ok(list.every((s) => s.session === 'tok-e2e' && s.schema === 2));
  }
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('nothing is lost when the page is closed right after typing (beacon)', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  await typeInto(page, '#notes', aWindowOf('typed just before closing the tab'));
  await page.close({ runBeforeUnload: true });
  const got = await waitFor(() => {
    const s = server.summaries();
    return s.length >= 1 && s;
  }, 'the beacon');
  assert.ok(got.some((s) => s.keys && s.keys.keys >= 20), JSON.stringify(got));
  assert.ok(server.state.requests.some((r) => r.contentType.startsWith('text/plain')), 'sent by sendBeacon');
  await context.close();
  await server.close();
});

/** The page as if the worker switched tabs (`hidden`) or came back. */
const setHidden = (page, hidden) => page.evaluate((h) => {
  // Both, as a browser changes both (the collector reads `hidden`).
  Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true });
  Object.defineProperty(document, 'hidden', { value: h, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}, hidden);

test('a hidden page sends by beacon, each under 16 KiB', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  await typeInto(page, '#notes', 'typing before switching to another tab');
  await setHidden(page, true);
  await waitFor(() => server.summaries().length >= 1, 'the beacon');
  for (const r of server.state.requests) assert.ok(Buffer.byteLength(r.body) < 16 * 1024);
  assert.ok(server.state.requests.every((r) => r.contentType.startsWith('text/plain')));
  await context.close();
  await server.close();
});

test('offline, nothing is attempted; back online, the queue goes at once', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  await context.setOffline(true);
  await typeInto(page, '#notes', aWindowOf('typed on a train '));
  await flush(page);
  // Longer than the first retry's backoff (1 s): a collector that tried would have failed by now.
  await page.waitForTimeout(2500);
  // Hidden while offline: Chromium accepts a beacon then (sendBeacon returns true) and drops it,
  // so a beacon now would lose the summaries; they wait for the page to be back online.
  await typeInto(page, '#notes', 'and a tab switch ');
  await setHidden(page, true);
  await page.waitForTimeout(300);
  const s = await stats(page);
  assert.equal(s.failed, 0, `no send was attempted: ${JSON.stringify(s)}`);
  assert.equal(s.sent, 0, `nothing counted as sent: ${JSON.stringify(s)}`);
  assert.ok(s.queued >= 2, JSON.stringify(s));
  assert.equal(server.state.requests.length, 0);
  await setHidden(page, false);
  await context.setOffline(false);
  // Well before the next tick (a quarter of the 60 s window) would have sent it: the `online` event.
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.length >= 1 && g;
  }, 'delivery once online', 5000);
  assert.ok(got.some((x) => x.keys && x.keys.keys >= 10), JSON.stringify(got));
  await waitFor(async () => (await stats(page)).queued === 0, 'an empty queue');
  await waitFor(() => server.summaries().length >= 2, 'both summaries');
  await context.close();
  await server.close();
});

test('after a back/forward-cache restore the collector goes on collecting and sending', async () => {
  // Playwright turns the back/forward cache off with a command-line flag; this test needs it.
  const withCache = await launch({ ignoreDefaultArgs: ['--disable-back-forward-cache'] });
  opened.push(() => withCache.close());
  const { server, context, page } = await open({ windowMs: 2000 }, { on: withCache, cacheable: true });
  await afterRestore(page, server, 'tok-e2e');
  await context.close();
  await server.close();
  await withCache.close();
});

test('a failing endpoint is retried with backoff and the queue stays bounded', async () => {
  const { server, context, page } = await open({ windowMs: 60000, maxQueue: 3 });
  server.state.mode = 'fail';
  for (let i = 0; i < 6; i++) {
    await typeInto(page, '#notes', `w${i} `);
    await flush(page);
  }
  const s = await waitFor(async () => {
    const st = await stats(page);
    return st.failed >= 1 && st.dropped >= 3 && st;
  }, 'failures and drops');
  assert.ok(s.queued <= 3, JSON.stringify(s));
  assert.equal(server.summaries().length, 0);
  server.state.mode = 'ok';
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.length >= 3 && g;
  }, 'the retry', 60000);
  const seqs = got.map((x) => x.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, [3, 4, 5], 'the oldest were dropped, the newest delivered');
  await waitFor(async () => (await stats(page)).queued === 0, 'an empty queue');
  await context.close();
  await server.close();
});

/** A page whose server is down, after typing `text` and `failures` failed attempts to send it. */
async function failing(text, failures) {
  const it = await open({ windowMs: 60000 });
  it.server.state.mode = 'fail';
  await typeInto(it.page, '#notes', text);
  await flush(it.page);
  await waitFor(async () => (await stats(it.page)).failed >= failures, `${failures} failed attempts`);
  return it;
}

test('where no retry timer can be set, a failed batch waits for the next event, not resent in a loop', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  server.state.mode = 'fail';
  // The page's timers throw (the collector's retry timer cannot be set).
  await page.evaluate(() => {
    const boom = () => { throw new Error('replaced by the page'); };
    window.setTimeout = boom;
    window.setInterval = boom;
  });
  await typeInto(page, '#notes', 'no timers');
  // (Raced here: a collector that resends at once never settles.)
  const flushed = await Promise.race([flush(page).then(() => 'settled'),
    new Promise((resolve) => setTimeout(() => resolve('still sending after 10 s'), 10_000))]);
  assert.equal(flushed, 'settled');
  const attempts = () => server.state.requests.length;
  const first = attempts();
  await page.waitForTimeout(2000);
  assert.ok(attempts() - first <= 1, `${attempts() - first} more attempts in 2 s with no event`);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a stopped collector sets no retry timer; what failed waits for start()', async () => {
  const { server, context, page } = await failing('typed before logging out', 1);
  // stop() flushes (one attempt now, backoff or not), then no timer is left to retry with.
  await page.evaluate(() => window.__collector.stop());
  await waitFor(() => server.state.requests.length >= 2, 'the flush of stop()');
  await page.waitForTimeout(500); // what was out settles (the server answers at once)
  const before = server.state.requests.length;
  await page.waitForTimeout(4000); // longer than the backoff's first two waits (0.5-1 s, 1-2 s)
  assert.equal(server.state.requests.length, before, 'a stopped collector retried on a timer');
  assert.equal((await stats(page)).queued, 1);
  // Nothing lost: started again, the queue goes with the next send.
  server.state.mode = 'ok';
  await page.evaluate(() => window.__collector.start());
  await typeInto(page, '#notes', ' and after');
  await flush(page);
  await waitFor(() => server.summaries().length >= 2, 'both summaries');
  await context.close();
  await server.close();
});

test('flush() sends now, also while the collector waits to retry after failures', async () => {
  // Two failures: the collector's next retry is 1 to 2 s away (backoff_ms).
  const { server, context, page } = await failing('typed while the server was down', 2);
  server.state.mode = 'ok';
  await flush(page);
  assert.equal(server.summaries().length, 1, 'flush() waited for the retry timer');
  assert.equal((await stats(page)).queued, 0);
  await context.close();
  await server.close();
});

test('await flush() returns once the request has settled: delivered, failed, or timed out', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  // Flushes and reads the counters in one go, as a host would right after `await flush()`.
  const flushed = () => page.evaluate(async () => {
    await window.__collector.flush();
    return window.__collector.stats();
  });
  // A slow server: the promise waits for its answer.
  server.state.delayMs = 800;
  await typeInto(page, '#notes', 'slow server ');
  let s = await flushed();
  assert.equal(s.queued, 0, JSON.stringify(s));
  assert.ok(s.sent >= 1, JSON.stringify(s));
  assert.ok(server.summaries().length >= 1, 'the server has them');
  // A failing server: the promise still resolves, the summaries stay queued for the retry.
  server.state.mode = 'fail';
  await typeInto(page, '#notes', 'down ');
  s = await flushed();
  assert.ok(s.failed >= 1 && s.queued >= 1, JSON.stringify(s));
  // A server that never answers: the retry's request times out (15 s, src/send.js), counts as
  // failed, and the promise resolves (without the time-out it would wait past this test's limit).
  server.state.mode = 'hang';
  await waitFor(() => server.state.requests.at(-1).mode === 'hang', 'the retry reaching the hung server', 15000);
  const before = await stats(page);
  s = await flushed();
  assert.ok(s.failed > before.failed && s.queued >= 1, JSON.stringify(s));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a request settles whatever the page did to fetch and Response: flush() returns, nothing thrown', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  const settles = () => page.evaluate(() => Promise.race([
    window.__collector.flush().then(() => 'settled'),
    new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000)),
  ]));
  // A page's own code broke reading answers: the server took the batch, so it counts as sent.
  await page.evaluate(() => { Response.prototype.json = () => { throw new Error('patched by the page'); }; });
  await typeInto(page, '#notes', 'patched answers');
  assert.equal(await settles(), 'settled');
  assert.equal(server.summaries().length, 1);
  let s = await stats(page);
  assert.deepEqual([s.sent, s.failed, s.queued], [1, 0, 0], JSON.stringify(s));
  // A page that broke fetch itself: the attempt fails and the summary waits in the queue.
  await page.evaluate(() => { window.fetch = () => { throw new Error('patched by the page'); }; });
  await typeInto(page, '#notes', ' and fetch');
  assert.equal(await settles(), 'settled');
  s = await stats(page);
  assert.deepEqual([s.sent, s.failed, s.queued], [1, 1, 1], JSON.stringify(s));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('built-ins the page replaces after load, and unreadable scores, neither throw nor stop the collector', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  // (`Object.keys`, also taken at load, is left: Playwright's own page scripts need it.)
  await page.evaluate(() => {
    window.__keep = { parse: JSON.parse };
    const boom = () => { throw new Error('replaced by the page'); };
    JSON.parse = boom;
    performance.now = boom;
  });
  await typeInto(page, '#notes', aWindowOf('replaced built-ins'));
  // Neither call throws: `stats()` is read back through the kept JSON.parse.
  const statsText = await page.evaluate(() => {
    try {
      return window.__keep.parse(JSON.stringify(window.__collector.stats())).sent >= 0 ? 'read' : 'odd';
    } catch (e) {
      return `threw: ${e.message}`;
    }
  });
  assert.equal(statsText, 'read');
  const settled = await page.evaluate(() => {
    try {
      const p = window.__collector.flush();
      return p.then(() => 'settled');
    } catch (e) {
      return `threw: ${e.message}`;
    }
  });
  assert.equal(settled, 'settled');
  await waitFor(() => server.summaries().some((s) => s.keys !== null), 'the window, sent');
  // setTimeout replaced too: a request still settles (and is not sent again in a loop).
  await page.evaluate(() => { window.setTimeout = () => { throw new Error('replaced by the page'); }; });
  const before = server.summaries().length;
  await typeInto(page, '#notes', ' and timers');
  assert.equal(await page.evaluate(() => window.__collector.flush().then(() => 'settled')), 'settled');
  assert.equal(server.summaries().length, before + 1);
  // A fetch wrapper answering with scores that throw when read: accepted, and collecting goes on.
  await page.evaluate(() => {
    const real = window.fetch;
    window.fetch = async (...args) => {
      await real(...args);
      return { ok: true, status: 202, json: async () => ({ scores: new Proxy([], { get() { throw new Error('a trap'); } }) }) };
    };
  });
  await typeInto(page, '#notes', ' proxied');
  assert.equal(await page.evaluate(() => window.__collector.flush().then(() => 'settled')), 'settled');
  await typeInto(page, '#notes', ' still here');
  assert.equal(await page.evaluate(() => window.__collector.flush().then(() => 'settled')), 'settled');
  assert.equal(server.summaries().length, before + 3);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a redirected request is a failure, not a delivery (a 302 turns the POST into a GET)', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  server.state.mode = 'redirect';
  await typeInto(page, '#notes', 'typed behind a proxy');
  await flush(page);
  let s = await stats(page);
  assert.deepEqual([s.sent, s.failed, s.queued], [0, 1, 1], JSON.stringify(s));
  // The proxy lets requests through again: the summary is still there to send.
  server.state.mode = 'ok';
  await flush(page);
  s = await stats(page);
  assert.deepEqual([s.sent, s.queued], [1, 0], JSON.stringify(s));
  assert.equal(server.summaries().length, 1);
  await context.close();
  await server.close();
});

test('a batch the server refuses (4xx) is dropped, not retried; a 429 is retried', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  server.state.mode = 'reject';
  await typeInto(page, '#notes', 'refused ');
  await flush(page);
  await waitFor(async () => (await stats(page)).queued === 0, 'the refused batch dropped');
  // Long enough for the first retry (1 s backoff) to have happened if it were retried.
  await page.waitForTimeout(2500);
  const refused = server.state.requests.length;
  assert.equal(refused, 1, 'a refused batch is sent once');
  const s = await stats(page);
  assert.equal(s.sent, 0);
  assert.ok(s.failed >= 1, JSON.stringify(s));
  server.state.mode = 'busy';
  await typeInto(page, '#notes', 'later ');
  await flush(page);
  await waitFor(() => server.state.requests.length >= refused + 2, 'a retry after 429', 15000);
  server.state.mode = 'ok';
  const got = await waitFor(() => {
    const g = server.summaries();
    return g.length >= 1 && g;
  }, 'delivery after 429', 60000);
  const refusedSeqs = JSON.parse(server.state.requests[0].body).map((x) => x.seq);
  assert.ok(got.every((x) => !refusedSeqs.includes(x.seq)), 'the refused summaries are gone for good');
  await waitFor(async () => (await stats(page)).queued === 0, 'an empty queue');
  await context.close();
  await server.close();
});

test('a profile set on the collector yields onScore callbacks, also from the server', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  const profile = JSON.parse(readFileSync(new URL('../fixtures/empty-profile.packed.json', import.meta.url)));
  await page.evaluate((p) => window.__collector.setProfile(p), profile);
  server.state.scores = [{ similarity: 3, band: 'review', automation: 0, reasons: ['from server'], model_version: 'telltale-12' }];
  await typeInto(page, '#notes', 'scored in the browser as soon as possible');
  await flush(page);
  const scores = await waitFor(
    () => page.evaluate(() => window.__scores.length >= 2 && window.__scores),
    'scores',
  );
  assert.equal(scores[0].band, 'enrolling');
  assert.equal(scores[0].model_version, 'telltale-12');
  assert.ok(scores.some((s) => s.reasons[0] === 'from server'));
  const bad = await page.evaluate(() => {
    try { window.__collector.setProfile({ nope: 1 }); return 'accepted'; } catch (e) { return e.message; }
  });
  assert.match(bad, /not a profile/);
  await context.close();
  await server.close();
});

/** The host's scorer (`crates/core/examples/rescore.rs`; `npm test` builds it before this file
 * runs, so here cargo only finds it up to date), run with `input` on stdin. */
let rescoreBin;
function rescore(args, input) {
  if (!rescoreBin) {
    const out = execFileSync('cargo', ['build', '--release', '--locked', '-q', '-p', 'telltale-core',
      '--example', 'rescore', '--message-format=json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    rescoreBin = out.split('\n').filter(Boolean).map((l) => JSON.parse(l))
      .find((m) => m.reason === 'compiler-artifact' && m.target.name === 'rescore').executable;
  }
  return JSON.parse(execFileSync(rescoreBin, args, { input: JSON.stringify(input), encoding: 'utf8' }));
}

// Twelve rounds of human-paced typing and pointing: about 3 minutes, so a limit of its own.
test('one scorer: the page scores every summary exactly as the host re-scores it', { timeout: 420_000 }, async () => {
  // The product's flow: the server enrolls a profile from the worker's summaries, hands it to the
  // page, the page scores what comes next, and the server re-scores the same summaries. docs/design.md
  // promises identical scores (same numbers, same band, same reasons), not close ones.
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  const ENROLL = 10; // the fewest windows a profile may enrol from (ProfileParams::check)
  const round = () => testPageRound(page);
  for (let i = 0; i < ENROLL; i++) await round();
  const enrolled = await waitFor(() => {
    const g = server.summaries();
    const n = (f) => g.filter(f).length;
    return n((x) => x.keys) >= ENROLL && n((x) => x.fixed.length) >= ENROLL && n((x) => x.pointer.length) >= ENROLL && g;
  }, 'the enrollment summaries');
  const profile = rescore(['enroll', String(ENROLL)], enrolled);
  await page.evaluate((p) => window.__collector.setProfile(p), profile);
  for (let i = 0; i < 2; i++) await round();
  // Each round makes two summaries: the fixed-text entry's (closed by Enter) and the free-text
  // and pointer windows' (closed by flush).
  const scored = await waitFor(() => {
    const g = server.summaries().filter((x) => x.score);
    return g.length >= 4 && g;
  }, 'scored summaries');
  const host = rescore(['score'], { profile, summaries: scored });
  assert.deepEqual(scored.map((x) => x.score), host);
  // Not vacuous: the profile is enrolled and the scores are inside the scale, where every
  // rounding difference in exp/ln would show.
  const inside = scored.filter((x) => x.score.band !== 'enrolling' && x.score.similarity > 0 && x.score.similarity < 100);
  assert.ok(inside.length >= 2, JSON.stringify(scored.map((x) => x.score)));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('privacy audit: no canary, key name or coordinate leaves; passwords change nothing', async () => {
  const { server, context, page } = await open({ windowMs: 60000 });
  await privacyAudit(page, server);
  await context.close();
  await server.close();
});

test('no timing of the captured typing spans a password entry', async () => {
  // Notes, then a password typed over more than the 2 s that make a pause, then notes again:
  // the run of typing ends when focus enters the password field, so neither a pause nor a
  // down-down time measures how long the password took.
  const { server, context, page } = await open({ windowMs: 60000 });
  await typeInto(page, '#notes', 'notes typed before the');
  const start = Date.now();
  await typeInto(page, '#password', 'Zq7#pX9!mK');
  if (Date.now() - start < 2500) await page.waitForTimeout(2500 - (Date.now() - start));
  await typeInto(page, '#notes', ' and after it, to make a window');
  await flush(page);
  await waitFor(() => server.summaries().some((s) => s.keys !== null), 'a key window');
  const keys = server.summaries().find((s) => s.keys !== null).keys;
  assert.equal(keys.pauses, 0, JSON.stringify(keys));
  for (const p of keys.pairs) assert.ok(!p.dd || p.dd.q75 < 1000, JSON.stringify(p));
  await context.close();
  await server.close();
});

test('no hold or gap spans a password typed elsewhere: Tabbed through, in a frame, or shown before it was typed', async () => {
  const { server, context, page, errors } = await open({ windowMs: 120000 });
  await page.evaluate(() => {
    // Built with DOM calls: the page enforces Trusted Types.
    const make = (tag, props) => Object.assign(document.createElement(tag), props);
    const box = make('div', {});
    const shown = make('input', { id: 'shown', type: 'password' });
    const eye = make('button', { id: 'eye', type: 'button', textContent: 'show' });
    eye.addEventListener('click', () => { shown.type = shown.type === 'password' ? 'text' : 'password'; });
    const frame = make('iframe', { id: 'frame' });
    box.append(make('input', { id: 'a' }), make('input', { id: 'pw2', type: 'password' }), make('input', { id: 'b' }), frame, shown, eye);
    document.body.prepend(box);
    frame.contentDocument.body.append(Object.assign(frame.contentDocument.createElement('input'), { id: 'fpw', type: 'password' }));
  });
  // A password typed over about 2.5 s: a hold or gap that spanned it would be that long.
  const slowly = async (keyboard) => { for (const ch of 'Zq7#pX9!') { await keyboard.press(ch, { delay: 50 }); await page.waitForTimeout(260); } };
  for (let i = 0; i < 5; i++) {
    // Tab's keydown is in #a, its keyup in the password field; the next Tab's keyup is in #b.
    // Twelve presses a round: sixty, well over a free-text window's forty.
    await typeInto(page, '#a', 'username');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'pw2');
    await slowly(page.keyboard);
    await page.keyboard.press('Tab');
    await typeInto(page, '#b', 'ok');
    // Focus goes into a frame (no focusin here), the password is typed there, then back.
    await page.frameLocator('#frame').locator('#fpw').click();
    await slowly(page.keyboard);
    await page.click('#b');
    await page.keyboard.press('Space', { delay: 50 });
  }
  await flush(page);
  await waitFor(() => server.summaries().some((s) => s.keys !== null), 'a key window');
  const windows = server.summaries().filter((s) => s.keys !== null).map((s) => s.keys);
  for (const k of windows) {
    assert.equal(k.pauses, 0, JSON.stringify(k));
    for (const h of k.holds) assert.ok(h.hold.mean < 1000, JSON.stringify(h));
    for (const p of k.pairs) for (const d of [p.dd, p.ud]) assert.ok(!d || d.mean < 1000, JSON.stringify(p));
  }
  // A show-password toggle used before the field had any event: what is typed there is still
  // a password, captured not at all. Typed after a free-text window's worth of notes in the same
  // window: the window holds the notes' presses and no more.
  const before = server.summaries().length;
  const notes = aWindowOf('notes before the password');
  await typeInto(page, '#b', notes);
  await page.click('#eye');
  assert.equal(await page.evaluate(() => document.getElementById('shown').type), 'text');
  await page.click('#shown');
  await slowly(page.keyboard);
  await flush(page);
  const after = server.summaries().slice(before).filter((s) => s.keys !== null);
  assert.deepEqual(after.map((s) => s.keys.keys), [notes.length], JSON.stringify(after.map((s) => s.keys)));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a password field in an open shadow root, shown by an eye outside it before any event there, is not captured', async () => {
  const { server, context, page, errors } = await open({ windowMs: 120000 });
  // Web components holding a password field, each with its show-password eye in the page's own
  // DOM: one made before the collector started (it is restarted), one added after, one in a
  // shadow root nested in another.
  const make = (id, nested) => page.evaluate(([id, nested]) => {
    const host = Object.assign(document.createElement('div'), { id });
    let root = host.attachShadow({ mode: 'open' });
    if (nested) {
      const inner = document.createElement('span');
      root.append(inner);
      root = inner.attachShadow({ mode: 'open' });
    }
    const field = Object.assign(document.createElement('input'), { type: 'password' });
    root.append(field);
    const eye = Object.assign(document.createElement('button'), { id: `${id}-eye`, type: 'button', textContent: 'show' });
    eye.addEventListener('click', () => { field.type = 'text'; });
    document.body.prepend(host, eye);
  }, [id, nested]);
  await make('before', false);
  await page.evaluate(() => { window.__collector.stop(); window.__collector.start(); });
  await make('after', false);
  await make('nested', true);
  for (const id of ['before', 'after', 'nested']) {
    const from = server.summaries().length;
    await page.click(`#${id}-eye`);
    const field = page.locator(`#${id}`).locator('input');
    assert.equal(await field.evaluate((el) => el.type), 'text', id);
    // A free-text window's worth of notes first, in the same window: it holds their presses
    // and none of the password's.
    const notes = aWindowOf(`notes before ${id}`);
    await typeInto(page, '#notes', notes);
    await field.click();
    for (const ch of 'Zq7#pX9!') await page.keyboard.press(ch, { delay: 40 });
    await flush(page);
    const sent = server.summaries().slice(from).filter((s) => s.keys !== null);
    assert.deepEqual(sent.map((s) => s.keys.keys), [notes.length], `${id}: ${JSON.stringify(sent.map((s) => s.keys))}`);
  }
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a field made a password field after focus, or a collector stopped around a password, ends the run; summaries tile the time', async () => {
  const { server, context, page, errors } = await open({ windowMs: 120000 });
  await page.evaluate(() => {
    const make = (tag, props) => Object.assign(document.createElement(tag), props);
    // Anti-autofill pages: a text field until focus (the page's own focusin handler, which
    // runs after the collector's capture listener), or until its first key.
    const late = make('input', { id: 'late' });
    late.addEventListener('focusin', () => { late.type = 'password'; });
    const first = make('input', { id: 'first' });
    first.addEventListener('keydown', () => { first.autocomplete = 'current-password'; });
    const box = make('div', {});
    box.append(make('input', { id: 'c' }), late, first);
    document.body.prepend(box);
  });
  // A password typed over about 2.5 s: a gap that spanned it would be that long.
  const slowly = async () => { for (const ch of 'Zq7#pX9!') { await page.keyboard.press(ch, { delay: 50 }); await page.waitForTimeout(260); } };
  for (let i = 0; i < 3; i++) {
    for (const pw of ['#late', '#first']) {
      await typeInto(page, '#c', 'user');
      await page.click(pw);
      await slowly();
      await page.click('#c');
      await page.keyboard.press('Space', { delay: 50 });
    }
    // The host stops the collector around a step-up's password, then starts it again. A window's
    // worth of notes first: a stop drops presses too few for a window.
    await typeInto(page, '#c', aWindowOf('note'));
    await page.evaluate(() => window.__collector.stop());
    await slowly();
    await page.evaluate(() => window.__collector.start());
    await page.keyboard.press('Space', { delay: 50 });
  }
  await flush(page);
  await waitFor(() => server.summaries().some((s) => s.keys !== null), 'a key window');
  for (const k of server.summaries().filter((s) => s.keys !== null).map((s) => s.keys)) {
    assert.equal(k.pauses, 0, JSON.stringify(k));
    for (const h of k.holds) assert.ok(h.hold.mean < 1000, JSON.stringify(h));
    for (const p of k.pairs) for (const d of [p.dd, p.ud]) assert.ok(!d || d.mean < 1000, JSON.stringify(p));
  }
  // Each summary starts where the page's one before it ended: no gap times what came between.
  const mine = server.summaries().sort((a, b) => a.seq - b.seq);
  assert.ok(mine.length >= 4, `${mine.length} summaries`);
  for (let i = 1; i < mine.length; i++) assert.equal(mine[i].start_ms, mine[i - 1].end_ms, JSON.stringify(mine[i]));
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test("a field made a password field, or marked, by its first key: no key typed there is in a pair or a hold", async () => {
  // One window for all of it: a pair or a hold is reported from five timings on.
  const { server, context, page, errors } = await open({ windowMs: 120000, maxKeyEvents: 1000 });
  await page.evaluate(() => {
    const box = document.createElement('div');
    box.id = 'box';
    box.append(Object.assign(document.createElement('input'), { id: 'c' }));
    document.body.prepend(box);
  });
  // The page's own handler of the field's first key (on keydown, on its `input`, on keyup)
  // makes it a password field, or marks it ignored: the collector's capture listener has taken
  // that key already, as typed into a text field. A new field each time (a password field
  // stays one for the collector).
  const newField = (on, what) => page.evaluate(([on, what]) => {
    document.getElementById('first')?.remove();
    const first = Object.assign(document.createElement('input'), { id: 'first' });
    first.addEventListener(on, () => {
      if (what === 'ignore') first.setAttribute('data-telltale-ignore', '');
      else first.type = 'password';
    }, { once: true });
    document.getElementById('box').append(first);
  }, [on, what]);
  // Letters and spaces everywhere else; the passwords are the only digits typed (the first
  // with Shift: `&` on Digit7, so that a held-down modifier comes before it).
  for (const [on, what, secret] of [['keydown', 'password', '7890'], ['input', 'password', '&890'],
    ['keyup', 'password', '7890'], ['keydown', 'ignore', '7890']]) {
    for (let i = 0; i < 5; i++) {
      await newField(on, what);
      await typeInto(page, '#c', 'user ');
      // Clicked into, or Tabbed into (Tab's keyup then lands in the field, its keydown before),
      // with the pointer moving before the first key (moves kept unread, then key events kept
      // with them, read in one batch).
      if (i % 2) await page.keyboard.press('Tab', { delay: 50 });
      else await page.click('#first');
      await page.mouse.move(400 + 20 * i, 300, { steps: 3 });
      for (const ch of secret) await page.keyboard.press(ch, { delay: 50 });
      await typeInto(page, '#c', 'on ');
    }
  }
  await flush(page);
  await waitFor(() => server.summaries().some((s) => s.keys !== null), 'a key window');
  for (const k of server.summaries().filter((s) => s.keys !== null).map((s) => s.keys)) {
    for (const p of k.pairs) assert.ok(p.from !== 'digit' && p.to !== 'digit', JSON.stringify(p));
    for (const h of k.holds) assert.notEqual(h.class, 'digit', JSON.stringify(h));
  }
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('works under a strict Content-Security-Policy, throws nothing into the page', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  await strictCsp(page, server);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a press ended unseen (a native drag, a release over an ignored field) lets pauses end movements again', async () => {
  // Chromium starts a native drag-and-drop of the card, sends `pointercancel` (at 0, 0) and no
  // more pointer events, and after the drop no `pointerup`.
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  await pressEndedUnseen(page, server);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('two fingers at once: only the primary pointer\'s path is measured', async () => {
  const { server, context, page } = await open({ endpoint: null, windowMs: 60000 });
  // A touch context of its own (trusted touches through the DevTools protocol, as a screen
  // sends them), and a pad that the page pans and zooms itself (so the browser cancels nothing).
  const touchContext = await browser.newContext({ viewport: { width: 1600, height: 1200 }, hasTouch: true });
  opened.push(() => touchContext.close());
  const touchPage = await touchContext.newPage();
  await touchPage.goto(page.url());
  await touchPage.waitForFunction(() => window.__ready === true);
  await touchPage.evaluate(() => { document.getElementById('pad').style.touchAction = 'none'; });
  const cdp = await touchContext.newCDPSession(touchPage);
  const touch = (type, touchPoints) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints });
  // Six two-finger strokes: the first finger moves 100 px one way while the second, 600 px
  // away, moves the other way; woven together, their points made a path five times as long.
  for (let g = 0; g < 6; g++) {
    const y = 400 + g * 50;
    await touch('touchStart', [{ x: 300, y, id: 1 }, { x: 900, y, id: 2 }]);
    for (let i = 1; i <= 10; i++) {
      await touch('touchMove', [{ x: 300 + i * 10, y: y + i * 3, id: 1 }, { x: 900 - i * 10, y: y - i * 3, id: 2 }]);
      await touchPage.waitForTimeout(16);
    }
    await touch('touchEnd', []);
    await touchPage.waitForTimeout(600);
  }
  await touchPage.evaluate(() => window.__collector.flush());
  const windows = await touchPage.evaluate(() => window.__summaries.flatMap((s) => s.pointer));
  const strokes = windows.find((w) => w.kind === 'touch');
  assert.ok(strokes && strokes.actions >= 5, JSON.stringify(windows));
  const path = strokes.features.find((f) => f.name === 'path_px').dist;
  // The first finger's stroke: ten steps of (10, 3) px.
  assert.ok(Math.abs(path.q50 - 10 * Math.hypot(10, 3)) < 1, JSON.stringify(path));
  await context.close();
  await server.close();
});

test('host callbacks may call the collector back while it is calling them', async () => {
  // A host that stops collecting on a summary or score (a step-up, a logout) calls `stop()` from
  // `onSummary`, which may be running inside the host's own `flush()` or `stop()`; or it reads
  // `stats()` there. Each call must work, not be refused as a second use of the object.
  const { server, context, page, errors } = await open({ endpoint: null });
  await page.evaluate(() => {
    window.__collector.stop();
    window.__calls = [];
    const c = new window.__collector.constructor({
      onSummary: () => {
        for (const [what, call] of [['stats', () => c.stats()], ['stop', () => c.stop()],
          ['running', () => c.running]]) {
          try {
            window.__calls.push([what, JSON.stringify(call() ?? null)]);
          } catch (e) {
            window.__calls.push([what, `threw ${e}`]);
          }
        }
      },
    });
    window.__c3 = c;
    c.start();
  });
  await typeInto(page, '#notes', 'called back');
  // In `flush()`: the callback stops the collector.
  await page.evaluate(() => window.__c3.flush());
  let calls = await page.evaluate(() => window.__calls.splice(0));
  assert.ok(calls.length >= 3, JSON.stringify(calls));
  assert.ok(calls.every(([, r]) => !r.startsWith('threw')), JSON.stringify(calls));
  assert.ok(calls.filter(([w]) => w === 'running').every(([, r]) => r === 'false'), JSON.stringify(calls));
  assert.equal(await page.evaluate(() => window.__c3.running), false);
  // Started again, and stopped by the host: the callback, called from inside `stop()`, reads
  // `stats()` and calls `stop()` again.
  await page.evaluate(() => window.__c3.start());
  await typeInto(page, '#notes', ' and again');
  await page.evaluate(() => window.__c3.stop());
  calls = await page.evaluate(() => window.__calls.splice(0));
  assert.ok(calls.length >= 3, JSON.stringify(calls));
  assert.ok(calls.every(([, r]) => !r.startsWith('threw')), JSON.stringify(calls));
  const s = JSON.parse(calls.find(([w]) => w === 'stats')[1]);
  assert.ok(s.summaries >= 2 && s.faults === 0, JSON.stringify(s));
  assert.deepEqual(await page.evaluate(() => [window.__c3.running, window.__c3.stats().faults]), [false, 0]);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a collector freed without stop() first sends what it collected, then listens no more', async () => {
  const { server, context, page, errors } = await open({ windowMs: 60000 });
  await typeInto(page, '#notes', 'freed while running');
  assert.equal(server.summaries().length, 0, 'the window is still open');
  await page.evaluate(() => window.__collector.free());
  await waitFor(() => server.summaries().length >= 1, 'the summary of the freed collector');
  const n = server.summaries().length;
  const local = await page.evaluate(() => window.__summaries.length);
  assert.equal(local, n, 'onSummary had it too');
  await typeInto(page, '#notes', ' after');
  await page.waitForTimeout(500);
  assert.equal(server.summaries().length, n);
  assert.equal(await page.evaluate(() => window.__summaries.length), local);
  // Freed twice (or disposed after free): nothing happens, nothing is thrown.
  assert.equal(await page.evaluate(() => {
    try {
      window.__collector.free();
      window.__collector[Symbol.dispose]?.();
      return 'quiet';
    } catch (e) {
      return `threw: ${e.message}`;
    }
  }), 'quiet');
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('a started collector runs on when the page keeps no reference to it', async () => {
  // A module's top-level `const collector` that no function uses is garbage once the module has
  // run: the collector must not stop when the garbage collector frees the page's handle.
  const gcBrowser = await launch({ args: [...ARGS, '--js-flags=--expose-gc'] });
  opened.push(() => gcBrowser.close());
  const { server, context, page, errors } = await open({ endpoint: null }, { on: gcBrowser });
  await page.evaluate(() => {
    window.__collector.stop();
    window.__got = [];
    window.__handleFreed = false;
    window.__registry = new FinalizationRegistry(() => { window.__handleFreed = true; });
    (() => {
      const c = new window.__collector.constructor({
        // 3 s: a key window within seconds of its presses (a sparser window's carry over).
        windowMs: 3000,
        onSummary: (s) => window.__got.push(s),
      });
      c.start();
      window.__registry.register(c, 'handle');
    })();
  });
  await typeInto(page, '#notes', aWindowOf('before'));
  // Its window closed and delivered first: a summary ending after `freedAt` is of later typing
  // (summaries tile the time, so a later one starts where this one ended).
  await waitFor(() => page.evaluate(() => window.__got.some((s) => s.keys !== null)), 'the first key window', 20000);
  await waitFor(async () => {
    await page.evaluate(() => gc());
    return page.evaluate(() => window.__handleFreed);
  }, 'the handle garbage-collected', 20000);
  const freedAt = await page.evaluate(() => performance.now());
  await typeInto(page, '#notes', aWindowOf('after the handle is gone'));
  const later = await waitFor(() => page.evaluate(
    (t) => window.__got.filter((s) => s.end_ms > t && s.keys !== null).length,
    freedAt,
  ), 'a summary of typing after the garbage collection', 20000);
  assert.ok(later >= 1);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('invalid options are a clear error naming the option', async () => {
  const { server, context, page } = await open({ endpoint: null });
  const msgs = await page.evaluate(() => {
    const C = window.__collector.constructor;
    return [{ windowMs: 5 }, { endpoint: '/x', sessionToken: '' }, { onScore: 3 }, { widowMs: 1000 },
      // A token fetch could not put in its Authorization header (every send would fail).
      { endpoint: '/x', sessionToken: 'tok\u00e9\u4e2d' }, { endpoint: '/x', sessionToken: 'a\nb' },
      { endpoint: '/x', sessionToken: 'eyJ0eXAi.x-_~+/=' },
      // Endpoints fetch could never send to.
      { endpoint: 'ftp://example.com/x', sessionToken: 't' }, { endpoint: 'http://[::1', sessionToken: 't' },
      { endpoint: '', sessionToken: 't' }, { endpoint: 'https://telltale.example/v1/summaries', sessionToken: 't' }].map((o) => {
      try { new C(o); return 'accepted'; } catch (e) { return e.message; }
    });
  });
  assert.match(msgs[0], /windowMs/);
  assert.match(msgs[1], /option `sessionToken` must be 1 to 512 visible ASCII characters/);
  assert.match(msgs[2], /onScore/);
  assert.match(msgs[3], /unknown option `widowMs`/);
  assert.match(msgs[4], /option `sessionToken` must be 1 to 512 visible ASCII characters/);
  assert.match(msgs[5], /option `sessionToken` must be/);
  assert.equal(msgs[6], 'accepted');
  for (const m of msgs.slice(7, 10)) assert.match(m, /option `endpoint` must be an http\(s\) URL/);
  assert.equal(msgs[10], 'accepted');
  // Without crypto.getRandomValues there is no unguessable page id: construction fails, saying
  // so (nothing weaker, such as Math.random, stands in for it).
  const noRandom = await page.evaluate(() => {
    const C = window.__collector.constructor;
    Object.defineProperty(crypto, 'getRandomValues', { value: undefined, configurable: true });
    try {
      new C({});
      return 'accepted';
    } catch (e) {
      return `${e.name}: ${e.message}`;
    } finally {
      delete crypto.getRandomValues;
    }
  });
  assert.match(noRandom, /^Error: telltale: crypto\.getRandomValues is not available/);
  // The shipped package has exactly the documented API: no bench hook a page script could use
  // to feed made-up input (those exist only in the bench's own build, pkg-bench/).
  const api = await page.evaluate(() => {
    const C = window.__collector.constructor;
    return [...Object.getOwnPropertyNames(C.prototype), ...Object.getOwnPropertyNames(C)]
      .filter((n) => n.startsWith('__bench'));
  });
  assert.deepEqual(api, []);
  await context.close();
  await server.close();
});
