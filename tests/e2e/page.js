// The test page's script: builds a collector from the query string and records everything it
// hands out, for the tests to read.
import init, { Collector } from '../../pkg/telltale.js';

const q = new URLSearchParams(location.search);
const opts = JSON.parse(q.get('opts') || '{}');
window.__summaries = [];
window.__scores = [];
window.__violations = [];
// Back/forward-cache restores, as the page saw them.
window.__restores = 0;
addEventListener('pageshow', (e) => { if (e.persisted) window.__restores += 1; });
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective));
await init();
window.__collector = new Collector({
  ...opts,
  onSummary: (s) => window.__summaries.push(s),
  onScore: (s) => window.__scores.push(s),
});
// `?collector=off`: the page as it is without the collector (the bench's Event Timing baseline).
if (q.get('collector') !== 'off') window.__collector.start();
document.getElementById('login').addEventListener('submit', (e) => e.preventDefault());
window.__ready = true;
