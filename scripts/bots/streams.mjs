// The sessions of `npm run bench:bots`: people's recorded input and bots that imitate people, as
// timed event streams. One stream format feeds both the bulk run through telltale-core
// (`telltale-eval bots`, the windower and automation code the page runs) and the browser run
// (tests/e2e/bots.test.mjs, CDP trusted input into the e2e test page).
//
// An event is an array: ['m', t, x, y, buttons] a move, ['d', t, x, y] a left press, ['u', t, x, y]
// its release, ['k', t, down (1|0), keyCode, press] a key (the browser's legacy keyCode, which the
// core's class table and the browser replay both read). t in ms from the session's start.
//
// Kinds:
//   human-pointer  every SapiMouse recording (120 users, 3-min and 1-min sessions), as recorded;
//   human-keys     every Aalto participant's 15 sentences, as recorded (sentence gaps included);
//   human-cmu      every CMU subject's 8 sessions of 50 entries, as recorded within an entry
//                  (1.5 s between entries: the benchmark has no timing between them);
//   naive          straight moves at constant speed and evenly spaced keys;
//   humanised      ghost-cursor's `path()` with its own timestamps, clicks and keys with
//                  log-normal holds and gaps;
//   windmouse      WindMouse (Benjamin Land, 2005) paths: a generator the detector was NOT tuned on;
//   minjerk        minimum-jerk (Flash and Hogan 1985) paths with positional noise and 60 Hz
//                  frames: NOT tuned on either;
//   morph          real hand movements (SapiMouse development-half users' aimed movements, with
//                  their timing) rotated and scaled onto the bot's targets: added after every
//                  threshold was set and never tuned on;
//   replay         another person's recorded pointer path and key timing, replayed exactly;
//   replay-late    the same replay started 20 s into the recording (windows fall elsewhere);
//   replay-jitter  the same with small random jitter (positions ±2 px, times σ 4 ms).
// Human users are split by position: even positions are the development half (thresholds were
// chosen on them), odd positions the held-out half (reported).
import { path as ghostPath } from 'ghost-cursor';
import { aaltoParticipants, cmuSubjects, mouseSession, sapiUsers } from '../demo/data.mjs';
// Seeded, so that a run is reproducible.
import { mulberry32 as rng } from '../../www/shared/random.js';

