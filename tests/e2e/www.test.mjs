// End-to-end tests of www/ (the demo portal and the reviewer dashboard) against the real server
// in demo mode, in headless Chromium under the server's Content-Security-Policy. Needs the
// release server, pkg/ and www/vendor/ (`npm test` builds all three first).
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, typeInto, waitFor } from './human.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const REVIEWER = 'reviewer-key-www-0123456789';
const PASSWORD = 'telltale-demo';
/** Every test gets 3 minutes (the step-up waits for windows to close). */
const test = (name, opts, fn) => (fn
  ? nodeTest(name, { timeout: 180_000, ...opts }, fn)
  : nodeTest(name, { timeout: 180_000 }, opts));

let server;
let browser;

/** The server in demo mode on a free port, serving www/ and pkg/, with a fresh database. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-www-'));
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn(join(root, 'target/release/telltale-server'), [
    '--demo', '--listen', `127.0.0.1:${port}`, '--db', join(dir, 'telltale.db'),
    '--www', join(root, 'www'), '--pkg', join(root, 'pkg'),
  ], {
    env: {
      ...process.env,
      TELLTALE_PORTAL_KEY: 'portal-key-www-0123456789',
      TELLTALE_REVIEWER_KEY: REVIEWER,
      RUST_LOG: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => fetch(`${url}/healthz`).then((r) => r.ok, () => false), 'the server', 15_000);
  return {
    url,
    /** A reviewer's GET of the API. */
    review: async (path) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${REVIEWER}` } })).json(),
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * A page at `width` that records what must not happen: page errors, CSP violations, and console
 * errors other than the `expected` ones (`[urlPart, why]`: Chromium logs every 4xx answer to
 * fetch as a console error).
 */
async function open(path, { width = 1280, expected = [] } = {}) {
  const context = await browser.newContext({ viewport: { width, height: width < 600 ? 844 : 800 } });
  const page = await context.newPage();
  const faults = [];
  page.on('pageerror', (e) => faults.push(`page error: ${e}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url || '';
    if (!expected.some(([part]) => where.includes(part))) faults.push(`console: ${m.text()} (${where})`);
  });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(`${server.url}${path}`);
  const check = async () => {
    assert.deepEqual(await page.evaluate(() => window.__violations), [], 'CSP violations');
    assert.deepEqual(faults, [], 'page errors or unexpected console errors');
  };
  return { context, page, check };
}

// While a profile enrolls, GET /v1/profile answers 404 (docs/server.md), which Chromium logs.
const ENROLLING = ['/v1/profile', 'the profile is still enrolling: 404'];

/** Signs in on the portal's login view, typing the id like a person; `next`: how focus leaves
 * the employee-id field ('click' on the password field, or 'tab'). -> the saved login. */
async function logIn(page, user, next = 'click') {
  await page.waitForSelector('#login-view:not([hidden])');
  await typeInto(page, '#employee-id', user);
  if (next === 'tab') await page.keyboard.press('Tab');
  else await page.click('#password');
  await page.keyboard.type(PASSWORD, { delay: 30 });
  await page.keyboard.press('Enter');
  await page.waitForSelector('#workspace:not([hidden])');
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('telltale-demo-portal.login')));
}

const fixedSamples = async (user) => (await server.review(`/v1/users/${user}`)).enrollment
  ?.find((e) => e.modality === 'fixed:employee_id')?.samples ?? 0;

test('portal: the employee id typed before login reaches the server under the new session', async () => {
  const { context, page, check } = await open('/portal/', { expected: [ENROLLING] });
  // The login view shows (and takes focus) once main.js's top-level await has loaded the
  // collector, which may be after `goto` resolves at the load event.
  await page.waitForFunction(() => document.activeElement?.id === 'employee-id', null, { timeout: 10_000 })
    .catch(() => {});
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'employee-id', 'focus on load');
  const login = await logIn(page, 'E-www-1');
  assert.equal(login.user, 'E-www-1');
  // The collector that measured the entry had no token until login; it sent what it held under
  // the new one (setSessionToken).
  assert.equal(await waitFor(() => fixedSamples('E-www-1'), 'the fixed-text sample'), 1);
  const view = await server.review(`/v1/sessions/${login.session}`);
  assert.ok(view.timeline.length >= 1, 'the login window is in the session');
  // Click through: search, a record, a ticket, a note.
  await page.click('nav a[data-route="customers"]');
  await typeInto(page, '#search', 'ada');
  await page.keyboard.press('Enter');
  await page.click('table a[href^="#/customer/"]');
  await page.waitForSelector('.record');
  await page.goto(`${server.url}/portal/#/ticket/T-5000`);
  await typeInto(page, '#notes', 'called back');
  await page.click('button:text("Add note")');
  assert.match(await page.textContent('.history'), /called back/);
  // A reload keeps the login and the view.
  await page.reload();
  await page.waitForSelector('#notes');
  assert.equal(await page.textContent('#who'), 'E-www-1');
  await check();
  await context.close();
});

