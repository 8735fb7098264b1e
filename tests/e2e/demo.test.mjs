// `npm run demo` end to end: the real server (demo mode, enrollment 10 windows as `npm start`
// runs it), the real portal in headless Chromium that shows the page a normal browser
// (navigator.webdriver false), recorded human timing replayed with CDP timestamps
// (scripts/demo/replay.mjs). Over 10 person pairs: genuine sessions end `allow`, impostors are
// flagged, the bot is flagged as automation; the step-up appears for an impostor; the dashboard
// lists the flagged sessions and draws their plots (screenshots in target/e2e-artifacts/); no
// console error but the enrolling profile's 404, no page error, no CSP violation; and the privacy
// audit of every request the pages sent. About 6 minutes on 2 cores shared with other work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, REVIEWER } from './realserver.mjs';
import { dataPresent, DATA, EMPLOYEE_ID, person, mouseSession } from '../../scripts/demo/data.mjs';
import {
  launchBrowser, runPair, PortalDriver, PLAN, sentenceEvents, typedText, charKey, flagged, automated,
  reviewer, BOT_TEXT,
} from '../../scripts/demo/replay.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = join(root, 'target/e2e-artifacts');
const PAIRS = 10;
/** The portal's password: a canary, so that the audit can look for it in every request. */
const PASSWORD = 'Pw-canary-Qz7Xv';
const SEARCH_CANARY = 'zqsearchcanaryvx';
const NOTES_CANARY = 'xjnotescanarywq';

let server;
let browser;
/** Every request the portal pages sent: `{url, method, headers, body}`. */
const requests = [];
/** What must not happen on any page: page errors, CSP violations, unexpected console errors. */
const faults = [];
/** Console errors that were expected, by what they were. */
const expected = { profile404: 0 };
const results = [];
let canarySession = null;

/** The audit's hooks for a page: requests, console errors, page errors, CSP violations. */
async function watch(page) {
  page.on('request', (r) => requests.push({
    url: r.url(), method: r.method(), headers: r.headers(), body: r.postData() ?? '',
  }));
  page.on('pageerror', (e) => faults.push(`page error: ${e}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location()?.url ?? '';
    // While a profile enrolls, GET /v1/profile answers 404 {error: "enrolling"} (docs/server.md),
    // and Chromium logs every 4xx answer to fetch as a failed resource load. That is the API
    // working as documented, not a fault of the page: counted, and allowed for this URL only.
    if (where.includes('/v1/profile') && /status of 404/.test(m.text())) {
      expected.profile404 += 1;
      return;
    }
    faults.push(`console error: ${m.text()} (${where})`);
  });
  await page.exposeBinding('__telltaleCsp', (_src, v) => faults.push(`CSP violation: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation',
      (e) => window.__telltaleCsp(`${e.violatedDirective} ${e.blockedURI}`));
  });
}

