// A small seeded generator, for made-up data that must be the same on every run: the demo
// portal's customers (www/portal/data.js) and the bot streams of `npm run bench:bots`
// (scripts/bots/streams.mjs, which imports this file in Node).

/** mulberry32 (Tommy Ettinger's 32-bit generator): numbers in [0, 1) from `seed`. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
