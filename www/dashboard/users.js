// #/users: every user (a page of 1,000, #/users?after=ID the next), and #/user/ID: one user's
// enrollment and sessions (reset, erase).

import * as api from './api.js';
import { h } from '../shared/dom.js';
import * as fmt from '../shared/format.js';
import { modality } from './words.js';

function enrolledPill(u) {
  // A stored profile this build cannot read (a newer model's during a rollback; damage).
  if (u.profile_error) return h('span', { class: 'pill review', title: u.profile_error }, 'profile unreadable');
  return u.enrolled
    ? h('span', { class: 'pill allow' }, 'enrolled')
    : h('span', { class: 'pill enrolling' }, 'enrolling');
}

/** Enrollment as one progress bar per modality. */
export function enrollment(list) {
  if (!list?.length) return h('p', { class: 'muted' }, 'No enrollment data.');
  return h('ul', { class: 'enrollment' }, list.map((e) => {
    const done = Math.min(e.samples, e.needed);
    return h('li', {},
      h('span', { class: 'enrol-name' }, modality(e.modality)),
      h('progress', { max: e.needed, value: done, 'aria-label': `${modality(e.modality)}: ${done} of ${e.needed}` }),
      h('span', { class: 'enrol-count' }, e.samples >= e.needed ? `${e.samples} — complete` : `${e.samples} of ${e.needed}`));
  }));
}

export async function usersView(after) {
  const { users, next } = await api.users(after);
  const more = (words, href) => h('p', {}, h('a', { href }, words));
  return [
    h('h1', {}, 'Users'),
    after ? more('First users', '#/users') : null,
    users.length === 0 ? h('p', {}, 'No user has signed in yet.') :
      h('div', { class: 'table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'User'), h('th', { scope: 'col' }, 'Profile'),
          h('th', { scope: 'col', class: 'num' }, 'Sessions'), h('th', { scope: 'col', class: 'num' }, 'Flagged'),
          h('th', { scope: 'col', class: 'wide-only' }, 'Enrollment'))),
        h('tbody', {}, users.map((u) => h('tr', {},
          h('td', {}, h('a', { href: `#/user/${encodeURIComponent(u.user)}` }, u.user)),
          h('td', {}, enrolledPill(u)),
          h('td', { class: 'num' }, String(u.sessions)),
          h('td', { class: 'num' }, String(u.flagged)),
          h('td', { class: 'wide-only small' }, (u.enrollment ?? [])
            .map((e) => `${modality(e.modality)} ${Math.min(e.samples, e.needed)}/${e.needed}`).join(', ') || '—')))))),
    next ? more(`Users after ${next}`, `#/users?after=${encodeURIComponent(next)}`) : null,
  ];
}

export async function userView(id, rerender) {
  const u = await api.user(id);
  const message = h('p', { role: 'status' });
  const act = (words, title, text, fn) => h('button', {
    type: 'button',
    class: 'danger',
    onclick: async () => {
      if (!await confirmDialog(title, text)) return;
      try {
        await fn();
        if (fn === erase) location.hash = '#/users';
        else await rerender();
      } catch (err) {
        message.className = 'error';
        message.textContent = err.message;
      }
    },
  }, words);
  const erase = () => api.eraseUser(u.user);
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/users' }, 'Users'), ' / ', u.user),
    h('h1', {}, u.user, ' ', enrolledPill(u)),
    h('section', { class: 'card', 'aria-labelledby': 'enrol-h' },
      h('h2', { id: 'enrol-h' }, 'Enrollment'),
      h('p', { class: 'small muted' }, u.enrolled
        ? `The profile is complete and scores every window (revision ${u.profile_revision ?? '—'}). It keeps learning from sessions that scored as genuine.`
        : 'Until every kind of sample below is complete, windows are collected but not scored (band “enrolling”).'),
      enrollment(u.enrollment)),
    h('section', { class: 'card', 'aria-labelledby': 'sessions-h' },
      h('h2', { id: 'sessions-h' }, 'Sessions'),
      (u.sessions ?? []).length === 0 ? h('p', {}, 'No sessions.') :
        h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Started'), h('th', { scope: 'col' }, 'Review'),
            h('th', { scope: 'col' }, 'Band'))),
          h('tbody', {}, u.sessions.map((s) => h('tr', {},
            h('td', {}, h('a', { href: `#/session/${encodeURIComponent(s.session)}` }, fmt.when(s.created_at))),
            h('td', {}, s.status === 'none' ? 'not flagged' : s.status),
            h('td', {}, h('span', { class: `pill ${s.band}` }, fmt.band(s.band))))))))),
    h('section', { class: 'card', 'aria-labelledby': 'manage-h' },
      h('h2', { id: 'manage-h' }, 'Manage'),
      h('div', { class: 'row' },
        act('Reset profile', `Reset the profile of ${u.user}?`,
          'The profile is thrown away and enrollment starts again from the next session. Sessions and reviews are kept.',
          () => api.resetUser(u.user)),
        act('Erase user', `Erase ${u.user}?`,
          'Every row of this user is deleted: profile, sessions, summaries and reviews. This cannot be undone.',
          erase)),
      message),
  ];
}

const dialog = document.getElementById('confirm');

/** A modal yes/no question; resolves true for yes. */
function confirmDialog(title, text) {
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'yes'), { once: true });
  });
}
