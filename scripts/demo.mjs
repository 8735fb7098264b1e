// `npm run demo`: replays real human timing into the real demo portal (see README.md, "The
// demo"). Needs the server `npm start` runs (another terminal), or --url and --reviewer-key.
//
//   npm run demo                    one pair: enroll A, then genuine, impostor and bot sessions
//   npm run demo -- --pairs 10      ten person pairs, and the table with the counts
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataPresent, DATA, EMPLOYEE_ID, personCount } from './demo/data.mjs';
import { launchBrowser, runPair, flagged, automated } from './demo/replay.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));

function usage(msg) {
  if (msg) console.error(`demo: ${msg}`);
  console.error('usage: npm run demo -- [--pairs N] [--first P] [--url URL] [--reviewer-key KEY] [--password PW]');
  process.exit(2);
}

const opts = { pairs: 1, first: 0, url: 'http://127.0.0.1:8080', reviewerKey: null, password: 'telltale-demo' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const val = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
  if (a === '--pairs') opts.pairs = Number(val());
  else if (a === '--first') opts.first = Number(val());
  else if (a === '--url') opts.url = val().replace(/\/$/, '');
  else if (a === '--reviewer-key') opts.reviewerKey = val();
  else if (a === '--password') opts.password = val();
  else if (a === '-h' || a === '--help') usage();
  else usage(`unknown argument ${a}`);
}
if (!Number.isInteger(opts.pairs) || opts.pairs < 1) usage('--pairs is a whole number, 1 or more');
if (!Number.isInteger(opts.first) || opts.first < 0) usage('--first is a whole number, 0 or more');

const keyGiven = Boolean(opts.reviewerKey);
if (!opts.reviewerKey) {
  const keys = join(root, 'target/demo/keys.env');
  if (existsSync(keys)) {
    opts.reviewerKey = readFileSync(keys, 'utf8').match(/^TELLTALE_REVIEWER_KEY=(.*)$/m)?.[1]?.trim();
  }
  opts.reviewerKey ||= process.env.TELLTALE_REVIEWER_KEY;
  if (!opts.reviewerKey) usage('no reviewer key: run `npm start` first (it writes target/demo/keys.env), or pass --reviewer-key');
}
if (!dataPresent()) {
  console.error(`demo: the data sets are not in ${DATA} (keystroke/, freetext/, mouse/sapimouse/; see README.md)`);
  process.exit(1);
}
try {
  const r = await fetch(`${opts.url}/healthz`);
  if (!r.ok) throw new Error(`healthz answered ${r.status}`);
} catch (e) {
  console.error(`demo: no Telltale server at ${opts.url} (${e.message}). Start it with \`npm start\` in another terminal.`);
  process.exit(1);
}
const maxPairs = Math.floor(personCount() / 2);
if (opts.first + opts.pairs > maxPairs) usage(`the data sets give ${maxPairs} pairs (--first + --pairs at most that)`);

const fmtSim = (v) => (v === null || v === undefined ? '—' : v < 0.01 ? v.toExponential(1) : v.toFixed(2));
const fmtAuto = (v) => (v === null || v === undefined ? '—' : v.toFixed(2));
const line = (o) => `  ${o.kind.padEnd(8)} band ${String(o.band).padEnd(9)} flags ${(o.flags.join(',') || '-').padEnd(24)} `
  + `lowest similarity ${fmtSim(o.similarity).padStart(8)}  highest automation ${fmtAuto(o.automation)}`
  + `  windows ${o.windows}${o.stepUps ? `  step-up shown ${o.stepUps}x` : ''}`;

console.log(`Telltale demo against ${opts.url}: worker "${EMPLOYEE_ID}", ${opts.pairs} pair(s); Chromium headless, trusted input, recorded timing.`);
const started = Date.now();
const browser = await launchBrowser();
const results = [];
try {
  for (let p = opts.first; p < opts.first + opts.pairs; p++) {
    const t = Date.now();
    const r = await runPair(browser, { ...opts, pair: p, log: (m) => console.log(m) });
    const short = r.enrollment.filter((e) => e.samples < e.needed);
    if (short.length) {
      console.log(`  warning: enrollment incomplete (${short.map((e) => `${e.modality} ${e.samples}/${e.needed}`).join(', ')}): `
        + 'the server needs more windows than the demo has; `npm start` runs it with --enroll-windows 10');
    }
    console.log(`  impostor: ${r.b}`);
    for (const o of r.sessions) console.log(line(o));
    console.log(`  (${((Date.now() - t) / 1000).toFixed(0)} s)`);
    results.push(r);
  }
} finally {
  await browser.close();
}

const genuineAllow = results.filter((r) => r.sessions[0].band === 'allow' && !flagged(r.sessions[0])).length;
const impostorFlagged = results.filter((r) => flagged(r.sessions[1])).length;
const botAutomation = results.filter((r) => automated(r.sessions[2])).length;
if (results.length > 1) {
  console.log('\n| pair | worker A | impostor | genuine band (lowest sim.) | impostor band (lowest sim.) | bot flags (highest automation) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    const [g, i, b] = r.sessions;
    console.log(`| ${r.pair} | ${r.a} | ${r.b} | ${g.band} (${fmtSim(g.similarity)}) | ${i.band}${i.flags.length ? ` [${i.flags.join(',')}]` : ''} (${fmtSim(i.similarity)}) | ${b.flags.join(',') || '-'} (${fmtAuto(b.automation)}) |`);
  }
  const n = results.length;
  const target = Math.ceil(0.8 * n);
  console.log(`\ngenuine ended allow:      ${genuineAllow}/${n} (target ${target})`);
  console.log(`impostor flagged:         ${impostorFlagged}/${n} (target ${target})`);
  console.log(`bot flagged automation:   ${botAutomation}/${n} (target ${n})`);
}
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s. The last pair's sessions are in the dashboard: ${opts.url}/dashboard/`
  + (keyGiven ? '' : ' (the reviewer key is in target/demo/keys.env).'));
