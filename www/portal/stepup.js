// The step-up: when a score's band is `step_up`, the worker enters the password again (checked
// with the demo login backend, which answers with a new session) or logs out. `review` is
// silent for the worker: only a reviewer sees it.

import { logIn } from './auth.js';

const dialog = document.getElementById('stepup');
const form = document.getElementById('stepup-form');
const password = document.getElementById('stepup-password');
const error = document.getElementById('stepup-error');
const logoutButton = document.getElementById('stepup-logout');
// The dialog opens while the worker may be typing a note: focus goes to its title, not to the
// password field, so the rest of a sentence does not land there (Tab reaches the field).
const title = document.getElementById('stepup-title');
title.setAttribute('tabindex', '-1');

let pending = null;

/**
 * Asks `user` for the password again. Resolves with the new login on success, or null when
 * the worker chose to log out. A second call while one is open joins it.
 */
export function confirmIdentity(user) {
  if (pending) return pending.promise;
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  pending = { promise, resolve, user };
  error.textContent = '';
  password.value = '';
  dialog.showModal();
  title.focus();
  return promise;
}

function finish(result) {
  const p = pending;
  pending = null;
  password.value = '';
  dialog.close();
  p?.resolve(result);
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!pending) return;
  if (!password.value) {
    error.textContent = 'Enter your password.';
    password.focus();
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  const r = await logIn(pending.user, password.value);
  button.disabled = false;
  if (r.login) {
    finish(r.login);
  } else {
    error.textContent = r.error.startsWith('That employee ID') ? 'That password is not right.' : r.error;
    password.value = '';
    password.focus();
  }
});

logoutButton.addEventListener('click', () => finish(null));

// Escape does not dismiss it: the worker confirms or logs out. (Chromium closes a modal dialog
// on a second Escape regardless; then it opens again.)
dialog.addEventListener('cancel', (e) => e.preventDefault());
dialog.addEventListener('close', () => {
  if (pending) {
    dialog.showModal();
    title.focus();
  }
});
