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

/** Types like a person: varied holds and gaps (a fixed delay is machine-regular typing, which
 * the collector rightly reports as automation). */
export async function typeInto(page, selector, text) {
  await page.click(selector);
  for (const ch of text) {
    await page.keyboard.press(ch, { delay: 40 + Math.random() * 80 });
    await page.waitForTimeout(20 + Math.random() * 120);
  }
}

/** Moves the mouse along `points`, clicking at each, so that every segment is an action. */
export async function movePath(page, points, click = true) {
  for (const [x, y] of points) {
    await page.mouse.move(x, y, { steps: 10 + Math.floor(Math.random() * 8) });
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
  await typeInto(page, '#notes', 'quiet foxes jump home ');
  const jitter = () => Math.round((Math.random() - 0.5) * 160);
  await movePath(page, [[300, 700], [900, 500], [500, 900], [700, 300], [1100, 800], [400, 400]]
    .map(([x, y]) => [x + jitter(), y + jitter()]));
  await page.evaluate(() => window.__collector.flush());
}
