// The workspace's views, one function each: route parameters in, a DOM fragment out.

import { h } from '../shared/dom.js';
import * as data from './data.js';

const PER_PAGE = 15;
const money = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' });

/** "Previous / Page 2 of 9 / Next" links for a list of `total` rows. */
function pager(total, page, href) {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    page > 1 ? h('a', { href: href(page - 1) }, '← Previous') : h('span', { class: 'muted' }, '← Previous'),
    h('span', {}, `Page ${page} of ${pages}`),
    page < pages ? h('a', { href: href(page + 1) }, 'Next →') : h('span', { class: 'muted' }, 'Next →'));
}

function pageOf(params, total) {
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const p = Number.parseInt(params.get('page') || '1', 10);
  return Number.isFinite(p) ? Math.min(Math.max(1, p), pages) : 1;
}

const statusPill = (s) => h('span', { class: `pill ${s === 'closed' ? '' : s === 'open' ? 'review' : 'enrolling'}` }, s);

/** #/queue: the worker's open tickets. */
export function queueView(params) {
  const rows = data.openTickets();
  const page = pageOf(params, rows.length);
  const shown = rows.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  return [
    h('h1', {}, 'My queue'),
    h('p', { class: 'muted' }, `${rows.length} open tickets, newest first.`),
    h('div', { class: 'table-wrap' },
      h('table', {},
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Ticket'), h('th', { scope: 'col' }, 'Subject'),
          h('th', { scope: 'col' }, 'Customer'), h('th', { scope: 'col' }, 'Status'),
          h('th', { scope: 'col', class: 'wide-only' }, 'Opened'))),
        h('tbody', {}, shown.map((t) => {
          const c = data.customer(t.customer);
          return h('tr', {},
            h('td', { class: 'nowrap' }, h('a', { href: `#/ticket/${t.id}` }, t.id)),
            h('td', {}, t.subject),
            h('td', {}, h('a', { href: `#/customer/${c.id}` }, c.name)),
            h('td', {}, statusPill(t.status)),
            h('td', { class: 'wide-only' }, t.opened));
        })))),
    pager(rows.length, page, (p) => `#/queue?page=${p}`),
  ];
}

/** #/customers?q=: search, and the matching customers. */
export function customersView(params) {
  const q = params.get('q') || '';
  const rows = data.searchCustomers(q);
  const page = pageOf(params, rows.length);
  const shown = rows.slice((page - 1) * PER_PAGE, page * PER_PAGE);
  const input = h('input', {
    id: 'search', type: 'search', name: 'q', value: q, autocomplete: 'off',
    placeholder: 'Name, customer number, e-mail or phone',
  });
  const form = h('form', {
    class: 'search', role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      location.hash = `#/customers?q=${encodeURIComponent(input.value.trim())}`;
    },
  },
  h('label', { for: 'search' }, 'Find a customer'),
  h('div', { class: 'row search-row' }, input, h('button', { type: 'submit' }, 'Search')));
  return [
    h('h1', {}, 'Customers'),
    form,
    h('h2', {}, q ? `${rows.length} customers match “${q}”` : `All ${rows.length} customers`),
    rows.length === 0 ? h('p', {}, 'No customer matches. Try part of a name or a number such as C-10042.') :
      h('div', { class: 'table-wrap' },
        h('table', {},
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Customer'), h('th', { scope: 'col' }, 'Name'),
            h('th', { scope: 'col' }, 'Phone'), h('th', { scope: 'col', class: 'wide-only' }, 'E-mail'),
            h('th', { scope: 'col', class: 'wide-only' }, 'Plan'))),
          h('tbody', {}, shown.map((c) => h('tr', {},
            h('td', { class: 'nowrap' }, h('a', { href: `#/customer/${c.id}` }, c.id)),
            h('td', {}, c.name),
            h('td', { class: 'nowrap' }, c.phone),
            h('td', { class: 'wide-only' }, c.email),
            h('td', { class: 'wide-only' }, c.plan)))))),
    rows.length > PER_PAGE && pager(rows.length, page,
      (p) => `#/customers?q=${encodeURIComponent(q)}&page=${p}`),
  ];
}

