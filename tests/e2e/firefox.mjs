// Headless Firefox ESR (Debian's `firefox-esr`) driven by geckodriver over the W3C WebDriver
// protocol, behind the few page methods the shared input helpers (human.mjs) use, so the same
// `typeInto` and `movePath` type and move in both engines. Input goes through WebDriver's
// "Perform Actions", which Firefox dispatches as trusted events (`isTrusted === true`), like a
// real keyboard and mouse; `evaluate` runs a function in the page, as Playwright's does.
// No npm client: the protocol is a handful of JSON requests, sent with Node's fetch.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/setup.sh installs geckodriver: off PATH, because wasm-bindgen-test-runner takes
 * a geckodriver it finds on PATH before chromedriver (the Chromium step would run in Firefox). */
export const GECKODRIVER = process.env.GECKODRIVER
  || join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'telltale-geckodriver', 'bin', 'geckodriver');
export const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';
export const available = () => existsSync(GECKODRIVER) && existsSync(FIREFOX);

/** WebDriver's key values for the named keys the tests press. */
const KEYS = { Enter: '\uE007', Backspace: '\uE003', Tab: '\uE004', Shift: '\uE008' };
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
/** A loopback port nothing listens on (geckodriver's own `--port 0` does not say which it took). */
const freePort = () => new Promise((ok, fail) => {
  const probe = createServer().once('error', fail).listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => ok(port));
  });
});

