// The demo portal's customers and tickets: generated here, from a fixed seed, every time the
// page loads. Nothing is real: names are drawn from short lists, phone numbers from the 555-01xx
// range set aside for fiction, e-mail addresses from example.com (RFC 2606).

import { mulberry32 as generator } from '../shared/random.js';

const FIRST = ['Ada', 'Bram', 'Chiara', 'Dmitri', 'Elif', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun',
  'Kasia', 'Lior', 'Mara', 'Nils', 'Oona', 'Pavel', 'Quinn', 'Rosa', 'Sami', 'Tove', 'Ugo',
  'Vera', 'Wim', 'Xenia', 'Yara', 'Zeno'];
const LAST = ['Abernathy', 'Brightwater', 'Castellan', 'Dunmore', 'Eastfield', 'Fairbank',
  'Greenhollow', 'Hartwell', 'Ironside', 'Juniper', 'Kettering', 'Larkspur', 'Marlowe',
  'Northcott', 'Oakhurst', 'Pembrook', 'Quillfeather', 'Ravenscroft', 'Stonebridge',
  'Thistlewood', 'Underhill', 'Valemont', 'Whitlock', 'Yarrow'];
const STREETS = ['Example Street', 'Sample Road', 'Placeholder Lane', 'Fictional Avenue',
  'Mock Court', 'Demo Way', 'Specimen Close'];
const TOWNS = ['Sampletown', 'Exampleford', 'Mockton', 'Demoport', 'Testbury'];
const PLANS = ['Basic', 'Standard', 'Plus', 'Business'];
const SUBJECTS = ['Bill higher than expected', 'Change of address', 'Cannot log in to app',
  'Direct debit failed', 'Upgrade plan', 'Refund request', 'Service outage',
  'Duplicate charge', 'Close account', 'Update phone number', 'Paper bills wanted',
  'Complaint about wait time'];
const STATUSES = ['open', 'open', 'waiting on customer', 'closed', 'closed', 'closed'];
const NOTES = ['Customer called, explained the situation.', 'Sent a follow-up e-mail.',
  'Escalated to second line.', 'Customer confirmed details.', 'Waiting for billing team.'];

const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
const pad = (n, w) => String(n).padStart(w, '0');

function build() {
  const rnd = generator(20260315);
  const customers = [];
  const tickets = [];
  let ticketNo = 5000;
  const now = Date.UTC(2026, 2, 15, 12, 0, 0);
  for (let i = 0; i < 240; i++) {
    const first = pick(rnd, FIRST);
    const last = pick(rnd, LAST);
    const id = `C-${10001 + i}`;
    const since = new Date(now - Math.floor(rnd() * 3650) * 86400000);
    const c = {
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}`.toLowerCase() + '@example.com',
      phone: `555-01${pad(Math.floor(rnd() * 100), 2)}`,
      address: `${1 + Math.floor(rnd() * 180)} ${pick(rnd, STREETS)}, ${pick(rnd, TOWNS)}`,
      plan: pick(rnd, PLANS),
      since: since.toISOString().slice(0, 10),
      balance: Math.round((rnd() * 400 - 60) * 100) / 100,
      tickets: [],
    };
    const n = Math.floor(rnd() * 5);
    for (let k = 0; k < n; k++) {
      const opened = new Date(now - Math.floor(rnd() * 400) * 86400000);
      const t = {
        id: `T-${ticketNo++}`,
        customer: id,
        subject: pick(rnd, SUBJECTS),
        status: pick(rnd, STATUSES),
        opened: opened.toISOString().slice(0, 10),
        history: [pick(rnd, NOTES)],
      };
      tickets.push(t);
      c.tickets.push(t.id);
    }
    customers.push(c);
  }
  return { customers, tickets };
}

const DATA = build();
const byCustomer = new Map(DATA.customers.map((c) => [c.id, c]));
const byTicket = new Map(DATA.tickets.map((t) => [t.id, t]));

/** Customers whose name, id, e-mail or phone contains `query` (case-insensitive); all for ''. */
export function searchCustomers(query) {
  const q = query.trim().toLowerCase();
  if (!q) return DATA.customers;
  return DATA.customers.filter((c) => [c.id, c.name, c.email, c.phone]
    .some((f) => f.toLowerCase().includes(q)));
}

export const customer = (id) => byCustomer.get(id) ?? null;
export const ticket = (id) => byTicket.get(id) ?? null;
export const ticketsOf = (c) => c.tickets.map((id) => byTicket.get(id));
/** Open tickets, newest first: the worker's queue. */
export const openTickets = () => DATA.tickets
  .filter((t) => t.status !== 'closed')
  .sort((a, b) => b.opened.localeCompare(a.opened));