const gauss = (r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
/** Log-normal with median `m` ms and log-spread `s`. */
const lognormal = (r, m, s) => m * Math.exp(s * gauss(r));

/** Screen area the bots aim in (the e2e page's viewport in the browser run, 1280 x 800). */
const W = 1200;
const H = 760;
/** Keys the bots type: letters and the space bar (keyCodes). */
const TEXT_CODES = 'customer called about the invoice and asked for a refund of the last payment '
  .toUpperCase().split('').map((c) => (c === ' ' ? 32 : c.charCodeAt(0)));

const group = (i) => (i % 2 === 0 ? 'dev' : 'held');

/** SapiMouse rows as events (t from the first row). */
function pointerEvents(rows) {
  const ev = [];
  let held = false;
  for (const r of rows) {
    if (r.state === 'Pressed') { ev.push(['d', r.t, r.x, r.y]); held = true; }
    else if (r.state === 'Released') { if (held) ev.push(['u', r.t, r.x, r.y]); held = false; }
    else ev.push(['m', r.t, r.x, r.y, r.state === 'Drag' && held ? 1 : 0]);
  }
  return ev;
}

/** Aalto sentences as key events (t from the first press). */
function aaltoEvents(p) {
  const strokes = p.sentences.flat();
  const t0 = Math.min(...strokes.map((s) => s.down));
  const ev = [];
  strokes.forEach((s, i) => {
    ev.push(['k', s.down - t0, 1, s.vk, i]);
    if (s.up >= s.down) ev.push(['k', s.up - t0, 0, s.vk, i]);
  });
  return ev.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
}

const CMU_VK = [190, 84, 73, 69, 53, 82, 79, 65, 78, 76, 13];
function cmuEvents(reps) {
  const ev = [];
  let at = 0;
  let press = 0;
  for (const rep of reps) {
    rep.forEach((k, i) => {
      ev.push(['k', at + k.down, 1, CMU_VK[i], press]);
      ev.push(['k', at + k.up, 0, CMU_VK[i], press]);
      press += 1;
    });
    // 1.5 s between entries: longer than the core's 1 s typing pause, so no invented gap
    // enters the timing statistics.
    at += Math.max(...rep.map((k) => k.up)) + 1500;
  }
  return ev.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
}

/** Humans, every user of every data set. */
export function humans({ limit = Infinity } = {}) {
  const out = [];
  sapiUsers().slice(0, limit).forEach((u, i) => {
    for (const f of [u.three, u.one]) {
      out.push({ kind: 'human-pointer', group: group(i), source: `sapimouse ${u.id}`, events: pointerEvents(mouseSession(f)) });
    }
  });
  aaltoParticipants().slice(0, limit).forEach((p, i) => {
    out.push({ kind: 'human-keys', group: group(i), source: `aalto #${i}`, events: aaltoEvents(p) });
  });
  cmuSubjects().slice(0, limit).forEach((s, i) => {
    for (let k = 0; k < 8; k++) {
      out.push({ kind: 'human-cmu', group: group(i), source: `cmu ${s.id} session ${k + 1}`, events: cmuEvents(s.reps.slice(50 * k, 50 * k + 50)) });
    }
  });
  return out;
}

/** A bot session: alternately aims and clicks somewhere (`move(from, to, t0) -> [[t, x, y]]`),
 * then types a burst, until `ms`. */
function botSession(r, ms, move, keys) {
  const ev = [];
  let t = 50;
  let pos = { x: W / 2, y: H / 2 };
  let press = 0;
  let next = 0;
  while (t < ms) {
    const n = 2 + Math.floor(r() * 4);
    for (let i = 0; i < n && t < ms; i++) {
      const to = { x: 40 + r() * (W - 80), y: 40 + r() * (H - 80) };
      for (const [pt, x, y] of move(pos, to, t)) ev.push(['m', pt, x, y, 0]);
      t = ev[ev.length - 1][1];
      pos = to;
      const [dwell, hold] = keys.click(r);
      t += dwell;
      ev.push(['d', t, to.x, to.y]);
      t += hold;
      ev.push(['u', t, to.x, to.y]);
      t += keys.afterClick(r);
    }
    const burst = 15 + Math.floor(r() * 30);
    for (let i = 0; i < burst && t < ms; i++) {
      const vk = TEXT_CODES[next++ % TEXT_CODES.length];
      const [hold, gap] = keys.key(r);
      ev.push(['k', t, 1, vk, press]);
      ev.push(['k', t + hold, 0, vk, press]);
      press += 1;
      t += gap;
    }
    t += keys.afterBurst(r);
  }
  return ev.sort((a, b) => a[1] - b[1]);
}

/** Straight at constant speed, a point every 10 ms (Playwright's `mouse.move(x, y, {steps})`). */
const straight = (from, to, t0) => {
  const steps = 25;
  return Array.from({ length: steps }, (_, i) => {
    const u = (i + 1) / steps;
    return [t0 + 10 * (i + 1), from.x + u * (to.x - from.x), from.y + u * (to.y - from.y)];
  });
};

/** Evenly spaced keys and clicks: a script's fixed delays. */
const evenKeys = {
  click: () => [100, 80],
  afterClick: () => 300,
  key: () => [60, 120],
  afterBurst: () => 600,
};

/** A human-like distribution of delays: log-normal holds (median 95 ms) and gaps (median
 * 180 ms, σ 0.5: Aalto's typists' median hold and inter-key interval), log-normal dwell before
 * a click and pauses between actions. */
const lognormalKeys = {
  click: (r) => [lognormal(r, 150, 0.5), lognormal(r, 95, 0.3)],
  afterClick: (r) => lognormal(r, 400, 0.6),
  key: (r) => [lognormal(r, 95, 0.3), lognormal(r, 180, 0.5)],
  afterBurst: (r) => lognormal(r, 900, 0.6),
};

/** ghost-cursor's own path and timing: `path(from, to, {useTimestamps: true})`. */
const ghost = (from, to, t0) => {
  const pts = ghostPath(from, to, { useTimestamps: true });
  const base = pts[0].timestamp;
  return pts.slice(1).map((p) => [t0 + 1 + (p.timestamp - base), p.x, p.y]);
};

/** WindMouse (Benjamin Land, 2005; the widely copied version): gravity towards the target,
 * random wind, speed capped and damped near the target; its default constants (G 9, W 3, M 15,
 * D 12) and a step every 5-15 ms, as its ports sleep between steps. */
function windmouse(r) {
  return (from, to, t0) => {
    const G = 9, Wd = 3, D = 12;
    let M = 15;
    let [x, y] = [from.x, from.y];
    let [vx, vy, wx, wy] = [0, 0, 0, 0];
    const out = [];
    let t = t0;
    for (let guard = 0; guard < 2000; guard++) {
      const dist = Math.hypot(to.x - x, to.y - y);
      if (dist < 1) break;
      const w = Math.min(Wd, dist);
      if (dist >= D) {
        wx = wx / Math.sqrt(3) + (2 * r() - 1) * w / Math.sqrt(5);
        wy = wy / Math.sqrt(3) + (2 * r() - 1) * w / Math.sqrt(5);
      } else {
        wx /= Math.sqrt(3);
        wy /= Math.sqrt(3);
        M = M < 3 ? 3 * r() + 3 : M / Math.sqrt(5);
      }
      vx += wx + (G * (to.x - x)) / dist;
      vy += wy + (G * (to.y - y)) / dist;
      const v = Math.hypot(vx, vy);
      if (v > M) {
        const clip = M / 2 + (r() * M) / 2;
        vx = (vx / v) * clip;
        vy = (vy / v) * clip;
      }
      x += vx;
      y += vy;
      t += 5 + 10 * r();
      out.push([t, Math.round(x), Math.round(y)]);
    }
    out.push([t + 8, to.x, to.y]);
    return out;
  };
}

/** Minimum-jerk with noise: duration by Fitts' law (a 100 + 150·log2(D/W + 1) ms, W 40 px),
 * positions with 1.5 px Gaussian noise, a frame every 16.7 ms ± 1 ms. */
function minjerk(r) {
  return (from, to, t0) => {
    const d = Math.hypot(to.x - from.x, to.y - from.y);
    const T = 100 + 150 * Math.log2(d / 40 + 1);
    const out = [];
    for (let t = 16.7; t < T + 16.7; t += 16.7 + (r() - 0.5) * 2) {
      const u = Math.min(1, t / T);
      const s = 10 * u ** 3 - 15 * u ** 4 + 6 * u ** 5;
      out.push([t0 + t, from.x + s * (to.x - from.x) + 1.5 * gauss(r), from.y + s * (to.y - from.y) + 1.5 * gauss(r)]);
    }
    return out;
  };
}

/** Merges a pointer recording and a key recording into one stream (both from t = 0). */
const merge = (a, b) => [...a, ...b].sort((x, y) => x[1] - y[1]);

/** Replays of person `i`'s pointer (SapiMouse 3-min) and keys (Aalto): what the original
 * session was (stored by the server), and the replay, exact or with jitter. */
export function replays(count, seed) {
  const r = rng(seed);
  const sapi = sapiUsers();
  const aalto = aaltoParticipants();
  const out = [];
  for (let i = 0; i < count; i++) {
    const u = sapi[(2 * i + 1) % sapi.length];
    const original = merge(pointerEvents(mouseSession(u.three)), aaltoEvents(aalto[(2 * i + 1) % aalto.length]));
    out.push({ kind: 'original', group: 'held', source: `sapimouse ${u.id}`, events: original });
    out.push({ kind: 'replay', group: 'held', source: `sapimouse ${u.id}`, events: original.map((e) => [...e]) });
    // 20 s: not a multiple of the window (15 s; 30 s when this was written), so no window of the replay matches one stored.
    out.push({ kind: 'replay-late', group: 'held', source: `sapimouse ${u.id}`, events: original.filter((e) => e[1] >= 20_000).map((e) => [e[0], e[1] - 20_000, ...e.slice(2)]) });
    const jittered = original.map((e) => {
      const f = [...e];
      f[1] = Math.max(0, f[1] + 4 * gauss(r));
      if (f[0] !== 'k') { f[2] += Math.round(4 * r() - 2); f[3] += Math.round(4 * r() - 2); }
      return f;
    });
    // Jitter must not reorder a press and its release.
    out.push({ kind: 'replay-jitter', group: 'held', source: `sapimouse ${u.id}`, events: fixOrder(jittered) });
  }
  return out;
}

/** Sorts by time, keeping each key's and button's release after its press. */
function fixOrder(ev) {
  const down = new Map();
  let lastBtn = -Infinity;
  for (const e of ev) {
    if (e[0] === 'k' && e[2] === 1) down.set(e[4], e);
    if (e[0] === 'k' && e[2] === 0 && down.has(e[4])) e[1] = Math.max(e[1], down.get(e[4])[1] + 1);
  }
  ev.sort((a, b) => a[1] - b[1]);
  for (const e of ev) {
    if (e[0] === 'd') lastBtn = e[1];
    if (e[0] === 'u') e[1] = Math.max(e[1], lastBtn + 1);
  }
  return ev.sort((a, b) => a[1] - b[1]);
}

/** Aimed movements of the development-half SapiMouse users: each run of moves (no button held,
 * no 500 ms pause) that ended in a press, at least 100 px from start to end, as [[dt, x, y]]. */
let handMoves = null;
function recordedMoves() {
  if (handMoves) return handMoves;
  handMoves = [];
  sapiUsers().filter((_, i) => i % 2 === 0).forEach((u) => {
    let run = [];
    for (const r of mouseSession(u.three)) {
      if (r.state === 'Move') {
        if (run.length && r.t - run[run.length - 1].t >= 500) run = [];
        run.push(r);
      } else if (r.state === 'Pressed') {
        const [a, b] = [run[0], run[run.length - 1]];
        if (run.length >= 5 && Math.hypot(b.x - a.x, b.y - a.y) >= 100) {
          handMoves.push(run.map((p) => [p.t - a.t, p.x - a.x, p.y - a.y]));
        }
        run = [];
      } else run = [];
    }
  });
  return handMoves;
}

/** A recorded hand movement, rotated and scaled so that it starts at `from` and ends at `to`. */
function morph(r) {
  return (from, to, t0) => {
    const moves = recordedMoves();
    const m = moves[Math.floor(r() * moves.length)];
    const [, ex, ey] = m[m.length - 1];
    const [dx, dy] = [to.x - from.x, to.y - from.y];
    const scale = Math.hypot(dx, dy) / Math.hypot(ex, ey);
    const rot = Math.atan2(dy, dx) - Math.atan2(ey, ex);
    const [c, s] = [Math.cos(rot) * scale, Math.sin(rot) * scale];
    return m.slice(1).map(([t, x, y]) => [t0 + t, Math.round(from.x + c * x - s * y), Math.round(from.y + s * x + c * y)]);
  };
}

/** Bot sessions of `ms` each, `count` per kind. */
export function bots(count, ms, seed) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const r = rng(seed + i);
    out.push({ kind: 'naive', group: 'bot', source: `seed ${seed + i}`, events: botSession(r, ms, straight, evenKeys) });
    out.push({ kind: 'humanised', group: 'bot', source: `seed ${seed + i}`, events: botSession(r, ms, ghost, lognormalKeys) });
    out.push({ kind: 'windmouse', group: 'bot', source: `seed ${seed + i}`, events: botSession(r, ms, windmouse(r), lognormalKeys) });
    out.push({ kind: 'minjerk', group: 'bot', source: `seed ${seed + i}`, events: botSession(r, ms, minjerk(r), lognormalKeys) });
    out.push({ kind: 'morph', group: 'bot', source: `seed ${seed + i}`, events: botSession(r, ms, morph(r), lognormalKeys) });
  }
  return out;
}