/** Starts geckodriver on a free port and one Firefox session with a `width` × `height` viewport. */
export async function launchFirefox({ width = 1600, height = 1200 } = {}) {
  const port = await freePort();
  const driver = spawn(GECKODRIVER, ['--port', String(port), '--websocket-port', '0', '--log', 'error'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  // Firefox's own warnings come through geckodriver's stderr; counted for `firefox.aborted()`.
  let aborted = 0;
  driver.stderr.on('data', (chunk) => {
    log = (log + chunk).slice(-4000);
    aborted += String(chunk).split('Script terminated by timeout').length - 1;
  });
  const stop = async () => {
    const gone = () => driver.exitCode !== null || driver.signalCode !== null;
    if (!gone()) driver.kill();
    await new Promise((ok) => (gone() ? ok() : driver.on('exit', ok)));
  };
  const base = `http://127.0.0.1:${port}`;
  const call = async (method, path, body) => {
    const r = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error}: ${json.value?.message}`);
    return json.value;
  };
  for (let tries = 0; ; tries++) {
    if (await fetch(`${base}/status`).then((r) => r.ok, () => false)) break;
    if (tries > 200 || driver.exitCode !== null || driver.signalCode !== null) {
      await stop();
      throw new Error(`geckodriver did not start: ${log}`);
    }
    await sleep(50);
  }
  const created = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'firefox',
        'moz:firefoxOptions': {
          binary: FIREFOX,
          args: ['-headless'],
          // Nothing reaches outside loopback (there is no network to reach here).
          prefs: {
            'app.update.enabled': false,
            'browser.shell.checkDefaultBrowser': false,
            'datareporting.policy.dataSubmissionEnabled': false,
            'toolkit.telemetry.enabled': false,
            'network.captive-portal-service.enabled': false,
            'browser.safebrowsing.malware.enabled': false,
            'browser.safebrowsing.phishing.enabled': false,
          },
        },
        timeouts: { script: 30_000, pageLoad: 30_000 },
      },
    },
  }).catch(async (e) => {
    await stop();
    throw new Error(`${e.message}\n${log}`);
  });
  const session = `/session/${created.sessionId}`;
  const s = (method, path = '', body) => call(method, session + path, body);
  const firefox = {
    version: created.capabilities.browserVersion,
    driverVersion: created.capabilities['moz:geckodriverVersion'],
    /** Opens `url` in a new tab, sized so that the viewport is `width` × `height`. */
    async newPage(url) {
      const { handle } = await s('POST', '/window/new', { type: 'tab' });
      await s('POST', '/window', { handle });
      const page = makePage(s, handle, { width, height });
      const [iw, ih] = await page.evaluate(() => [innerWidth, innerHeight]);
      const rect = await s('GET', '/window/rect');
      if (iw !== width || ih !== height) {
        await s('POST', '/window/rect', { width: rect.width + width - iw, height: rect.height + height - ih });
      }
      await page.goto(url);
      return page;
    },
    /** How many times Firefox has aborted a page's script so far ("Script terminated by
     * timeout": as it does to the script running in a content process it shuts down). */
    aborted: () => aborted,
    async close() {
      await s('DELETE').catch(() => {});
      await stop();
    },
  };
  return firefox;
}

/** A tab, with the subset of Playwright's Page that the tests and human.mjs use. */
function makePage(s, handle, viewport) {
  const mouse = { x: 0, y: 0 };
  const pointer = (actions) => s('POST', '/actions', {
    actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }],
  });
  const move = (x, y) => ({ type: 'pointerMove', origin: 'viewport', x: Math.round(x), y: Math.round(y), duration: 0 });
  const page = {
    handle,
    viewportSize: () => viewport,
    /** Makes this tab WebDriver's current one again (after another was opened). */
    bringToFront: () => s('POST', '/window', { handle }),
    goto: (url) => s('POST', '/url', { url }),
    reload: () => s('POST', '/refresh', {}),
    goBack: () => s('POST', '/back', {}),
    waitForTimeout: sleep,
    /** Runs `fn(arg)` in the page and resolves to its (awaited) result. */
    async evaluate(fn, arg) {
      const script = `const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn})(arguments[0]))
          .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ err: String(e) }));`;
      const r = await s('POST', '/execute/async', { script, args: [arg === undefined ? null : arg] });
      if (r && 'err' in r) throw new Error(r.err);
      return r.ok;
    },
    async waitForFunction(fn, arg, { timeout = 10_000 } = {}) {
      const end = Date.now() + timeout;
      while (!(await page.evaluate(fn, arg))) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${fn}`);
        await sleep(50);
      }
    },
    /** The element `selector` names, for its box in the viewport (as Playwright's locator). */
    locator: (selector) => ({
      boundingBox: () => page.evaluate((sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return { x: r.left, y: r.top, width: r.width, height: r.height };
      }, selector),
    }),
    /** Clicks the middle of the element `selector` names, as a person would. */
    async click(selector) {
      const [x, y] = await page.evaluate((sel) => {
        const r = document.querySelector(sel).getBoundingClientRect();
        return [r.left + r.width / 2, r.top + r.height / 2];
      }, selector);
      await page.mouse.click(x, y, { delay: 50 + Math.random() * 50 });
    },
    keyboard: {
      async press(key, { delay = 0 } = {}) {
        const value = KEYS[key] || key;
        await s('POST', '/actions', {
          actions: [{
            type: 'key',
            id: 'keyboard',
            actions: [{ type: 'keyDown', value }, { type: 'pause', duration: Math.round(delay) }, { type: 'keyUp', value }],
          }],
        });
      },
    },
    mouse: {
      /** Moves in `steps` straight-line moves from where the mouse is, like Playwright's. */
      async move(x, y, { steps = 1 } = {}) {
        const list = [];
        for (let i = 1; i <= steps; i++) {
          list.push(move(mouse.x + ((x - mouse.x) * i) / steps, mouse.y + ((y - mouse.y) * i) / steps));
        }
        mouse.x = x;
        mouse.y = y;
        await pointer(list);
      },
      down: () => pointer([{ type: 'pointerDown', button: 0 }]),
      up: () => pointer([{ type: 'pointerUp', button: 0 }]),
      async click(x, y, { delay = 0 } = {}) {
        mouse.x = x;
        mouse.y = y;
        await pointer([move(x, y), { type: 'pointerDown', button: 0 },
          { type: 'pause', duration: Math.round(delay) }, { type: 'pointerUp', button: 0 }]);
      },
    },
    /** Closes the tab, which fires `pagehide` as a person closing it would. */
    async close() {
      await s('POST', '/window', { handle });
      const left = await s('DELETE', '/window');
      if (left.length > 0) await s('POST', '/window', { handle: left[0] });
    },
  };
  return page;
}
