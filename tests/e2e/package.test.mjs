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
await init({ module_or_path: readFileSync(new URL(import.meta.resolve('telltale/telltale_bg.wasm'))) });
try { new Collector({ windowMs: 5 }); } catch (e) { out.error = [e.constructor.name, e.message]; }
const c = new Collector({ onSummary: () => {} });
c.start();
out.running = c.running;
out.stats = c.stats();
await c.flush();
c.stop();
console.log(JSON.stringify(out));
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
    assert.deepEqual(Object.keys(out.stats),
      ['events', 'ignored', 'untrusted', 'summaries', 'sent', 'failed', 'queued', 'dropped', 'faults']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
