// The collector's life in the portal: one running collector at a time, from the moment the
// login view shows until the tab closes.
//
// Before login there is no session token: the login view runs a collector with the endpoint
// and no token, which holds its summaries; that is how the employee-id entry
// (`data-telltale-fixed="employee_id"`) is measured. At login the same collector is given the
// new token (`setSessionToken`): what it held is sent under the token, and so is everything
// after. A failed login drops that collector, and what it held, for a fresh one: the id typed
// may not have been the worker's own.

import init, { Collector } from '/pkg/telltale.js';
import { request } from '../shared/api.js';

const ENDPOINT = '/v1/summaries';

let collector = null;
let token = null;
let profileRevision = null;
let stepUp = () => {};

/** Loads the collector's WebAssembly (once). */
let loading = null;
export function load() {
  loading ??= init();
  return loading;
}

/** `fn(score)` is called when the server's answer asks for a step-up (`score.session.step_up`,
 * the session's decision over its windows, held until the portal's backend reports a pass), not
 * for one window's band: a worker's own windows fall under similarity 1 (`step_up`) about once
 * in a hundred, and asking on each would ask a genuine worker about every 25 minutes of typing.
 * In-page scores carry no `session`. Not in the grace after a passed step-up. */
export function onStepUp(fn) {
  stepUp = fn;
}

/** Each collector's scores count only while it is the running one: the answer to a stopped
 * collector's last batch (after a logout) must not ask anything. */
let generation = 0;

/** After a passed step-up, answers are not acted on for a while: an answer computed before
 * the server recorded the pass may arrive after it. 30 s, two of the collector's default windows: a
 * request takes far less (the collector's fetch is retried with backoff, and a window's answer
 * older than the next window is stale anyway). */
const GRACE_MS = 30000;
let graceUntil = 0;

export function stepUpPassed() {
  graceUntil = Date.now() + GRACE_MS;
}

function hearer() {
  const mine = ++generation;
  return (score) => {
    if (mine === generation && score?.session?.step_up === true && Date.now() >= graceUntil) stepUp(score);
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

/** The login view: a collector that holds its summaries until it is given a token. */
export function watchLogin() {
  end();
  token = null;
  profileRevision = null;
  graceUntil = 0;
  collector = new Collector({ endpoint: ENDPOINT, onScore: hearer() });
  collector.start();
}

/** A failed login attempt: what was typed may have been another id. The collector that holds
 * it goes (one freed without a token sends nothing), and a fresh one measures the next try. */
export function loginFailed() {
  watchLogin();
}

/**
 * A session begins (a login, a page load with a saved login): the login view's collector is
 * given `newToken` and sends what it held under it; otherwise the running collector is stopped
 * and one under `newToken` starts. Then the profile.
 */
export async function watchSession(newToken) {
  if (collector && token === null) {
    collector.setSessionToken(newToken);
  } else {
    end();
    collector = new Collector({ endpoint: ENDPOINT, sessionToken: newToken, onScore: hearer() });
    collector.start();
  }
  token = newToken;
  profileRevision = null;
  return refreshProfile();
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
