// A small local server for the end-to-end tests: serves the repository (the test page and the
// built collector in pkg/) under a strict Content-Security-Policy, and a collecting endpoint,
// POST /v1/summaries, that records every body and can be told to fail.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};
// The policy a careful portal sets: scripts only from itself, WebAssembly allowed to compile, and
// Trusted Types enforced (no string may reach a script sink: the collector has none).
export const CSP = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; "
  + "require-trusted-types-for 'script'; trusted-types 'none'";

/** `cacheable`: no `Cache-Control: no-store`, which keeps a page out of the back/forward cache.
 * `isolated: false`: no cross-origin isolation headers (the coarser clock most portals have). */
export async function start({ cacheable = false, isolated = true } = {}) {
  const state = { requests: [], mode: 'ok', scores: null, delayMs: 0 };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/v1/summaries') {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const body = Buffer.concat(chunks).toString('utf8');
      state.requests.push({
        body,
        contentType: req.headers['content-type'] || '',
        authorization: req.headers.authorization || '',
        accepted: state.mode === 'ok',
        mode: state.mode,
      });
      // 'hang': the server never answers; otherwise it answers after `delayMs`.
      if (state.mode === 'hang') return;
      // 'redirect': a single-sign-on proxy in front of the server, whose session ran out, sends
      // the request to its login page (a 302: browsers follow it with a GET, without the body).
      if (state.mode === 'redirect') {
        res.writeHead(302, { location: '/tests/e2e/page.html' }).end();
        return;
      }
      if (state.delayMs > 0) await new Promise((ok) => setTimeout(ok, state.delayMs));
      // 'fail': the server is down (retried); 'reject': it refuses the data (a 4xx: dropped);
      // 'busy': too many requests (429: retried).
      const refusal = { fail: 503, reject: 400, busy: 429 }[state.mode];
      if (refusal) {
        res.writeHead(refusal, { 'content-type': 'text/plain' }).end(`${state.mode} for the test`);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: true, scores: state.scores || [] }));
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const data = await readFile(path);
      res.writeHead(200, {
        'content-type': types[extname(path)] || 'application/octet-stream',
        'content-security-policy': CSP,
        ...(cacheable ? {} : { 'cache-control': 'no-store' }),
        // Cross-origin isolation: performance.now() at 5 µs instead of 100 µs (for the bench).
        ...(isolated ? {
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-embedder-policy': 'require-corp',
        } : {}),
      });
      res.end(data);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    /** Every summary the endpoint has received (accepted or not), parsed. */
    summaries(onlyAccepted = true) {
      return state.requests
        .filter((r) => r.accepted || !onlyAccepted)
        .flatMap((r) => JSON.parse(r.body));
    },
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}
