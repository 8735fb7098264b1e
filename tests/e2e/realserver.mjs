// The real telltale-server for end-to-end tests: the release binary (`npm test` builds it before
// the e2e step) on a free loopback port, a fresh SQLite file, fixed keys, and the repository as
// its static root (so the e2e test page and pkg/ are served by the server itself, under its CSP).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const PORTAL = 'portal-key-e2e-0123456789';
export const REVIEWER = 'reviewer-key-e2e-0123456789';

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
  s.on('error', reject);
});

/** Starts the server with extra `args`; resolves once /healthz answers. `www`: the static root
 * (default the repository; the demo portal needs `www/`, whose pages use absolute paths);
 * `pkg`: the collector package (default pkg/). */
export async function startServer(args = [], { www = root, pkg = join(root, 'pkg') } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(join(root, 'target/release/telltale-server'), [
    '--listen', `127.0.0.1:${port}`, '--db', join(dir, 'telltale.db'),
    '--www', www, '--pkg', pkg, ...args,
  ], {
    env: { ...process.env, TELLTALE_PORTAL_KEY: PORTAL, TELLTALE_REVIEWER_KEY: REVIEWER, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch { /* not listening yet */ }
    if (i > 300) throw new Error('telltale-server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const call = async (method, path, key, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text, headers: res.headers };
  };
  return {
    url,
    call,
    /** Opens a login session as the portal's backend does: {session, token, ...}. */
    login: async (user) => (await call('POST', '/v1/sessions', PORTAL, { user })).json,
    /** The reviewer's view of a session. */
    session: async (id) => (await call('GET', `/v1/sessions/${id}`, REVIEWER)).json,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
