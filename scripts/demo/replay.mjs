// `npm run demo`'s engine, shared with the end-to-end test (tests/e2e/demo.test.mjs): drives the
// real demo portal in headless Chromium with trusted input, replaying recorded human timing
// through the DevTools protocol (`Input.dispatchKeyEvent` / `Input.dispatchMouseEvent` with a
// `timestamp`: the page's `event.timeStamp` is the recorded time, to 0.1 ms, and nothing sleeps).
//
// One pair: worker A (person 2p) enrolls, then three sessions under A's login: genuine (A's
// held-out data), impostor (person 2p+1's data) and bot (scripted straight moves and evenly
// spaced keys). See README.md, "The demo".
import { chromium } from 'playwright-core';
import { EMPLOYEE_ID, person, cmuSubjects, aaltoKey, mouseSession } from './data.mjs';

export const PASSWORD_DEFAULT = 'telltale-demo';

/** Chromium as a person's browser: Playwright's `--enable-automation` (which sets
 * `navigator.webdriver`, one of the collector's automation signals) is left out, and Blink's
 * AutomationControlled feature is off. The page then sees `navigator.webdriver === false`. */
export const BROWSER_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-blink-features=AutomationControlled',
];

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: BROWSER_ARGS,
    ignoreDefaultArgs: ['--enable-automation'],
  });
}

/** The viewport: SapiMouse was recorded on screens up to 2549 x 1240 px; the paths are replayed
 * as recorded, moved down below the portal's top bar (a translation: speeds and shapes unchanged). */
export const VIEWPORT = { width: 2560, height: 1400 };

/** The collector's default window (www/portal/monitor.js does not change it): 15 s. */
const WINDOW_MS = 15_000;

/** Enrollment: the last 20 repetitions of the CMU subject's session 4 (reps 181-200), the
 * Aalto participant's sentences 1-10 (each a free-text window of its own: `data.mjs` puts ten of
 * 30 keystrokes or more first) and the SapiMouse 3-minute session cut into 20 parts (one per
 * login, about 9 s each: most fit a 15 s window; one cut by rows where the person rested
 * fills two).
 * Held out for the genuine session: CMU rep 201 (session 5, the paper's first test rep), Aalto
 * sentences 11-15, the SapiMouse 1-minute session in 5 parts. The impostor: the other person's
 * first CMU repetition (the paper's impostor samples), and the same held-out parts of their
 * Aalto and SapiMouse data. */
export const PLAN = {
  enrollReps: [180, 200],
  genuineRep: 200,
  impostorRep: 0,
  enrollSentences: [0, 10],
  heldOutSentences: [10, 15],
  enrollLogins: 20,
};

/** Cuts a mouse session into `n` consecutive parts of equal numbers of rows (equal durations
 * would leave a part empty where the person paused: SapiMouse user9 rests 20 s); a cut moves
 * forward to the next row with no button held, so no press is split from its release. */
export function sliceMouse(rows, n) {
  const parts = [];
  let i = 0;
  for (let k = 1; k <= n; k++) {
    const until = k === n ? Infinity : Math.round((rows.length * k) / n);
    const part = [];
    let held = false;
    while (i < rows.length && (i < until || held)) {
      const r = rows[i++];
      if (r.state === 'Pressed') held = true;
      if (r.state === 'Released') held = false;
      part.push(r);
    }
    // The session may end with a button held (the recording stopped mid-click): that last
    // press, released never, is left out (and the drag after it).
    if (held) part.splice(part.findLastIndex((r) => r.state === 'Pressed'));
    parts.push(part);
  }
  return parts;
}

/** One Aalto sentence as timed key events `[{t, down, k}]` (t from the sentence's first press),
 * with the key names the browser would give for the Shift and Caps Lock state at that moment. */
