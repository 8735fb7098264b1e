// The step-up: when the server's answer says the session asks for one (`score.session.step_up`),
// the worker enters the password again (checked by the demo login backend, which tells the
// server the step-up was passed) or logs out. A review is silent for the worker: only a
// reviewer sees it.

import { stepUp } from './auth.js';

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
 * Asks the worker of `login` for the password again. Resolves with true once it is right (the
 * pass is recorded), or false when the worker chose to log out. A second call while one is
 * open joins it.
 */
export function confirmIdentity(login) {
  if (pending) return pending.promise;
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  pending = { promise, resolve, login };
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
  const r = await stepUp(pending.login, password.value);
  button.disabled = false;
  if (!r.error) {
    finish(true);
  } else {
    error.textContent = r.error;
    password.value = '';
    password.focus();
  }
});

logoutButton.addEventListener('click', () => finish(false));

// Escape does not dismiss it: the worker confirms or logs out. (Chromium closes a modal dialog
// on a second Escape regardless; then it opens again.)
dialog.addEventListener('cancel', (e) => e.preventDefault());
dialog.addEventListener('close', () => {
  if (pending) {
    dialog.showModal();
    title.focus();
  }
});
