// The collector's life in the portal: one running collector at a time, from the moment the
// login view shows until the tab closes.
//
// Before login there is no session token, and the collector takes its token only at
// construction (`sessionToken`, required with `endpoint`; it has no way to be given one later).
// So the login view runs a collector *without* an endpoint, whose summaries (`onSummary`) the
// portal holds: that is how the employee-id entry (`data-telltale-fixed="employee_id"`) is
// measured. At login the portal flushes and stops that collector, starts one with the endpoint
// and the new token, and delivers the held summaries itself (`POST /v1/summaries`, the token in
// `Authorization` and as each summary's `session`). A failed login drops what
// was held: the id typed may not have been the worker's own.

import init, { Collector } from '/pkg/telltale.js';
import { request } from '../shared/api.js';

/** Summaries held before login, at most: a login view kept open for long keeps only its first
 * windows (16 windows of 30 s are 8 minutes; the fixed-text entry closes its window at once). */
const HELD_MAX = 16;

let collector = null;
let token = null;
let held = [];
let profileRevision = null;
let stepUp = () => {};

/** Loads the collector's WebAssembly (once). */
let loading = null;
export function load() {
  loading ??= init();
  return loading;
}

/** `fn(score)` is called with every score whose band is `step_up`: in-page scores, the server's
 * scores of delivered batches, and those of the summaries held before login (not in the grace
 * after a passed step-up). */
export function onStepUp(fn) {
  stepUp = fn;
}

/** Each collector's scores count only while it is the running one: the answer to a stopped
 * collector's last batch (after a logout) must not ask anything. */
let generation = 0;

/** After a passed step-up, `step_up` scores are not acted on for one window length (the
 * collector's default `windowMs`, 30 s): they are of windows that were open while the worker
 * was being asked. The server still counts them toward the session's decision. */
const GRACE_MS = 30000;
let graceUntil = 0;

export function stepUpPassed() {
  graceUntil = Date.now() + GRACE_MS;
}

function hearer() {
  const mine = ++generation;
  return (score) => {
    if (mine === generation && score?.band === 'step_up' && Date.now() >= graceUntil) stepUp(score);
  };
}

/** Ends the running collector: stopping sends what it still holds (to its own session); it is
 * freed once no request is out. Freed at once, what waited behind a batch still in flight was
 * lost (seen in the demo: a logout just after a window closed lost the last window). */
function end() {
  generation += 1;
  if (collector) {
    const c = collector;
    collector = null;
    c.stop();
    c.flush().finally(() => c.free());
  }
}

/** The login view: a collector whose summaries are held until there is a token. */
export function watchLogin() {
  end();
  token = null;
  held = [];
  profileRevision = null;
  graceUntil = 0;
  collector = new Collector({
    onSummary: (s) => {
      if (held.length < HELD_MAX) held.push(s);
    },
  });
  collector.start();
}

/** A failed login attempt: what was typed may have been another id; drop the held summaries. */
export function loginFailed() {
  held = [];
}

/**
 * A session begins (a login, a page load with a saved login): the running
 * collector is stopped (a login view's one flushed first, and its summaries delivered under
 * the new token), and one sending to `/v1/summaries` under `newToken` starts. Then the profile.
 */
export async function watchSession(newToken) {
  let pending = [];
  if (collector && token === null) {
    await collector.flush();
    end();
    pending = held;
    held = [];
  } else {
    end();
  }
  token = newToken;
  profileRevision = null;
  const heard = hearer();
  collector = new Collector({ endpoint: '/v1/summaries', sessionToken: token, onScore: heard });
  collector.start();
  if (pending.length) await deliver(pending, heard);
  return refreshProfile();
}

/** Sends summaries made before the token existed, under the token; scores go to `heard`. */
async function deliver(summaries, heard) {
  const body = summaries.map((s) => ({ ...s, session: token }));
  try {
    const r = await request('/v1/summaries', { method: 'POST', token, body });
    if (r.ok) for (const score of r.data?.scores ?? []) heard(score);
  } catch {
    // No server: these few windows are lost; the collector's own sending retries its own.
  }
}

/**
 * Fetches this user's profile and hands it to the collector for in-page scoring (skipped when
 * the revision is the one loaded). -> the answer's status: 200, 404 while the profile is
 * enrolling (nothing to load: the server scores every summary anyway), 401 when the token no
 * longer works, 0 without an answer.
 */
export async function refreshProfile() {
  if (!token || !collector) return 0;
  let r;
  try {
    r = await request('/v1/profile', { token });
  } catch {
    return 0;
  }
  if (!r.ok) return r.status;
  const revision = r.headers.get('x-telltale-profile-revision');
  if (revision !== null && revision === profileRevision) return r.status;
  try {
    collector.setProfile(r.data);
    profileRevision = revision;
  } catch (e) {
    // Not a profile this collector can use: collecting goes on, unscored in the page.
    console.warn(`telltale profile not loaded: ${e.message}`);
  }
  return r.status;
}

/** Logging out: the session's collector stops (sending what it holds). */
export function endSession() {
  end();
  token = null;
}

/** For the demo's own checks: the running collector's counters. */
export const stats = () => collector?.stats() ?? null;
