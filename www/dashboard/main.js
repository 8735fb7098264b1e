// The reviewer dashboard: sign in with the reviewer key, then the review queue (#/queue),
// one session (#/session/ID), the users (#/users) and one user (#/user/ID).

import * as api from './api.js';
import { queueView } from './queue.js';
import { sessionView } from './session.js';
import { usersView, userView } from './users.js';
import { h, fill, focusHeading } from '../shared/dom.js';
import { ApiError } from '../shared/api.js';

const loginView = document.getElementById('login-view');
const app = document.getElementById('app');
const view = document.getElementById('view');
const loginForm = document.getElementById('login-form');
const keyInput = document.getElementById('reviewer-key');
const loginError = document.getElementById('login-error');

function showLogin(message = '') {
  api.forgetKey();
  app.hidden = true;
  loginView.hidden = false;
  loginError.textContent = message;
  keyInput.value = '';
  keyInput.focus();
}

function showApp() {
  loginView.hidden = true;
  app.hidden = false;
  if (!location.hash.startsWith('#/')) history.replaceState(null, '', '#/queue');
  render();
}

loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    loginError.textContent = 'Enter the reviewer key.';
    return;
  }
  api.setKey(key);
  try {
    await api.reviewQueue('open');
  } catch (err) {
    api.forgetKey();
    loginError.textContent = err.status === 401 || err.status === 403
      ? 'That is not the reviewer key.'
      : err.message;
    keyInput.select();
    return;
  }
  keyInput.value = '';
  showApp();
  focusHeading(view);
});

document.getElementById('logout').addEventListener('click', () => {
  history.replaceState(null, '', location.pathname);
  showLogin();
});

function route() {
  const [path, query = ''] = location.hash.slice(2).split('?');
  const [name, ...rest] = path.split('/');
  return { name: name || 'queue', arg: decodeURIComponent(rest.join('/')), params: new URLSearchParams(query) };
}

/** Each render gets a number: a slow answer for a view the reviewer already left is dropped. */
let current = 0;

async function render() {
  const ticket = ++current;
  const { name, arg, params } = route();
  const views = {
    queue: () => queueView(params),
    session: () => sessionView(arg, render),
    users: () => usersView(params.get('after')),
    user: () => userView(arg, render),
  };
  const section = { session: 'queue', user: 'users' }[name] ?? name;
  for (const a of document.querySelectorAll('.topbar nav a')) {
    if (a.dataset.route === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  view.setAttribute('aria-busy', 'true');
  let content;
  try {
    content = await (views[name] ?? views.queue)();
  } catch (err) {
    if (ticket !== current) return;
    if (err instanceof ApiError && err.status === 401) {
      showLogin('The reviewer key was refused. Sign in again.');
      return;
    }
    content = [h('h1', {}, 'Could not load this page'),
      h('p', { class: 'error' }, err.message),
      h('p', {}, h('a', { href: '#/queue' }, 'Back to the review queue'))];
  }
  if (ticket !== current) return;
  fill(view, content);
  view.removeAttribute('aria-busy');
  document.title = `${view.querySelector('h1')?.textContent ?? 'Review'} — Telltale review`;
  // Charts size themselves to their box, which exists only now.
  view.dispatchEvent(new Event('attached'));
}

window.addEventListener('hashchange', async () => {
  if (!api.key()) return;
  await render();
  focusHeading(view);
});

if (api.key()) showApp();
else showLogin();
