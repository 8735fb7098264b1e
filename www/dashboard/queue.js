// #/queue?status=open|resolved: flagged sessions, newest flag first, 200 a page
// (&after= a page's `next`: the older ones).

import * as api from './api.js';
import { h } from '../shared/dom.js';
import * as fmt from '../shared/format.js';

const FLAG_WORDS = {
  review: 'unlike the user',
  step_up: 'very unlike the user',
  automation: 'automated',
  tampering: 'page scores tampered',
  forgery: 'forged summaries',
  replay: 'replayed summaries',
};

/** A flag as a labelled pill. */
export const flagPill = (f) => h('span', {
  class: `pill ${f === 'review' ? 'review' : 'step_up'}`,
  title: f,
}, FLAG_WORDS[f] ?? f);

export async function queueView(params) {
  const status = params.get('status') === 'resolved' ? 'resolved' : 'open';
  const after = params.get('after');
  const { sessions, next } = await api.reviewQueue(status, after);
  const more = (words, href) => h('p', {}, h('a', { href }, words));
  const tab = (s, words) => h('a', {
    href: `#/queue?status=${s}`,
    'aria-current': s === status ? 'page' : null,
  }, words);
  return [
    h('h1', {}, 'Review queue'),
    h('nav', { class: 'tabs', 'aria-label': 'Queue' }, tab('open', 'Open'), tab('resolved', 'Resolved')),
    after ? more('Newest flags', `#/queue?status=${status}`) : null,
    sessions.length === 0
      ? h('p', { class: 'empty' }, status === 'open'
        ? 'Nothing to review: no session has been flagged.'
        : 'No session has been resolved yet.')
      : h('div', { class: 'table-wrap' },
        h('table', { class: 'queue' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Flagged'),
            h('th', { scope: 'col' }, 'User'),
            h('th', { scope: 'col' }, 'Why'),
            h('th', { scope: 'col', class: 'num', title: 'Lowest similarity of any window (0-100)' }, 'Lowest similarity'),
            h('th', { scope: 'col', class: 'num', title: 'Highest automation score (0-1)' }, 'Highest automation'),
            h('th', { scope: 'col' }, 'Main reason'),
            status === 'resolved' && h('th', { scope: 'col' }, 'Verdict'))),
          h('tbody', {}, sessions.map((s) => h('tr', {},
            h('td', { 'data-label': 'Flagged' }, h('a', { href: `#/session/${encodeURIComponent(s.session)}` }, fmt.when(s.flagged_at))),
            h('td', { 'data-label': 'User' }, h('a', { href: `#/user/${encodeURIComponent(s.user)}` }, s.user)),
            h('td', { class: 'flags', 'data-label': 'Why' }, (s.flags ?? []).map(flagPill)),
            h('td', { class: 'num', 'data-label': 'Lowest similarity' }, fmt.similarity(s.similarity)),
            h('td', { class: 'num', 'data-label': 'Highest automation' }, fmt.automation(s.automation)),
            h('td', { class: 'reason', 'data-label': 'Main reason' }, s.reasons?.[0] ?? '—'),
            status === 'resolved' && h('td', { 'data-label': 'Verdict' }, h('span', { class: `pill ${s.verdict ?? ''}` }, s.verdict ?? '—'))))))),
    next ? more('Older flags', `#/queue?status=${status}&after=${encodeURIComponent(next)}`) : null,
  ];
}