test('portal: an automated window asks for the password again; the right one keeps the session', async () => {
  const { context, page, check } = await open('/portal/', {
    expected: [ENROLLING, ['/demo/step-up', 'the wrong password, on purpose: 401']],
  });
  const login = await logIn(page, 'E-www-2');
  await page.goto(`${server.url}/portal/#/ticket/T-5000`);
  await page.click('#notes');
  // A script typing: untrusted, exactly periodic key events (with webdriver: an automation
  // verdict, so the server's answer asks for a step-up).
  await page.evaluate(async () => {
    const el = document.getElementById('notes');
    for (let i = 0; i < 120; i++) {
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', code: 'KeyA', bubbles: true }));
      el.dispatchEvent(new KeyboardEvent('keyup', { key: 'a', code: 'KeyA', bubbles: true }));
      await new Promise((r) => setTimeout(r, 20));
    }
  });
  await page.keyboard.type('and some typing', { delay: 60 });
  await page.waitForSelector('dialog#stepup[open]', { timeout: 60_000 });
  // Focus on the title: a sentence being typed does not land in the password field.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'stepup-title');
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-the-password');
  await page.keyboard.press('Enter');
  await waitFor(() => page.textContent('#stepup-error'), 'the refusal');
  assert.equal(await page.evaluate(() => document.querySelector('dialog#stepup').open), true);
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('dialog#stepup', { state: 'hidden' });
  const after = await page.evaluate(() => JSON.parse(sessionStorage.getItem('telltale-demo-portal.login')));
  assert.equal(after.session, login.session, 'the step-up keeps the session');
  await check();
  await context.close();
  // The server flagged the session for a reviewer.
  const item = await waitFor(async () => (await server.review('/v1/review?status=open')).sessions
    .find((s) => s.session === login.session), 'the flagged session');
  assert.ok(item.flags.includes('automation'), `flags: ${item.flags}`);
  const view = await server.review(`/v1/sessions/${login.session}`);
  assert.equal(view.decision.step_ups_passed, 1, 'the server recorded the pass');
  assert.equal(view.decision.step_up_due, false);
});

test('dashboard: sign in, the queue, a session with its charts, a verdict, the users', async () => {
  const { context, page, check } = await open('/dashboard/', {
    expected: [['/v1/review', 'the wrong key, on purpose: 401']],
  });
  await page.waitForSelector('#login-view:not([hidden])');
  await page.keyboard.type('not-the-key');
  await page.keyboard.press('Enter');
  await waitFor(() => page.textContent('#login-error'), 'the refusal');
  await page.fill('#reviewer-key', REVIEWER);
  await page.keyboard.press('Enter');
  await page.waitForSelector('table.queue');
  // By keyboard: Tab to the first session and open it.
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.getAttribute('href')))?.startsWith('#/session/')) break;
  }
  await page.keyboard.press('Enter');
  await page.waitForSelector('#verdict-h');
  // The evidence levels come from the session's decision (the core's constants), not the page.
  assert.match(await page.textContent('.facts'), /review at \d+(\.\d+)?, step-up at \d+(\.\d+)?/);
  assert.match(await page.textContent('.facts'), /Step-up(not )?asked now/);
  // The timeline is drawn, and pointing at it gives a window's numbers.
  const plot = await page.waitForSelector('.chart .u-over');
  await plot.scrollIntoViewIfNeeded();
  const box = await plot.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await waitFor(async () => /similarity .*automation/.test(await page.textContent('.chart-info')), 'the hovered window');
  await page.click('.verdicts button:text("Automation")');
  await waitFor(async () => /Resolved as/.test(await page.textContent('#view')), 'the verdict');
  // Changed, the verdict keeps the one before it (the audit trail).
  await page.click('.verdicts button:text("Impostor")');
  await waitFor(async () => /Verdicts given \(2\)/.test(await page.textContent('#view')), 'the verdicts given');
  await page.click('nav a[data-route="users"]');
  await page.waitForSelector('table a[href="#/user/E-www-1"]');
  await page.click('table a[href="#/user/E-www-1"]');
  await page.waitForSelector('.enrollment progress');
  await check();
  await context.close();
});

