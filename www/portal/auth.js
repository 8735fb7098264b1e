// The worker's login, as the demo portal keeps it: the answer of the demo login backend
// (`POST /demo/login`: in the real product the customer's own backend, which calls
// `POST /v1/sessions` with the portal key), in sessionStorage, so it lasts as long as the tab.

import { request } from '../shared/api.js';

const KEY = 'telltale-demo-portal.login';

/** The saved login `{token, session, user, expires_at}`, or null (none, or expired). */
export function saved() {
  let login = null;
  try {
    login = JSON.parse(sessionStorage.getItem(KEY) || 'null');
  } catch {
    login = null;
  }
  if (!login?.token || expired(login)) {
    forget();
    return null;
  }
  return login;
}

/** Whether the login's token has expired (by its `expires_at`). */
export function expired(login) {
  const t = Date.parse(login?.expires_at ?? '');
  return Number.isFinite(t) && t <= Date.now();
}

export function save(login) {
  sessionStorage.setItem(KEY, JSON.stringify(login));
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

/**
 * Checks an employee id and password with the demo login backend.
 * -> `{login}` on success, `{error: 'words'}` otherwise.
 */
export async function logIn(employeeId, password) {
  let r;
  try {
    r = await request('/demo/login', { method: 'POST', body: { employee_id: employeeId, password } });
  } catch {
    return { error: 'The portal cannot reach its server. Try again in a moment.' };
  }
  if (r.ok && r.data?.token) return { login: r.data };
  if (r.status === 401) return { error: 'That employee ID and password do not match.' };
  if (r.status === 400) return { error: r.data?.message || 'That employee ID is not valid.' };
  return { error: `The login failed (the server answered ${r.status}).` };
}

/**
 * The step-up: the password again, checked by the demo login backend for the session of
 * `login`, which records the pass (`POST /demo/step-up`: in the real product the customer's own
 * backend, which calls `POST /v1/sessions/{id}/step-up` with the portal key).
 * -> `{}` on success, `{error: 'words'}` otherwise.
 */
export async function stepUp(login, password) {
  let r;
  try {
    r = await request('/demo/step-up', { method: 'POST', token: login.token, body: { password } });
  } catch {
    return { error: 'The portal cannot reach its server. Try again in a moment.' };
  }
  if (r.ok) return {};
  if (r.status === 401 && r.data?.message === 'wrong password') return { error: 'That password is not right.' };
  return { error: r.data?.message || `The check failed (the server answered ${r.status}).` };
}