export function sentenceEvents(sentence) {
  const t0 = Math.min(...sentence.map((s) => s.down));
  const raw = [];
  for (const s of sentence) {
    // Three rows in the data set have their release before their press: a zero hold.
    raw.push({ t: s.down - t0, down: true, vk: s.vk });
    raw.push({ t: Math.max(s.up, s.down) - t0, down: false, vk: s.vk });
  }
  raw.sort((a, b) => a.t - b.t || (a.down === b.down ? 0 : a.down ? -1 : 1));
  let shift = 0;
  let caps = false;
  const held = new Map();
  const out = [];
  for (const e of raw) {
    if (e.down) {
      const k = aaltoKey(e.vk, shift > 0, caps);
      if (held.has(e.vk)) continue; // a second press of a held key: no keyup came between
      held.set(e.vk, k);
      if (e.vk === 16) shift += 1;
      if (e.vk === 20) caps = !caps;
      out.push({ t: e.t, down: true, k, shift: shift > 0 });
    } else {
      const k = held.get(e.vk);
      if (!k) continue;
      held.delete(e.vk);
      if (e.vk === 16) shift = Math.max(0, shift - 1);
      out.push({ t: e.t, down: false, k, shift: shift > 0 });
    }
  }
  return out;
}

/** The text a sentence's keys put in a text box (for the privacy audit). */
export function typedText(events) {
  let s = '';
  for (const e of events) {
    if (!e.down) continue;
    if (e.k.key === 'Backspace') s = s.slice(0, -1);
    else if (e.k.text && e.k.text.length === 1 && e.k.text !== '\r') s += e.k.text;
  }
  return s;
}