test("both fit a phone's width (390 px): nothing wider than the screen", async () => {
  const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const portal = await open('/portal/', { width: 390, expected: [ENROLLING] });
  assert.equal(await overflow(portal.page), 0, 'login');
  await logIn(portal.page, 'E-www-1');
  for (const route of ['#/queue', '#/customers', '#/customer/C-10001', '#/ticket/T-5000']) {
    await portal.page.goto(`${server.url}/portal/${route}`);
    await portal.page.waitForSelector('#view h1');
    assert.equal(await overflow(portal.page), 0, route);
  }
  await portal.check();
  await portal.context.close();
  const dash = await open('/dashboard/', { width: 390 });
  await dash.page.fill('#reviewer-key', REVIEWER);
  await dash.page.keyboard.press('Enter');
  await dash.page.waitForSelector('#view h1');
  const { sessions } = await server.review('/v1/review?status=resolved');
  for (const route of ['#/queue?status=resolved', `#/session/${sessions[0].session}`, '#/users', '#/user/E-www-2']) {
    await dash.page.goto(`${server.url}/dashboard/${route}`);
    await dash.page.waitForSelector('#view h1');
    await dash.page.waitForTimeout(200);
    assert.equal(await overflow(dash.page), 0, route);
  }
  await dash.check();
  await dash.context.close();
});

test('portal: an entry ended by Tab is a clean fixed-text sample', async () => {
  const { context, page } = await open('/portal/', { expected: [ENROLLING] });
  const before = await fixedSamples('E-www-3');
  await logIn(page, 'E-www-3', 'tab');
  await page.waitForTimeout(1500);
  await context.close();
  assert.equal(await fixedSamples('E-www-3'), before + 1);
});

test('dashboard: the review queue pages past 200 flagged sessions', async () => {
  // One real summary: a collector of the page's own (onSummary only) over trusted pointer input.
  const { context: pc, page: pp } = await open('/portal/', { expected: [ENROLLING] });
  await pp.evaluate(async () => {
    const { default: init, Collector } = await import('/pkg/telltale.js');
    await init();
    window.__mine = [];
    window.__c = new Collector({ onSummary: (s) => window.__mine.push(s) });
    window.__c.start();
  });
  for (let i = 0; i < 12; i++) {
    await pp.mouse.move(100 + 60 * i, 120 + 25 * (i % 4), { steps: 12 });
    await pp.mouse.down();
    await pp.mouse.up();
  }
  await pp.evaluate(() => window.__c.flush());
  const summary = await waitFor(() => pp.evaluate(() => window.__mine[0]), 'a summary');
  await pc.close();
  // 201 workers' sessions, each flagged `tampering`: the summary, then other content under its id.
  const portal = { authorization: 'Bearer portal-key-www-0123456789', 'content-type': 'application/json' };
  for (let i = 0; i <= 200; i++) {
    const r = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST', headers: portal, body: JSON.stringify({ user: `qq-${String(i).padStart(3, '0')}` }),
    });
    const { token } = await r.json();
    const post = (s) => fetch(`${server.url}/v1/summaries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify([{ ...s, session: token }]),
    });
    assert.equal((await post(summary)).status, 202);
    assert.equal((await post({ ...summary, end_ms: summary.end_ms + 1 })).status, 409);
  }
  const { context, page, check } = await open('/dashboard/');
  await page.fill('#reviewer-key', REVIEWER);
  await page.keyboard.press('Enter');
  await page.waitForSelector('table.queue');
  assert.equal(await page.locator('table.queue tbody tr').count(), 200, 'a page of 200');
  await page.click('#view a[href^="#/queue?status=open&after="]');
  await page.getByRole('link', { name: 'Newest flags' }).waitFor();
  const older = await page.locator('table.queue tbody tr').count();
  assert.ok(older >= 1 && older <= 200, `the older page: ${older}`);
  await check();
  await context.close();
});

test('dashboard: the users list pages past 1,000 users', async () => {
  // 1,001 more workers log in (the portal's backend opens their sessions).
  for (let i = 0; i <= 1000; i++) {
    const r = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: 'Bearer portal-key-www-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ user: `zz-${String(i).padStart(4, '0')}` }),
    });
    assert.equal(r.status, 201);
  }
  const { context, page, check } = await open('/dashboard/');
  await page.fill('#reviewer-key', REVIEWER);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#view h1');
  await page.goto(`${server.url}/dashboard/#/users`);
  const next = await page.waitForSelector('#view a[href^="#/users?after="]');
  assert.equal(await page.locator('table a[href="#/user/zz-1000"]').count(), 0, 'the first page holds 1,000');
  await next.click();
  await page.waitForSelector('table a[href="#/user/zz-1000"]');
  assert.ok(await page.locator('#view a[href="#/users"]').count() > 0, 'a way back to the first page');
  await check();
  await context.close();
});
