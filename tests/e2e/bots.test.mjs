// Bots that imitate people, in the real browser (issue 23; README "Bots that imitate people"):
// a few sessions of each kind from scripts/bots/streams.mjs, driven into the e2e test page with
// trusted input (CDP `Input.dispatchMouseEvent` / `Input.dispatchKeyEvent` with each event's
// timestamp, as the demo replays people), in a browser that shows the page
// `navigator.webdriver === false`. The collector's summaries must reach the automation verdict
// for the naive and the humanised (ghost-cursor) bots and never for people, and every session's
// verdict must be the one `telltale-eval bots` computes from the same stream with telltale-core
// (the bulk figures of `npm run bench:bots` come from there). No timing is asserted. The page may
// see one signal the core run does not: CDP's synthesized moves carry `movementX/Y` of 0
// (`frozen_movement`, weak here); the recordings have no movement fields, so the core run has none.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from './server.mjs';
import { waitFor } from './human.mjs';
import { launchBrowser } from '../../scripts/demo/replay.mjs';
import { aaltoKey, dataPresent } from '../../scripts/demo/data.mjs';
import { bots, humans } from '../../scripts/bots/streams.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const EVAL = join(root, 'target/release/telltale-eval');
/** 60 s sessions: the length the targets name. */
const SESSION_MS = 60_000;
/** The automation verdict (core automation.rs `AUTOMATION_VERDICT`). */
const VERDICT = 0.5;

let server;
let browser;
let dir;

before(async () => {
  server = await start();
  browser = await launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'telltale-bots-'));
});
after(async () => {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Held-out people (odd positions) of each data set, and two bots of each kind. */
function sessions() {
  const people = humans({ limit: 8 }).filter((s) => s.group === 'held');
  const pick = (kind, n) => people.filter((s) => s.kind === kind).slice(0, n);
  return [
    ...pick('human-pointer', 3), ...pick('human-keys', 3), ...pick('human-cmu', 2),
    ...bots(2, SESSION_MS, 4242),
  ];
}

/** Drives one session's first SESSION_MS into a fresh test page -> its summaries. */
async function drive(s) {
  const context = await browser.newContext({ viewport: { width: 2560, height: 1400 } });
  try {
    const page = await context.newPage();
    // Keys must not move the focus or act on the page (Tab, Enter), nor clicks move the focus
    // into the password field (not captured): the page's defaults are turned off, not the events.
    await page.addInitScript(() => {
      for (const type of ['keydown', 'mousedown', 'dragstart']) {
        document.addEventListener(type, (e) => e.preventDefault(), true);
      }
    });
    await page.goto(`${server.url}/tests/e2e/page.html`);
    await page.waitForFunction(() => window.__ready === true);
    await page.focus('#notes');
    const cdp = await context.newCDPSession(page);
    // The replay clock runs ahead of the real one: the collector's window timer never closes a
    // window the replay is filling.
    const at = Date.now() + 1000;
    const sends = [];
    let buttons = 0;
    for (const e of s.events) {
      if (e[1] >= SESSION_MS) break;
      const timestamp = (at + e[1]) / 1000;
      if (e[0] === 'k') {
        const { key, code, vk, text } = aaltoKey(e[3], false, false);
        sends.push(cdp.send('Input.dispatchKeyEvent', {
          type: e[2] ? (text ? 'keyDown' : 'rawKeyDown') : 'keyUp',
          key, code, windowsVirtualKeyCode: vk, nativeVirtualKeyCode: vk, timestamp,
          ...(e[2] && text ? { text, unmodifiedText: text } : {}),
        }));
      } else {
        const base = { x: e[2], y: e[3], timestamp };
        if (e[0] === 'd') buttons = 1;
        if (e[0] === 'u') buttons = 0;
        const b = e[0] === 'm' ? (e[4] ? 1 : 0) : buttons;
        const type = { m: 'mouseMoved', d: 'mousePressed', u: 'mouseReleased' }[e[0]];
        sends.push(cdp.send('Input.dispatchMouseEvent', {
          ...base, type, button: e[0] === 'm' && !b ? 'none' : 'left', buttons: b,
          ...(e[0] === 'm' ? {} : { clickCount: 1 }),
        }));
      }
    }
    await Promise.all(sends);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)))));
    await page.evaluate(() => window.__collector.flush());
    return await waitFor(() => page.evaluate(() => window.__summaries.length && window.__summaries), 'summaries');
  } finally {
    await context.close();
  }
}

test('bots that imitate people: the page flags the bots, not the people, and agrees with telltale-core', {
  skip: !dataPresent() ? 'the data sets are not in ../shared/data' : !existsSync(EVAL) ? 'target/release/telltale-eval not built' : false,
  timeout: 600_000,
}, async () => {
  const all = sessions();
  const file = join(dir, 'streams.ndjson');
  writeFileSync(file, all.map((s) => JSON.stringify(s)).join('\n') + '\n');
  const core = execFileSync(EVAL, ['bots', '--streams', file, '--sessions'], { encoding: 'utf8', maxBuffer: 1 << 26 })
    .trim().split('\n').map((l) => JSON.parse(l))
    .filter((o) => o.seconds === SESSION_MS / 1000);
  const rows = [];
  for (const [i, s] of all.entries()) {
    const summaries = await drive(s);
    const max = Math.max(0, ...summaries.map((x) => x.automation.score));
    const signals = [...new Set(summaries.flatMap((x) => x.automation.signals.map((g) => g.kind)))].sort();
    const c = core.find((o) => o.index === i);
    rows.push({ kind: s.kind, source: s.source, page: max >= VERDICT, core: c.automated, pageMax: max, coreMax: c.max_automation, signals, coreSignals: c.signals });
  }
  const table = rows.map((r) => `${r.kind} ${r.source}: page ${r.pageMax} [${r.signals}] core ${r.coreMax} [${r.coreSignals}]`).join('\n');
  for (const r of rows) {
    assert.equal(r.page, r.core, `page and telltale-core disagree on ${r.kind} ${r.source}\n${table}`);
    if (r.kind.startsWith('human-')) assert.equal(r.page, false, `a person flagged as automation: ${r.source}\n${table}`);
    if (r.kind === 'naive' || r.kind === 'humanised') assert.equal(r.page, true, `a ${r.kind} bot passed: ${r.source}\n${table}`);
  }
  console.log(table);
});
