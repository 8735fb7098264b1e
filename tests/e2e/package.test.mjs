// The package as an embedder gets it: pkg/ packed by npm, installed into an empty project
// (offline: it has no dependencies), and imported by its name, as the collector issue writes it
// (`import init, { Collector } from 'telltale'`). Run: node --test tests/e2e/ (pkg/ built first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('../../pkg/', import.meta.url));

// What the embedder runs, in the installed project. Node has no DOM: the collector loads, checks
// its options and answers its API; it only listens where there is a `window` (the browser tests).
const PROBE = `
import { readFileSync } from 'node:fs';
import init, { Collector } from 'telltale';
const out = {};
const exports = await init({ module_or_path: readFileSync(new URL(import.meta.resolve('telltale/telltale_bg.wasm'))) });
out.exports = Object.fromEntries(Object.entries(exports).map(([k, v]) => [k,
  v instanceof WebAssembly.Memory ? 'WebAssembly.Memory' : v instanceof WebAssembly.Table ? 'WebAssembly.Table'
    : typeof v === 'function' ? 'function' : 'other']));
try { new Collector({ windowMs: 5 }); } catch (e) { out.error = [e.constructor.name, e.message]; }
const c = new Collector({ onSummary: () => {} });
c.start();
out.running = c.running;
out.stats = c.stats();
await c.flush();
c.stop();
console.log(JSON.stringify(out));
`;

// An embedder's TypeScript, checked by tsc --strict against the installed package's types: the
// README's snippet, and (each line marked `@ts-expect-error`, which fails the check if the line
// is accepted) misuses the types must refuse.
const EMBED_TS = `
import init, { Collector, type Score, type Summary, type CollectorStats } from 'telltale';

declare const token: string;
declare function requireReauthentication(): void;

await init();
const collector = new Collector({
  endpoint: '/v1/summaries',
  sessionToken: token,
  windowMs: 30000,
  maxKeyEvents: 200,
  maxQueue: 64,
  onSummary: (summary: Summary) => { const n: number = summary.seq + summary.counts.events; void n; },
  onScore: (score: Score) => { if (score.session?.step_up) requireReauthentication(); },
});
collector.start();
collector.setProfile(await (await fetch('/v1/profile')).json());
collector.setProfile({ names: ['telltale-12'], nums: [1, 2] });
const done: Promise<void> = collector.flush();
await done;
const stats: CollectorStats = collector.stats();
const running: boolean = collector.running;
collector.stop();
void stats; void running;

// @ts-expect-error windowMs is a number
new Collector({ windowMs: '30s' });
// @ts-expect-error no such option
new Collector({ endpoints: '/v1/summaries' });
// @ts-expect-error a profile is {names, nums}
collector.setProfile({ names: [] });
// @ts-expect-error no such band
const band: Score['band'] = 'deny';
// @ts-expect-error stats() has no such counter
collector.stats().lost;
void band;
// A login page: collecting before there is a session, the token given after login.
const early = new Collector({ endpoint: '/v1/summaries' });
early.setSessionToken(token);
// @ts-expect-error a token is a string
early.setSessionToken(42);
`;

test('pkg/ packs, installs and imports by its name, with everything the glue loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-package-'));
  try {
    const run = (cmd, args) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    const [packed] = JSON.parse(run('npm', ['pack', pkg, '--json', '--pack-destination', dir]));
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    assert.equal(manifest.name, 'telltale');
    assert.equal(manifest.type, 'module');
    // Every file of pkg/ that the glue imports or fetches is in the tarball.
    const inside = packed.files.map((f) => f.path);
    for (const f of ['telltale.js', 'telltale_bg.wasm', 'telltale.d.ts', 'package.json']) {
      assert.ok(inside.includes(f), `${f} is not in the package`);
    }
    for (const snippet of ['read.js', 'send.js']) {
      assert.ok(inside.some((f) => f.startsWith('snippets/') && f.endsWith(`/src/${snippet}`)),
        `the ${snippet} snippet is not in the package`);
    }
    writeFileSync(join(dir, 'package.json'), '{"name": "embedder", "private": true, "type": "module"}\n');
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, packed.filename)]);
    writeFileSync(join(dir, 'probe.mjs'), PROBE);
    const out = JSON.parse(run(process.execPath, ['probe.mjs']));
    assert.deepEqual(out.error, ['TypeError',
      'telltale: option windowMs = 5.000 is out of range (1000 to 600000 ms)']);
    assert.equal(out.running, false, 'no window: nothing to listen to');
    // What `init()` resolves to is typed (`InitOutput`) under the names the module exports.
    const types = readFileSync(join(dir, 'node_modules/telltale/telltale.d.ts'), 'utf8');
    const declared = types.match(/export interface InitOutput \{([^}]*)\}/)[1];
    const entries = [...declared.matchAll(/readonly ([\w$]+): ([^;]+);/g)];
    assert.ok(entries.length > 5, 'InitOutput declares the exports');
    for (const [, name, type] of entries) {
      const kind = type.startsWith('WebAssembly.') ? type : type.includes('=>') ? 'function' : type;
      assert.equal(out.exports[name], kind, `init() result: ${name} is declared as ${type}`);
    }
    // The types, as a TypeScript embedder uses them (tsc from the repository's dev packages).
    writeFileSync(join(dir, 'embed.ts'), EMBED_TS);
    const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url));
    try {
      run(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--module', 'es2022',
        '--moduleResolution', 'bundler', '--lib', 'es2022,esnext.disposable,dom', '--skipLibCheck', 'false', 'embed.ts']);
    } catch (e) {
      assert.fail(`tsc refused the embedder's code:\n${e.stdout}${e.stderr}`);
    }
    assert.deepEqual(Object.keys(out.stats),
      ['events', 'ignored', 'untrusted', 'summaries', 'sent', 'failed', 'queued', 'dropped', 'faults']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
