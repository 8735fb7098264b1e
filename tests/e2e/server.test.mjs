// The collector against the real server (crates/server), in headless Chromium with trusted input:
// login -> token -> summaries stored -> profile handed out after enrollment -> the page's scores
// equal the server's re-scores (no forgery flag) -> onScore fires; a beacon on page close is
// stored; a reload under the same token is not taken for a replay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, testPageRound, typeInto, waitFor } from './human.mjs';
import { startServer } from './realserver.mjs';

let browser;
let server;
before(async () => {
  browser = await launch();
  // Enrollment after 10 windows and entries, the fewest a profile accepts, to keep the test short.
  server = await startServer(['--enroll-windows', '10', '--enroll-fixed', '10']);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(context, token) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const opts = { endpoint: '/v1/summaries', sessionToken: token, windowMs: 60000 };
  await page.goto(`${server.url}/tests/e2e/page.html?opts=${encodeURIComponent(JSON.stringify(opts))}`);
  await page.waitForFunction(() => window.__ready === true);
  return { page, errors };
}

const round = testPageRound;

test('login, enrollment, the profile in the page, identical scores, onScore, beacon, reload', { timeout: 420_000 }, async () => {
  const { session, token } = await server.login('e2e-worker');
  const context = await browser.newContext({ viewport: { width: 1600, height: 1200 } });
  const { page, errors } = await openPage(context, token);

  // Enrollment: until every modality has 10 windows or entries, the profile is not handed out.
  assert.equal((await server.call('GET', '/v1/profile', token)).status, 404);
  for (let i = 0; i < 11; i++) await round(page);
  const profile = await waitFor(async () => {
    const r = await server.call('GET', '/v1/profile', token);
    return r.status === 200 && r;
  }, 'the profile after enrollment', 15000);
  assert.ok(Number(profile.headers.get('x-telltale-profile-revision')) >= 1);
  const stored = (await server.session(session)).timeline.length;
  assert.ok(stored >= 11, `summaries stored: ${stored}`);

  // The page scores with the profile it was handed; the server re-scores the same summaries.
  await page.evaluate((p) => window.__collector.setProfile(p), profile.json);
  for (let i = 0; i < 2; i++) await round(page);
  const view = await waitFor(async () => {
    const v = await server.session(session);
    return v.timeline.filter((p) => p.page_score_matches !== null).length >= 3 && v;
  }, 'summaries scored in the page', 15000);
  const compared = view.timeline.filter((p) => p.page_score_matches !== null);
  assert.ok(compared.every((p) => p.page_score_matches === true), JSON.stringify(compared));
  assert.ok(!view.flags.includes('forgery'), JSON.stringify(view.flags));
  assert.ok(compared.some((p) => p.band !== 'enrolling'), 'scored against an enrolled profile');
  // onScore heard the page's own scores and the server's (from its 202 answers).
  const heard = await page.evaluate(() => window.__scores);
  assert.ok(heard.length >= 2 * compared.length, `onScore calls: ${heard.length}`);

  // A reload under the same token: a new page id, seq from 0, no replay or tampering flag.
  await page.reload();
  await page.waitForFunction(() => window.__ready === true);
  await round(page);
  const afterReload = await waitFor(async () => {
    const v = await server.session(session);
    return new Set(v.timeline.map((p) => p.page)).size >= 2 && v;
  }, 'the reloaded page\'s summaries', 15000);
  const pages = new Set(afterReload.timeline.map((p) => p.page));
  assert.equal(pages.size, 2);
  for (const id of pages) {
    const seqs = afterReload.timeline.filter((p) => p.page === id).map((p) => p.seq).sort((a, b) => a - b);
    assert.equal(seqs[0], 0, `page ${id} counts from 0`);
  }
  assert.ok(!afterReload.flags.includes('replay') && !afterReload.flags.includes('tampering'), JSON.stringify(afterReload.flags));

  // The beacon on page close: what was typed just before closing is stored.
  const before = afterReload.timeline.length;
  await typeInto(page, '#notes', 'typed just before closing the tab');
  await page.close({ runBeforeUnload: true });
  await waitFor(async () => (await server.session(session)).timeline.length > before, 'the beacon', 15000);
  assert.deepEqual(errors, []);
  await context.close();
});
