// Input like a person's for the end-to-end tests: varied holds and gaps, and mouse paths with
// clicks, all trusted (Playwright's keyboard and mouse go through the DevTools protocol).
import { chromium } from 'playwright-core';

export const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Headless Chromium from Debian's package, with `more` launch options. */
export const launch = (more = {}) => chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ARGS,
  ...more,
});

/** Presses a free-text window needs (telltale-core's `features::keys::MIN_WINDOW_KEYS`): the
 * presses of a sparser window carry over into the next one. */
export const MIN_KEYS = 40;

/** `text` with words added up to `MIN_KEYS` characters (one press each), so that typing it makes
 * a free-text window of its own. */
export function aWindowOf(text) {
  let t = text;
  while (t.length < MIN_KEYS) t += ' and more';
  return t;
}

/** Types like a person: varied holds and gaps (a fixed delay is machine-regular typing, which
 * the collector rightly reports as automation). */
export async function typeInto(page, selector, text) {
  await page.click(selector);
  for (const ch of text) {
    await page.keyboard.press(ch, { delay: 40 + Math.random() * 80 });
    await page.waitForTimeout(20 + Math.random() * 120);
  }
}

/** Where the helpers last left the mouse (Playwright's starts at 0, 0). */
let at = { x: 0, y: 0 };

/** Minimum-jerk position profile (Flash and Hogan 1985): 0 to 1, speed in one bell. */
const minJerk = (u) => u * u * u * (10 - 15 * u + 6 * u * u);

/** Moves the mouse to (x, y) as a hand does, so that the collector's path-shape automation
 * signals (crates/core/src/motion.rs) see one: a curved primary movement (its control point off
 * the chord by a fifth of the distance) with a bell-shaped speed over 90 % of the way, then a
 * corrective sub-movement over the rest; a point every 20-30 ms. The primary movement's time
 * grows with the log of the distance (Fitts' law: 200 ms plus 60 ms a doubling of 20 px) and
 * varies by up to 150 ms more, the corrective one takes 100-250 ms: with fixed times, every
 * movement fell in the same 50 ms duration bin with the same point count, so five in a row
 * (a replay fingerprint's shingle, crates/core/src/automation.rs) repeated from window to window
 * and a long test session could be flagged as a replay of itself. */
async function handMove(page, x, y) {
  const from = at;
  const [dx, dy] = [x - from.x, y - from.y];
  const bend = (Math.random() < 0.5 ? -1 : 1) * 0.2;
  // The bend can carry a path off the page near its edges; WebDriver refuses such a move, and
  // where to go back in is the page's edge anyway.
  const { width, height } = page.viewportSize();
  const inside = (v, size) => Math.min(size - 1, Math.max(0, v));
  const curve = (u) => ({
    x: inside(from.x + dx * u - dy * bend * 4 * u * (1 - u), width),
    y: inside(from.y + dy * u + dx * bend * 4 * u * (1 - u), height),
  });
  const primary = 200 + 60 * Math.log2(1 + Math.hypot(dx, dy) / 20) + Math.random() * 150;
  const phases = [[primary, 0, 0.9], [100 + Math.random() * 150, 0.9, 1]];
  for (const [ms, u0, u1] of phases) {
    for (let t = 0; t < ms;) {
      t = Math.min(ms, t + 20 + Math.random() * 10);
      const p = curve(u0 + (u1 - u0) * minJerk(t / ms));
      await page.mouse.move(p.x, p.y);
      await page.waitForTimeout(20 + Math.random() * 10);
    }
  }
  at = { x, y };
}

/** Moves the mouse along `points`, clicking at each, so that every segment is an action. */
export async function movePath(page, points, click = true) {
  for (const [x, y] of points) {
    await handMove(page, x, y);
    await page.waitForTimeout(60 + Math.random() * 60);
    if (click) await page.mouse.click(x, y, { delay: 60 + Math.random() * 60 });
  }
}

/** Polls `fn` until it returns something truthy, at most `ms`. */
export async function waitFor(fn, what, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One round of work on the e2e test page (tests/e2e/page.html): the fixed-text entry ended by
 * Enter, a sentence in the notes, six mouse actions; then a flush, so each round makes two
 * summaries (the entry's, and the free-text and pointer windows'). */
export async function testPageRound(page) {
  await page.evaluate(() => { document.getElementById('fixed').value = ''; });
  await typeInto(page, '#fixed', 'ab4821');
  await page.keyboard.press('Enter');
  await typeInto(page, '#notes', 'quiet foxes jump home, the lazy dog sleeps on ');
  const jitter = () => Math.round((Math.random() - 0.5) * 160);
  await movePath(page, [[300, 700], [900, 500], [500, 900], [700, 300], [1100, 800], [400, 400]]
    .map(([x, y]) => [x + jitter(), y + jitter()]));
  await page.evaluate(() => window.__collector.flush());
}
