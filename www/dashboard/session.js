// #/session/ID: one session for a reviewer: what was decided and why, the window-by-window
// timeline, the features against the user's normal ranges, and the verdict buttons.

import * as api from './api.js';
import { flagPill } from './queue.js';
import { timelineChart, timelinePoints, featureStrip, deviation } from './charts.js';
import { h } from '../shared/dom.js';
import * as fmt from '../shared/format.js';

/** Features shown before "show all": the most deviating first. */
const FIRST_FEATURES = 8;

const STATUS_WORDS = { none: 'not flagged', open: 'open', resolved: 'resolved' };

const VERDICTS = [
  { verdict: 'genuine', words: 'Genuine', what: 'A false alarm: it was the worker. The profile learns from this session, and only a reset of the profile undoes that.' },
  { verdict: 'impostor', words: 'Impostor', what: 'Someone else used the account.' },
  { verdict: 'automation', words: 'Automation', what: 'A script or a program drove the browser.' },
];

export async function sessionView(id, rerender) {
  const s = await api.session(id);
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/queue' }, 'Review queue'), ' / session ', h('code', {}, s.session)),
    h('h1', {}, 'Session of ', h('a', { href: `#/user/${encodeURIComponent(s.user)}` }, s.user)),
    facts(s),
    h('section', { class: 'card', 'aria-labelledby': 'why-h' },
      h('h2', { id: 'why-h' }, 'Why it was flagged'),
      (s.flags ?? []).length ? h('p', { class: 'flags' }, s.flags.map(flagPill)) : h('p', { class: 'muted' }, 'Not flagged.'),
      (s.reasons ?? []).length
        ? h('ul', { class: 'reasons' }, s.reasons.map((r) => h('li', {}, r)))
        : h('p', { class: 'muted' }, 'No reasons recorded.')),
    timeline(s),
    features(s),
    verdict(s, rerender),
  ];
}

function facts(s) {
  const d = s.decision ?? {};
  const item = (label, ...value) => h('div', {}, h('dt', {}, label), h('dd', {}, ...value));
  return h('dl', { class: 'facts card' },
    item('Review', h('span', { class: `pill ${s.status === 'open' ? 'review' : ''}` }, STATUS_WORDS[s.status] ?? s.status),
      s.verdict ? [' ', h('span', { class: `pill ${s.verdict}` }, s.verdict)] : null),
    item('Decision', h('span', { class: `pill ${d.band}` }, fmt.band(d.band)),
      d.automation ? [' ', h('span', { class: 'pill automation' }, 'automated')] : null),
    item('Evidence', `${fmt.num(d.evidence)} now, ${fmt.num(d.peak)} at most`,
      h('span', { class: 'hint' }, `review at ${fmt.num(d.review_at)}, step-up at ${fmt.num(d.step_up_at)}`)),
    item('Step-up', stepUpWords(d)),
    item('Windows scored', String(d.scored ?? 0)),
    item('Highest automation', fmt.automation(d.max_automation)),
    item('Started', fmt.when(s.created_at)),
    item('Token', s.revoked ? 'revoked' : `valid until ${fmt.when(s.expires_at)}`));
}

/** The step-up in words: asked now or not, and how many the worker passed (in a flagged session,
 * a pass says whoever typed knew the password). */
function stepUpWords(d) {
  const passed = d.step_ups_passed ?? 0;
  const now = d.step_up_due ? 'asked now' : 'not asked now';
  return passed ? `${now}; passed ${passed} time${passed === 1 ? '' : 's'}` : now;
}

function timeline(s) {
  const windows = s.timeline ?? [];
  const head = [
    h('h2', { id: 'timeline-h' }, 'Window by window'),
    h('p', { class: 'small muted' },
      'Each point is one window of activity (about 15 seconds, or one entry of the employee ID). ',
      h('strong', { class: 'key-sim' }, 'Similarity'),
      ' (left axis, 0–100): how much it looked like this user; under 5 is sent to review, under 1 asks for the password again. ',
      h('strong', { class: 'key-auto' }, 'Automation'),
      ' (right axis, 0–1): 0 a person, 1 a script; 0.5 and above is a verdict. Point at a window for its numbers.'),
  ];
  if (windows.length === 0) {
    return h('section', { class: 'card', 'aria-labelledby': 'timeline-h' }, head, h('p', {}, 'No windows received.'));
  }
  const points = timelinePoints(windows);
  // A session of more windows than a view holds: its first and last ones, and the most
  // deviating of those between (the server's cap).
  const omitted = s.omitted > 0
    ? h('p', { class: 'small' }, `${s.omitted} windows are not shown: this session has more than a view holds. Shown are its first and last windows and, from between them, those least like the user and most like a script.`)
    : null;
  return h('section', { class: 'card', 'aria-labelledby': 'timeline-h' },
    head,
    omitted,
    timelineChart(points),
    h('details', {},
      h('summary', {}, 'The numbers as a table'),
      h('div', { class: 'table-wrap' }, h('table', { class: 'small' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Window ended'), h('th', { scope: 'col' }, 'Page, no.'),
          h('th', { scope: 'col', class: 'num' }, 'Similarity'), h('th', { scope: 'col' }, 'Band'),
          h('th', { scope: 'col', class: 'num' }, 'Automation'),
          h('th', { scope: 'col', title: "whether the page's own score equals the server's" }, 'Page score'),
          h('th', { scope: 'col' }, 'Reasons'))),
        h('tbody', {}, points.map((p) => h('tr', {},
          h('td', {}, fmt.clockTime(p.x)),
          h('td', {}, `${p.w.page.slice(0, 6)}, ${p.w.seq}`),
          h('td', { class: 'num' }, fmt.similarity(p.w.similarity)),
          h('td', {}, h('span', { class: `pill ${p.w.band}` }, fmt.band(p.w.band))),
          h('td', { class: 'num' }, fmt.automation(p.w.automation)),
          h('td', {}, matchWords(p.w.page_score_matches)),
          h('td', {}, (p.w.reasons ?? []).join('; ') || '—'))))))));
}

