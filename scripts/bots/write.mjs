// Writes the sessions of scripts/bots/streams.mjs as one JSON object per line, for
// `telltale-eval bots`. Usage: node scripts/bots/write.mjs OUT [BOTS_PER_KIND] [HUMAN_USERS_LIMIT]
import { createWriteStream } from 'node:fs';
import { bots, humans, replays } from './streams.mjs';

const [out, perKind = '200', limit = 'Infinity'] = process.argv.slice(2);
if (!out) {
  console.error('usage: node scripts/bots/write.mjs OUT [BOTS_PER_KIND] [HUMAN_USERS_LIMIT]');
  process.exit(2);
}
const f = createWriteStream(out);
let n = 0;
const write = (s) => { f.write(`${JSON.stringify(s)}\n`); n += 1; };
// 120 s: the longest session length reported.
const SESSION_MS = 120_000;
for (const s of humans({ limit: Number(limit) })) write(s);
for (const s of bots(Number(perKind), SESSION_MS, 1)) write(s);
for (const s of replays(Math.min(Number(perKind), 60), 7)) write(s);
f.end(() => console.error(`${n} sessions written to ${out}`));