/** The reviewer API. */
export function reviewer(url, key) {
  const call = async (method, path) => {
    const r = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}` } });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: r.status, json };
  };
  return {
    call,
    session: async (id) => (await call('GET', `/v1/sessions/${encodeURIComponent(id)}`)).json,
    user: async (id) => (await call('GET', `/v1/users/${encodeURIComponent(id)}`)).json,
    erase: async (id) => (await call('DELETE', `/v1/users/${encodeURIComponent(id)}`)).status,
  };
}

/**
 * One browser page on the portal and the replay of input into it. `onRequest(req)` sees every
 * request the page sends (the privacy audit).
 */
export class PortalDriver {
  constructor(browser, { url, password = PASSWORD_DEFAULT, onRequest, onPage } = {}) {
    this.browser = browser;
    this.url = url;
    this.password = password;
    this.onRequest = onRequest;
    this.onPage = onPage;
    /** The replay clock (ms since the epoch): always ahead of the real clock, so that the
     * collector's window timer (real time) never closes a window the replay is filling. */
    this.vt = Date.now();
    this.inflight = 0;
    this.stepUps = 0;
  }

  async open() {
    this.context = await this.browser.newContext({ viewport: VIEWPORT });
    this.page = await this.context.newPage();
    this.page.on('request', (r) => {
      if (r.url().includes('/v1/summaries')) this.inflight += 1;
      this.onRequest?.(r);
    });
    const done = (r) => { if (r.url().includes('/v1/summaries')) this.inflight -= 1; };
    this.page.on('requestfinished', done);
    this.page.on('requestfailed', done);
    await this.onPage?.(this.page);
    // A recorded press-and-drag that starts on a link or on selected text would start the
    // browser's own drag-and-drop, during which the page gets no pointer events until the
    // release: what the collector saw would then depend on what happened to lie under the
    // pointer when the view re-rendered, and differ run to run. The driver cancels it (an
    // init script, outside the page's CSP), so every recorded pointer event reaches the page.
    await this.page.addInitScript(() => {
      document.addEventListener('dragstart', (e) => e.preventDefault(), true);
    });
    this.cdp = await this.context.newCDPSession(this.page);
    await this.page.goto(`${this.url}/portal/`);
    await this.page.waitForSelector('#login-view:not([hidden])');
    this.webdriver = await this.page.evaluate(() => navigator.webdriver);
    // The paths go below the top bar (its "Log out" would end the session).
    this.offsetY = Math.ceil(await this.page.evaluate(
      () => document.querySelector('.topbar').getBoundingClientRect().height
        + document.querySelector('.demo-banner').getBoundingClientRect().height)) + 8;
  }

  async close() {
    await this.context?.close();
  }

  /** Moves the replay clock on by `ms`, and never behind the real clock. */
  advance(ms = 0) {
    this.vt = Math.max(this.vt + ms, Date.now() + 20);
    return this.vt;
  }

  /** Dispatches timed key events `[{t, down, k, shift}]` from time `at` (ms since the epoch). */
  async keys(events, at) {
    const sends = [];
    for (const e of events) {
      const { key, code, vk, text, modifiers } = e.k;
      const params = {
        type: e.down ? (text ? 'keyDown' : 'rawKeyDown') : 'keyUp',
        key, code, windowsVirtualKeyCode: vk, nativeVirtualKeyCode: vk,
        modifiers: modifiers ?? (e.shift ? 8 : 0),
        timestamp: (at + e.t) / 1000,
      };
      if (e.down && text) {
        params.text = text;
        params.unmodifiedText = text;
      }
      sends.push(this.cdp.send('Input.dispatchKeyEvent', params));
    }
    await Promise.all(sends);
    const last = events.length ? events[events.length - 1].t : 0;
    this.vt = Math.max(this.vt, at + last);
  }

  /** Replays SapiMouse rows from time `at`; before each press, a step-up dialog that opened
   * is answered (so a replayed click never lands on its "Log out"). -> its duration. */
  async mouse(rows, at) {
    const t0 = rows[0]?.t ?? 0;
    let sends = [];
    let buttons = 0;
    for (const r of rows) {
      const base = { x: r.x, y: r.y + this.offsetY, timestamp: (at + r.t - t0) / 1000 };
      const button = r.button === 'Right' ? 'right' : 'left';
      const bit = button === 'right' ? 2 : 1;
      if (r.state === 'Pressed') {
        await Promise.all(sends);
        sends = [];
        await this.answerStepUp();
        buttons |= bit;
        sends.push(this.cdp.send('Input.dispatchMouseEvent', { ...base, type: 'mousePressed', button, buttons, clickCount: 1 }));
      } else if (r.state === 'Released') {
        buttons &= ~bit;
        sends.push(this.cdp.send('Input.dispatchMouseEvent', { ...base, type: 'mouseReleased', button, buttons, clickCount: 1 }));
        // A click may navigate (a link: the hash changes, the view re-renders in a task): the
        // next events must meet the new view every run, not whichever the race gave.
        await Promise.all(sends);
        sends = [];
        await this.settlePage(0);
      } else {
        const b = r.state === 'Drag' ? (buttons || 1) : buttons;
        sends.push(this.cdp.send('Input.dispatchMouseEvent', {
          ...base, type: 'mouseMoved', button: b ? (b & 2 ? 'right' : 'left') : 'none', buttons: b,
        }));
      }
    }
    await Promise.all(sends);
    await this.settlePage();
    const d = rows.length ? rows[rows.length - 1].t - t0 : 0;
    this.vt = Math.max(this.vt, at + d);
    return d;
  }

  /** Lets the page run what the input before queued: moves wait for the next frame
   * (Chromium aligns them with animation frames), a click's navigation for a task. */
  async settlePage(frames = 2) {
    await this.page.evaluate((n) => new Promise((r) => {
      const step = (k) => (k === 0 ? setTimeout(r, 0) : requestAnimationFrame(() => step(k - 1)));
      step(n);
    }), frames);
  }

  /** Types `text` into the focused field with the password's plain timing (the collector never
   * captures a password field, not even timings). */
  async typePlain(text, gap = 140, hold = 70) {
    const at = this.advance(300);
    const events = [];
    [...text].forEach((ch, i) => {
      const k = charKey(ch);
      events.push({ t: i * gap, down: true, k }, { t: i * gap + hold, down: false, k });
    });
    await this.keys(events, at);
  }

  /** Whether the step-up dialog is open; if so, answers it with the password (an account taken
   * over with stolen credentials: the impostor knows it) and counts it. */
  async answerStepUp() {
    const open = await this.page.evaluate(() => document.getElementById('stepup').open);
    if (!open) return false;
    this.stepUps += 1;
    await this.page.fill('#stepup-password', this.password);
    await this.page.evaluate(() => document.getElementById('stepup-form').requestSubmit());
    await this.page.waitForFunction(() => !document.getElementById('stepup').open);
    return true;
  }

  /** Logs in as `EMPLOYEE_ID`: the password typed first, then the id with the timing of
   * `entry` (key presses `{down, up, key…}` in ms, as `cmuSubjects()` gives them; its Return
   * submits the form). -> the login `{session, token, user}`. */
  async login(entry) {
    const profile = this.page.waitForResponse((r) => r.url().includes('/v1/profile'), { timeout: 30_000 });
    profile.catch(() => {});
    const dbg = process.env.DEMO_DEBUG ? (m) => console.log(`  [login] ${m}`) : () => {};
    dbg('focus password');
    await this.page.focus('#password');
    dbg('type password');
    await this.typePlain(this.password);
    dbg('focus id');
    await this.page.focus('#employee-id');
    dbg('type id');
    const events = [];
    for (const p of entry) {
      events.push({ t: p.down, down: true, k: p }, { t: p.up, down: false, k: p });
    }
    events.sort((a, b) => a.t - b.t);
    await this.keys(events, this.advance(600));
    try {
      await this.page.waitForSelector('#workspace:not([hidden])', { timeout: 20_000 });
      // The session's collector runs once the profile was asked for (monitor.watchSession).
      await profile;
    } catch (e) {
      const why = await this.page.evaluate(() => ({
        error: document.getElementById('login-error')?.textContent,
        id: document.getElementById('employee-id')?.value,
        passwordLength: document.getElementById('password')?.value.length,
        focus: document.activeElement?.id,
        stepup: document.getElementById('stepup').open,
        hash: location.hash,
      }));
      throw new Error(`login failed: ${e.message}; the page: ${JSON.stringify(why)}`);
    }
    this.stepUps = 0;
    return this.page.evaluate(() => JSON.parse(sessionStorage.getItem('telltale-demo-portal.login')));
  }

  /** Shows a ticket (a route change, not measured input) and puts focus in its notes. */
  async toNotes(ticket = 'T-5000') {
    const here = await this.page.evaluate(() => location.hash);
    if (here !== `#/ticket/${ticket}` || !(await this.page.$('#notes'))) {
      await this.page.evaluate((t) => { location.hash = `#/ticket/${t}`; }, ticket);
      await this.page.waitForSelector('#notes');
    }
    await this.page.focus('#notes');
  }

  /** One block of work, two collector windows: pointing (SapiMouse rows) in one, typing a note
   * (one Aalto sentence) in the next. Each recorded stretch starts a window of its own: the
   * replay waits out the window (15 s from its first event) before the next stretch, so the
   * first event of the next stretch closes it. A stretch is never cut by a window boundary
   * (a sentence longer than a window excepted), every window holds one modality, and the pauses
   * the schedule adds fall between windows, never inside a recorded stretch. */
  async block(rows, sentence) {
    if (rows?.length) {
      await this.answerStepUp();
      await this.toNotes();
      const start = this.advance(1000);
      await this.mouse(rows, start);
      this.vt = Math.max(this.vt + 1000, start + WINDOW_MS + 200);
    }
    if (sentence) {
      await this.answerStepUp();
      await this.toNotes();
      const start = this.advance(1000);
      await this.keys(sentenceEvents(sentence), start);
      await this.settlePage();
      this.vt = Math.max(this.vt + 1000, start + WINDOW_MS + 200);
    }
  }

  /** Logs out (the collector sends what it holds) and waits until the portal's summaries are
   * delivered. */
  async logout() {
    await this.page.evaluate(() => {
      const d = document.getElementById('stepup');
      if (d.open) document.getElementById('stepup-logout').click();
      else document.getElementById('logout').click();
    });
    await this.page.waitForSelector('#login-view:not([hidden])');
    await this.settle();
  }

  /** Waits until no summary batch is in flight (for 150 ms). */
  async settle(ms = 15_000) {
    const end = Date.now() + ms;
    let quiet = 0;
    while (Date.now() < end) {
      if (this.inflight <= 0) {
        quiet += 25;
        if (quiet >= 150) return;
      } else {
        quiet = 0;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** A key for a plain character (the password, the bot's text). */
export function charKey(ch) {
  if (/[a-z]/.test(ch)) return { key: ch, code: `Key${ch.toUpperCase()}`, vk: ch.toUpperCase().charCodeAt(0), text: ch };
  if (/[A-Z]/.test(ch)) return { key: ch, code: `Key${ch}`, vk: ch.charCodeAt(0), text: ch, modifiers: 8 };
  if (/[0-9]/.test(ch)) return { key: ch, code: `Digit${ch}`, vk: ch.charCodeAt(0), text: ch };
  const p = { ' ': ['Space', 32], '-': ['Minus', 189], '.': ['Period', 190], ',': ['Comma', 188], '_': ['Minus', 189], '@': ['Digit2', 50] };
  const [code, vk] = p[ch] ?? ['', 0];
  return { key: ch, code, vk, text: ch, modifiers: ch === '_' || ch === '@' ? 8 : 0 };
}

/** What the bot types into the notes. */
export const BOT_TEXT = 'customer called about the invoice and asked for a refund of the last payment ';

/** The bot: evenly spaced keys (every 110 ms, held 60 ms) and straight moves at constant
 * speed (a step every 16 ms, at fractional positions, as Playwright's `mouse.move` with
 * `steps` makes them), clicking at each target. */
export async function botSession(d) {
  const idKeys = [...EMPLOYEE_ID].map((ch, i) => ({ ...charKey(ch), down: i * 110, up: i * 110 + 60 }));
  idKeys.push({ ...charKey('x'), key: 'Enter', code: 'Enter', vk: 13, text: '\r', modifiers: 0, down: idKeys.length * 110, up: idKeys.length * 110 + 60 });
  const login = await d.login(idKeys);
  const targets = [[300, 400], [900, 300], [1200, 700], [500, 800], [1500, 450], [700, 600], [1100, 350], [400, 500]];
  const text = BOT_TEXT;
  for (let round = 0; round < 3; round++) {
    await d.toNotes();
    const start = d.advance(1000);
    const rows = [];
    let t = 0;
    let [x, y] = [200, 300];
    for (const [tx, ty] of targets) {
      const dist = Math.hypot(tx - x, ty - y);
      const steps = Math.max(2, Math.round(dist / 16)); // 1 px/ms, a sample every 16 ms
      for (let s = 1; s <= steps; s++) {
        t += 16;
        rows.push({ t, state: 'Move', button: 'NoButton', x: x + ((tx - x) * s) / steps, y: y + ((ty - y) * s) / steps - d.offsetY });
      }
      // A script's click: pressed where the move ended, at once, released 80 ms later.
      rows.push({ t, state: 'Pressed', button: 'Left', x: tx, y: ty - d.offsetY });
      t += 80;
      rows.push({ t, state: 'Released', button: 'Left', x: tx, y: ty - d.offsetY });
      [x, y] = [tx, ty];
    }
    const dm = await d.mouse(rows, start);
    await d.answerStepUp();
    await d.toNotes();
    const events = [];
    [...text].forEach((ch, i) => {
      const k = charKey(ch);
      events.push({ t: i * 110, down: true, k }, { t: i * 110 + 60, down: false, k });
    });
    events.sort((a, b) => a.t - b.t);
    await d.keys(events, start + dm + 500);
    d.vt = Math.max(d.vt + 1000, start + WINDOW_MS + 200);
  }
  return login;
}

/** What a session ended as, from the server (the reviewer's view). */
export async function outcome(api, kind, login, stepUps) {
  const s = await api.session(login.session);
  const d = s?.decision ?? {};
  return {
    kind,
    session: login.session,
    band: d.band,
    flags: s?.flags ?? [],
    status: s?.status,
    similarity: s?.similarity ?? null,
    automation: d.max_automation ?? null,
    evidence: d.peak ?? null,
    windows: s?.timeline?.length ?? 0,
    scored: d.scored ?? 0,
    stepUps,
    stepUpsPassed: d.step_ups_passed ?? 0,
  };
}

/** Whether a session counts as flagged, and as flagged for automation. */
export const flagged = (o) => o.status === 'open' || o.status === 'resolved' || (o.flags ?? []).length > 0;
export const automated = (o) => (o.flags ?? []).includes('automation');

/**
 * One pair: A = person(2p), impostor = person(2p + 1). The user `EMPLOYEE_ID` is erased first.
 * -> `{pair, a, b, enrollment, sessions: [genuine, impostor, bot]}`.
 */
export async function runPair(browser, { url, reviewerKey, pair, password, onRequest, onPage, log = () => {} }) {
  const api = reviewer(url, reviewerKey);
  const erased = await api.erase(EMPLOYEE_ID);
  if (![204, 404].includes(erased)) throw new Error(`DELETE /v1/users/${EMPLOYEE_ID} answered ${erased}`);
  const a = person(2 * pair);
  const b = person(2 * pair + 1);
  const d = new PortalDriver(browser, { url, password, onRequest, onPage });
  await d.open();
  if (d.webdriver !== false) throw new Error(`the page sees navigator.webdriver = ${d.webdriver}`);
  try {
    // Enrollment: 20 logins, each with a stretch of pointing; the first 10 also type a sentence.
    const aMouse = mouseSession(a.sapi.three);
    const enrollParts = sliceMouse(aMouse, PLAN.enrollLogins);
    for (let i = 0; i < PLAN.enrollLogins; i++) {
      await d.login(a.cmu.reps[PLAN.enrollReps[0] + i]);
      const k = PLAN.enrollSentences[0] + i;
      await d.block(enrollParts[i], k < PLAN.enrollSentences[1] ? a.aalto.sentences[k] : null);
      await d.logout();
    }
    const enrollment = (await api.user(EMPLOYEE_ID))?.enrollment ?? [];
    log(`pair ${pair}: A = CMU ${a.cmu.id} + Aalto ${a.aalto.id} + SapiMouse ${a.sapi.id}; enrollment ${enrollment.map((e) => `${e.modality} ${e.samples}/${e.needed}`).join(', ')}`);

    const held = async (who, rep, label) => {
      const login = await d.login(rep);
      const parts = sliceMouse(mouseSession(who.sapi.one), PLAN.heldOutSentences[1] - PLAN.heldOutSentences[0]);
      for (let k = PLAN.heldOutSentences[0]; k < PLAN.heldOutSentences[1]; k++) {
        await d.block(parts[k - PLAN.heldOutSentences[0]], who.aalto.sentences[k]);
      }
      const stepUps = d.stepUps;
      await d.logout();
      return outcome(api, label, login, stepUps);
    };
    const genuine = await held(a, a.cmu.reps[PLAN.genuineRep], 'genuine');
    const impostor = await held(b, b.cmu.reps[PLAN.impostorRep], 'impostor');
    const botLogin = await botSession(d);
    const botStepUps = d.stepUps;
    await d.logout();
    const bot = await outcome(api, 'bot', botLogin, botStepUps);
    return {
      pair,
      a: `CMU ${a.cmu.id} + Aalto ${a.aalto.id} + SapiMouse ${a.sapi.id}`,
      b: `CMU ${b.cmu.id} + Aalto ${b.aalto.id} + SapiMouse ${b.sapi.id}`,
      enrollment,
      offsetY: d.offsetY,
      sessions: [genuine, impostor, bot],
    };
  } finally {
    await d.close();
  }
}

export { cmuSubjects };