export const matchWords = (m) => (m === true ? 'matches' : m === false ? 'differs' : '—');

function features(s) {
  const list = (s.features ?? [])
    .map((f) => ({ f, dev: deviation(f) }))
    .sort((a, b) => b.dev - a.dev)
    .map(({ f }) => f);
  const head = [
    h('h2', { id: 'features-h' }, "Features against the user's normal range"),
    h('p', { class: 'small muted' },
      'The green band is the user\'s normal range (their mean ± 2 standard deviations, from the profile; the dashed line their typical value); ',
      'the line is this session, window by window; red points are outside the range. Most unusual first.'),
  ];
  if (list.length === 0) {
    return h('section', { class: 'card', 'aria-labelledby': 'features-h' }, head,
      h('p', {}, 'No features to compare: the user\'s profile is still enrolling, or the session sent no windows.'));
  }
  const grid = h('div', { class: 'strips' }, list.slice(0, FIRST_FEATURES).map(featureStrip));
  const more = list.length > FIRST_FEATURES && h('button', {
    type: 'button',
    class: 'secondary',
    onclick: (e) => {
      grid.append(...list.slice(FIRST_FEATURES).map(featureStrip));
      e.target.remove();
    },
  }, `Show all ${list.length} features`);
  return h('section', { class: 'card', 'aria-labelledby': 'features-h' }, head, grid, more);
}

function verdict(s, rerender) {
  if (s.status === 'none') {
    return h('section', { class: 'card', 'aria-labelledby': 'verdict-h' },
      h('h2', { id: 'verdict-h' }, 'Verdict'),
      h('p', {}, 'This session was not flagged: there is nothing to decide.'));
  }
  const note = h('textarea', { id: 'verdict-note', rows: 3, maxlength: 2000 });
  if (s.note) note.value = s.note;
  const message = h('p', { role: 'status' });
  const buttons = VERDICTS.map((v) => h('button', {
    type: 'button',
    class: v.verdict === 'genuine' ? 'secondary' : 'danger',
    'aria-describedby': `verdict-${v.verdict}`,
    onclick: async () => {
      for (const b of buttons) b.disabled = true;
      message.className = '';
      message.textContent = 'Saving…';
      try {
        await api.resolve(s.session, v.verdict, note.value.trim() || null);
        await rerender();
      } catch (err) {
        message.className = 'error';
        message.textContent = err.message;
        for (const b of buttons) b.disabled = false;
      }
    },
  }, v.words));
  return h('section', { class: 'card', 'aria-labelledby': 'verdict-h' },
    h('h2', { id: 'verdict-h' }, 'Verdict'),
    s.verdict
      ? h('p', {}, 'Resolved as ', h('span', { class: `pill ${s.verdict}` }, s.verdict),
        s.note ? [' — ', h('q', {}, s.note)] : null,
        s.verdict === 'genuine' && s.learned > 0
          ? '. The profile learned from it: to change the verdict, reset the worker\'s profile first.'
          : '. Choose again to change it.')
      : h('p', {}, 'Was this session the worker?'),
    h('label', { for: 'verdict-note' }, 'Note ', h('span', { class: 'hint' }, 'Optional: what you checked')),
    note,
    h('div', { class: 'row verdicts' }, buttons),
    s.learned > 0 && s.verdict !== 'genuine'
      ? h('p', { class: 'small' }, `The worker's profile learned ${s.learned} window${s.learned === 1 ? '' : 's'} of this session before it was flagged. If it was not the worker, reset the profile (Users) to take them out.`)
      : null,
    h('ul', { class: 'small muted verdict-help' }, VERDICTS.map((v) => h('li', { id: `verdict-${v.verdict}` },
      h('strong', {}, v.words), ': ', v.what))),
    history(s.verdicts),
    message);
}

/** Every verdict given, when more than one was: a changed verdict keeps the ones before it. */
function history(verdicts) {
  if (!(verdicts?.length > 1)) return null;
  return h('details', { class: 'verdict-history' },
    h('summary', {}, `Verdicts given (${verdicts.length})`),
    h('ol', { class: 'small' }, verdicts.map((v) => h('li', {},
      fmt.when(v.at), ': ', h('span', { class: `pill ${v.verdict}` }, v.verdict),
      v.note ? [' — ', h('q', {}, v.note)] : null))));
}