/** #/customer/ID: the customer record and its tickets. */
export function customerView(id) {
  const c = data.customer(id);
  if (!c) return notFound(`No customer ${id}.`);
  const tickets = data.ticketsOf(c);
  const field = (label, value) => [h('dt', {}, label), h('dd', {}, value)];
  return [
    h('p', { class: 'crumbs' }, h('a', { href: '#/customers' }, 'Customers'), ' / ', c.id),
    h('h1', {}, c.name),
    h('div', { class: 'record' },
      h('section', { class: 'card', 'aria-labelledby': 'details-h' },
        h('h2', { id: 'details-h' }, 'Details'),
        h('dl', { class: 'fields' },
          field('Customer number', c.id),
          field('E-mail', c.email),
          field('Phone', c.phone),
          field('Address', c.address),
          field('Plan', c.plan),
          field('Customer since', c.since),
          field('Balance', money.format(c.balance)))),
      // A region the portal chose not to have observed at all (data-telltale-ignore).
      h('section', { class: 'card', 'aria-labelledby': 'verify-h', 'data-telltale-ignore': true },
        h('h2', { id: 'verify-h' }, 'Caller verification'),
        h('p', { class: 'small muted' }, 'Typing here is not observed by Telltale (an ignored region).'),
        h('label', { for: 'verify-answer' }, 'Answer to the security question'),
        h('input', { id: 'verify-answer', type: 'text', autocomplete: 'off' }),
        h('div', { class: 'row' }, h('button', {
          type: 'button', class: 'secondary',
          onclick: (e) => { e.target.textContent = 'Marked as verified'; },
        }, 'Mark caller as verified')))),
    h('h2', {}, 'Tickets'),
    tickets.length === 0 ? h('p', {}, 'No tickets yet.') :
      h('div', { class: 'table-wrap' },
        h('table', {},
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'Ticket'), h('th', { scope: 'col' }, 'Subject'),
            h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Opened'))),
          h('tbody', {}, tickets.map((t) => h('tr', {},
            h('td', { class: 'nowrap' }, h('a', { href: `#/ticket/${t.id}` }, t.id)),
            h('td', {}, t.subject),
            h('td', {}, statusPill(t.status)),
            h('td', { class: 'nowrap' }, t.opened)))))),
  ];
}

/** #/ticket/ID: a ticket, its history and a notes box. */
export function ticketView(id) {
  const t = data.ticket(id);
  if (!t) return notFound(`No ticket ${id}.`);
  const c = data.customer(t.customer);
  const history = h('ol', { class: 'history' }, t.history.map((n) => h('li', {}, n)));
  const notes = h('textarea', { id: 'notes', name: 'notes', rows: 6 });
  const saved = h('p', { class: 'notice', role: 'status' });
  return [
    h('p', { class: 'crumbs' },
      h('a', { href: `#/customer/${c.id}` }, c.name), ' / ', t.id),
    h('h1', {}, `${t.id}: ${t.subject}`),
    h('p', {}, statusPill(t.status), ` opened ${t.opened} for `, h('a', { href: `#/customer/${c.id}` }, c.name)),
    h('section', { class: 'card', 'aria-labelledby': 'history-h' },
      h('h2', { id: 'history-h' }, 'History'), history),
    h('form', {
      class: 'card',
      onsubmit: (e) => {
        e.preventDefault();
        const text = notes.value.trim();
        if (!text) return;
        t.history.push(text);
        history.append(h('li', {}, text));
        notes.value = '';
        saved.textContent = 'Note added (kept in this tab only: it is a demo).';
      },
    },
    h('label', { for: 'notes' }, 'Add a note'),
    notes,
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Add note')),
    saved),
  ];
}

function notFound(words) {
  return [h('h1', {}, 'Not found'), h('p', {}, words, ' ', h('a', { href: '#/queue' }, 'Back to my queue'))];
}
