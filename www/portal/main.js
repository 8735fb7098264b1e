// The demo portal: one page, two views. The login view and the workspace share one document,
// so the collector that measured the employee-id entry is still alive when the login answer
// arrives (see monitor.js). Routes of the workspace live in the hash: #/queue, #/customers?q=,
// #/customer/ID, #/ticket/ID.

import * as auth from './auth.js';
import * as monitor from './monitor.js';
import { confirmIdentity } from './stepup.js';
import { queueView, customersView, customerView, ticketView } from './views.js';
import { fill, focusHeading } from '../shared/dom.js';

const loginView = document.getElementById('login-view');
const workspace = document.getElementById('workspace');
const view = document.getElementById('view');
const loginForm = document.getElementById('login-form');
const employeeId = document.getElementById('employee-id');
const password = document.getElementById('password');
const loginError = document.getElementById('login-error');
const submit = document.getElementById('login-submit');

/** The user ids the server accepts (crates/server/openapi.json: 1-128 of [A-Za-z0-9_.@-]). */
const USER_ID = /^[A-Za-z0-9_.@-]{1,128}$/;

let login = null;

function showLogin(message = '') {
  login = null;
  workspace.hidden = true;
  loginView.hidden = false;
  loginError.textContent = message;
  password.value = '';
  monitor.watchLogin();
  employeeId.focus();
}

async function showWorkspace(newLogin) {
  loginView.hidden = true;
  workspace.hidden = false;
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/queue');
  render();
  await beginSession(newLogin);
}

/** A session begins (a login, a reload with a saved login): the collector moves to its token. */
async function beginSession(newLogin) {
  login = newLogin;
  auth.save(login);
  document.getElementById('who').textContent = login.user;
  const status = await monitor.watchSession(login.token);
  if (status === 401) logOut('Your session has ended. Please sign in again.');
}

function logOut(message) {
  monitor.endSession();
  auth.forget();
  history.replaceState(null, '', location.pathname);
  showLogin(message);
}

loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = employeeId.value.trim();
  if (!USER_ID.test(id)) {
    loginError.textContent = 'An employee ID is 1 to 128 letters, digits or . _ @ -';
    employeeId.focus();
    return;
  }
  if (!password.value) {
    loginError.textContent = 'Enter your password.';
    password.focus();
    return;
  }
  submit.disabled = true;
  loginError.textContent = '';
  const r = await auth.logIn(id, password.value);
  submit.disabled = false;
  if (r.error) {
    monitor.loginFailed();
    loginError.textContent = r.error;
    password.value = '';
    password.focus();
    return;
  }
  password.value = '';
  employeeId.value = '';
  await showWorkspace(r.login);
});

document.getElementById('logout').addEventListener('click', () => logOut(''));

// A passed step-up keeps the session: its evidence goes on adding up, so an impostor who knows
// the password still reaches the review queue (a new session per step-up would start each one
// from nothing: tried, and the impostor's sessions were never flagged). The server records the
// pass and asks again only after a stretch of evidence of its own.
let confirming = false;
monitor.onStepUp(async () => {
  if (!login || confirming) return;
  confirming = true;
  try {
    const passed = await confirmIdentity(login);
    if (passed) monitor.stepUpPassed();
    else logOut('');
  } finally {
    confirming = false;
  }
});

function route() {
  const [path, query = ''] = location.hash.slice(2).split('?');
  const [name, arg] = path.split('/');
  return { name: name || 'queue', arg: decodeURIComponent(arg || ''), params: new URLSearchParams(query) };
}

function render() {
  const { name, arg, params } = route();
  const views = {
    queue: () => queueView(params),
    customers: () => customersView(params),
    customer: () => customerView(arg),
    ticket: () => ticketView(arg),
  };
  fill(view, (views[name] ?? views.queue)());
  const section = name === 'customer' || name === 'ticket' ? 'customers' : name;
  for (const a of document.querySelectorAll('.topbar nav a')) {
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${view.querySelector('h1')?.textContent ?? 'Care Desk'} — demo portal`;
}

window.addEventListener('hashchange', async () => {
  if (!login) return;
  if (auth.expired(login)) {
    logOut('Your session has ended. Please sign in again.');
    return;
  }
  render();
  focusHeading(view);
  // Each view fetches the profile again: it may have finished enrolling, or learned.
  if (await monitor.refreshProfile() === 401) logOut('Your session has ended. Please sign in again.');
});

await monitor.load();
const saved = auth.saved();
if (saved) await showWorkspace(saved);
else showLogin();