before(async () => {
  assert.ok(dataPresent(), `the data sets are missing from ${DATA} (see the README)`);
  server = await startServer(['--demo', '--demo-password', PASSWORD, '--enroll-windows', '10'],
    { www: join(root, 'www') });
  browser = await launchBrowser();
  mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('login starts the collector, summaries are stored; canaries typed into search and notes', { timeout: 120_000 }, async () => {
  const api = reviewer(server.url, REVIEWER);
  const d = new PortalDriver(browser, { url: server.url, password: PASSWORD, onPage: watch });
  await d.open();
  try {
    assert.equal(d.webdriver, false, 'the page sees a normal browser');
    const a = person(0);
    const login = await d.login(a.cmu.reps[0]);
    assert.equal(login.user, EMPLOYEE_ID);
    // The search box and the notes, typed with varied timing; a block of recorded work.
    await d.page.evaluate(() => { location.hash = '#/customers'; });
    await d.page.waitForSelector('#search');
    await d.page.focus('#search');
    await d.keys(plainEvents(`${SEARCH_CANARY}\r`), d.advance(500));
    await d.page.waitForFunction((q) => location.hash.includes(q), SEARCH_CANARY);
    await d.toNotes();
    await d.keys(plainEvents(NOTES_CANARY), d.advance(500));
    await d.block(mouseSession(a.sapi.one).slice(0, 400), a.aalto.sentences[0]);
    canarySession = login.session;
    await d.logout();
    const user = await api.user(EMPLOYEE_ID);
    const fixed = user.enrollment.find((e) => e.modality === 'fixed:employee_id');
    assert.equal(fixed?.samples, 1, 'the employee-id entry typed before login was stored under the session');
    const s = await api.session(login.session);
    assert.ok(s.timeline.length >= 2, `windows stored: ${s.timeline.length}`);
    assert.ok(user.enrollment.find((e) => e.modality === 'keys')?.samples >= 1, 'a free-text window');
    assert.ok(user.enrollment.find((e) => e.modality === 'pointer:mouse')?.samples >= 1, 'a pointer window');
  } finally {
    await d.close();
  }
});

test(`the demo over ${PAIRS} person pairs: genuine allowed, impostors flagged, the bot flagged as automation`, { timeout: 840_000 }, async () => {
  const started = Date.now();
  for (let p = 0; p < PAIRS; p++) {
    const r = await runPair(browser, { url: server.url, reviewerKey: REVIEWER, pair: p, password: PASSWORD, onPage: watch });
    for (const e of r.enrollment) {
      assert.ok(e.samples >= e.needed, `pair ${p}: enrollment of ${e.modality} ${e.samples}/${e.needed}`);
    }
    results.push(r);
    const [g, i, b] = r.sessions;
    console.log(`# pair ${p}: genuine ${g.band} [${g.flags}] sim ${g.similarity?.toPrecision(3)}; impostor ${i.band} [${i.flags}] sim ${i.similarity?.toPrecision(3)} step-ups ${i.stepUps}; bot [${b.flags}] automation ${b.automation}`);
  }
  const genuineAllow = results.filter((r) => r.sessions[0].band === 'allow' && !flagged(r.sessions[0])).length;
  const impostorFlagged = results.filter((r) => flagged(r.sessions[1])).length;
  const botAutomation = results.filter((r) => automated(r.sessions[2])).length;
  console.log(`# ${PAIRS} pairs in ${((Date.now() - started) / 1000).toFixed(0)} s: genuine allow ${genuineAllow}, impostor flagged ${impostorFlagged}, bot automation ${botAutomation}`);
  assert.ok(genuineAllow >= 8, `genuine sessions that ended allow: ${genuineAllow}/${PAIRS}`);
  assert.ok(impostorFlagged >= 8, `impostor sessions flagged: ${impostorFlagged}/${PAIRS}`);
  assert.equal(botAutomation, PAIRS, `bot sessions flagged as automation: ${botAutomation}/${PAIRS}`);
  // The step-up prompt: the portal asked an impostor for the password again, and asked only
  // where the session's decision reached the step-up level or automation, never on one low
  // window (a genuine session's lowest window is often under similarity 1).
  const asked = results.filter((r) => r.sessions[1].stepUps > 0).length;
  const genuineAsked = results.filter((r) => r.sessions[0].stepUps > 0).length;
  console.log(`# the step-up dialog appeared in ${asked}/${PAIRS} impostor sessions, ${genuineAsked}/${PAIRS} genuine ones`);
  assert.ok(asked >= 1, 'the step-up dialog appeared for an impostor');
  for (const r of results) {
    for (const s of r.sessions) {
      assert.ok(s.stepUps === 0 || s.band === 'step_up' || automated(s),
        `pair ${r.pair} ${s.kind}: asked ${s.stepUps}x with the session at ${s.band} [${s.flags}]`);
      assert.equal(s.stepUpsPassed, s.stepUps, `pair ${r.pair} ${s.kind}: every answered step-up is recorded`);
    }
  }
});

test('the dashboard lists the flagged sessions and draws their plots', { timeout: 120_000 }, async () => {
  assert.ok(results.length > 0, 'the demo ran');
  const last = results[results.length - 1];
  const shown = last.sessions.filter(flagged);
  assert.ok(shown.length >= 1, 'the last pair has flagged sessions');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await watch(page);
  try {
    await page.goto(`${server.url}/dashboard/`);
    await page.fill('#reviewer-key', REVIEWER);
    await page.keyboard.press('Enter');
    await page.waitForSelector('table.queue');
    for (const s of shown) {
      assert.ok(await page.$(`table.queue a[href="#/session/${s.session}"]`), `the queue lists the ${s.kind} session`);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-queue.png'), fullPage: true });
    for (const s of shown) {
      await page.goto(`${server.url}/dashboard/#/session/${s.session}`);
      await page.waitForSelector('#verdict-h');
      await page.waitForSelector('.chart .u-over');
      // uPlot draws into canvases: the timeline's and one per feature strip, all with pixels.
      const drawn = await page.evaluate(() => [...document.querySelectorAll('canvas')].map((c) => {
        const x = c.getContext('2d');
        const { data } = x.getImageData(0, 0, c.width, c.height);
        let ink = 0;
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink += 1;
        return { w: c.width, h: c.height, ink };
      }));
      assert.ok(drawn.length >= 2, `${s.kind}: plots drawn: ${drawn.length}`);
      assert.ok(drawn.every((c) => c.w > 0 && c.h > 0 && c.ink > 0), `${s.kind}: every canvas has pixels: ${JSON.stringify(drawn)}`);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-session-${s.kind}.png`), fullPage: true });
    }
  } finally {
    await context.close();
  }
});

test('no console error but the enrolling profile 404, no page error, no CSP violation', () => {
  assert.deepEqual(faults, []);
  console.log(`# ${expected.profile404} console errors for GET /v1/profile 404 (enrolling), allowed`);
});

test('privacy audit: no request carries a typed character, a key, a coordinate or the password', () => {
  assert.ok(requests.length > 1000, `requests captured: ${requests.length}`);
  const summaries = requests.filter((r) => r.url.includes('/v1/summaries'));
  assert.ok(summaries.length >= 10 * PAIRS, `summary batches captured: ${summaries.length}`);
  // The portal's own login backend (POST /demo/login and /demo/step-up) receives the employee
  // id and the password by design: it is the customer's login, not Telltale's. Every other
  // request is audited, URL, headers and body.
  const backend = (r) => ['/demo/login', '/demo/step-up'].includes(new URL(r.url).pathname);
  const audited = requests.filter((r) => !backend(r));
  const logins = requests.filter((r) => new URL(r.url).pathname === '/demo/login').length;
  assert.ok(logins >= 23 * PAIRS, `logins: ${logins}`);
  const text = (r) => `${r.method} ${r.url}\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n${r.body}`;
  const all = audited.map(text);
  const find = (needle) => all.findIndex((t) => t.includes(needle));

  // Canaries and the password.
  for (const c of [PASSWORD, SEARCH_CANARY, NOTES_CANARY]) assert.equal(find(c), -1, `"${c}" left the page`);
  for (const c of [PASSWORD, SEARCH_CANARY, NOTES_CANARY]) {
    for (let i = 0; i + 6 <= c.length; i++) {
      const piece = c.slice(i, i + 6);
      assert.equal(find(piece), -1, `a piece of "${c}" left the page: "${piece}"`);
    }
  }
  // Everything typed into the notes: no 8-character run of it appears in a URL or a body. A
  // summary's in-page score carries reasons, words telltale-core writes from its feature names
  // ("pauses after a release"), and its automation signals are named by telltale-core's fixed
  // list ("clicks_without_approach"): those are left out of this search (they matched "after a "
  // and "approach" of typed sentences), and so are the headers, the browser's words ("application" of a typed
  // sentence matched `content-type: application/json`); the canaries above are searched for in
  // the headers too.
  const noReasons = (r) => {
    let body = r.body;
    if (r.url.includes('/v1/summaries')) {
      try {
        body = JSON.stringify(JSON.parse(r.body), (k, v) => (k === 'reasons' || k === 'signals' ? undefined : v));
      } catch { /* not JSON: searched as it is */ }
    }
    return `${r.method} ${r.url}\n${body}`;
  };
  const allNoReasons = audited.map(noReasons);
  const typed = [];
  for (let p = 0; p < results.length; p++) {
    const a = person(2 * p);
    const b = person(2 * p + 1);
    for (const s of a.aalto.sentences.slice(PLAN.enrollSentences[0], PLAN.heldOutSentences[1])) typed.push(typedText(sentenceEvents(s)));
    for (const s of b.aalto.sentences.slice(...PLAN.heldOutSentences)) typed.push(typedText(sentenceEvents(s)));
  }
  typed.push(BOT_TEXT);
  let runs = 0;
  for (const t of typed) {
    for (let i = 0; i + 8 <= t.length; i += 4) {
      const run = t.slice(i, i + 8);
      if (!/[a-z]{3}/i.test(run)) continue; // digits-and-spaces runs could be numbers
      runs += 1;
      assert.equal(allNoReasons.findIndex((x) => x.includes(run)), -1, `typed text left the page: "${run}"`);
    }
  }
  assert.ok(runs > 1000, `typed runs checked: ${runs}`);
  // Key identity: no key name or code, no key/code/text field.
  const keyish = /\b(Key[A-Z]|Digit[0-9]|Numpad\w+|Shift(Left|Right)|Backspace|CapsLock|Period|Comma|Semicolon|Quote|Slash)\b|"(key|code|char|text|which|keyCode)"\s*:/;
  const withKeys = audited.filter((r) => keyish.test(r.body) || keyish.test(r.url));
  assert.deepEqual(withKeys.map((r) => r.url), [], 'key identity left the page');
  // Coordinates: no coordinate field, and no replayed position "x,y" as a pair of numbers.
  const coordField = /"(x|y|clientX|clientY|pageX|pageY|screenX|screenY|offsetX|offsetY|points|path)"\s*:/;
  assert.deepEqual(audited.filter((r) => coordField.test(r.body)).map((r) => r.url), [], 'a coordinate field left the page');
  // Left out of the pair search: a fixed-text entry's `timings` (ms; CMU's timings are whole
  // milliseconds, replayed exactly, so two adjacent ones can read as a position: a CI run saw
  // "634,534") and the replay `fingerprint` (hashes). Both are arrays of numbers by design.
  const bodies = summaries
    .map((r) => r.body.replace(/"(timings|fingerprint)":\[[^\]]*\]/g, '"$1":[]'))
    .join('\n');
  let pairsChecked = 0;
  for (let p = 0; p < results.length; p++) {
    for (const who of [person(2 * p), person(2 * p + 1)]) {
      // Three-digit positions only: a pair of small numbers is also a histogram's two counts.
      for (const row of mouseSession(who.sapi.one).filter((r, i) => i % 5 === 0 && r.x >= 100 && r.y >= 100)) {
        pairsChecked += 1;
        // As recorded, and as replayed (moved below the top bar).
        for (const [x, y] of [[row.x, row.y], [row.x, row.y + results[p].offsetY]]) {
          assert.ok(!new RegExp(`[\\[,:]${x},${y}[,\\]]`).test(bodies), `the position ${x},${y} left the page`);
        }
      }
    }
  }
  assert.ok(pairsChecked > 1000, `positions checked: ${pairsChecked}`);
  assert.ok(canarySession, 'the canary session ran');
});

/** Plain typing of `text` with varied holds and gaps (deterministic). */
function plainEvents(text) {
  const events = [];
  let t = 0;
  [...text].forEach((ch, i) => {
    const k = ch === '\r' ? { key: 'Enter', code: 'Enter', vk: 13, text: '\r' } : charKey(ch);
    const hold = 70 + ((i * 37) % 60);
    events.push({ t, down: true, k }, { t: t + hold, down: false, k });
    t += 120 + ((i * 53) % 110);
  });
  return events.sort((a, b) => a.t - b.t);
}
