// The dashboard's two charts, drawn with uPlot (served from this origin, www/vendor/, copied
// from npm by scripts/build-www.sh): a session's timeline, and one strip per feature. Data as
// arrays, one function per chart; each chart sizes itself to its box and follows its width.

import uPlot from '/vendor/uplot/uPlot.esm.js';
import { h } from '../shared/dom.js';
import * as fmt from '../shared/format.js';
import { modality } from './words.js';

// Band thresholds of telltale-core (crates/core/src/score.rs, automation.rs): a window under
// similarity 5 is `review`, under 1 `step_up`; automation from 0.5 is a verdict. The API does
// not hand them out, so they are written here too.
const REVIEW_BELOW = 5;
const STEP_UP_BELOW = 1;
const AUTOMATION_VERDICT = 0.5;

const BLUE = '#1f5fbf';
const RED = '#b3261e';
const GREEN_BAND = 'rgba(46, 125, 79, 0.16)';

/** Creates the chart with `make(width)` once `box` has a width, and resizes it with the box. */
function sized(box, make) {
  let plot = null;
  new ResizeObserver((entries) => {
    const width = Math.floor(entries[entries.length - 1].contentRect.width);
    if (width < 80) return;
    if (!plot) plot = make(width);
    else if (Math.abs(plot.width - width) > 1) plot.setSize({ width, height: plot.height });
  }).observe(box);
  return box;
}

const narrow = () => window.matchMedia('(max-width: 600px)').matches;

/** A horizontal band between values `lo` and `hi` of scale `scale`, across the plot area. */
function band(u, scale, lo, hi, fill) {
  const { left, top, width, height } = u.bbox;
  const y1 = Math.max(top, Math.min(top + height, u.valToPos(hi, scale, true)));
  const y2 = Math.max(top, Math.min(top + height, u.valToPos(lo, scale, true)));
  u.ctx.save();
  u.ctx.fillStyle = fill;
  u.ctx.fillRect(left, y1, width, y2 - y1);
  u.ctx.restore();
}

/** A label in canvas pixels (uPlot draws at devicePixelRatio). */
function label(u, text, x, y, color, align = 'left') {
  u.ctx.save();
  u.ctx.font = `${Math.round(11 * uPlot.pxRatio)}px system-ui, sans-serif`;
  u.ctx.fillStyle = color;
  u.ctx.textAlign = align;
  u.ctx.textBaseline = 'bottom';
  u.ctx.fillText(text, x, y);
  u.ctx.restore();
}

/**
 * The windows of a session with an x on the wall clock. A window's times are milliseconds
 * since its page loaded; each page's start is estimated as the earliest `received_at - end_ms`
 * of its windows (a window cannot arrive before it ends), so windows sent together in one batch
 * keep their true spacing. -> `[{x: seconds since the epoch, w: window}]`, in time order.
 */
export function timelinePoints(windows) {
  const start = new Map();
  for (const w of windows) {
    const s = Date.parse(w.received_at) - w.end_ms;
    if (Number.isFinite(s) && !(start.get(w.page) <= s)) start.set(w.page, s);
  }
  return windows
    .map((w, i) => ({ x: start.has(w.page) ? (start.get(w.page) + w.end_ms) / 1000 : i, w }))
    .sort((a, b) => a.x - b.x);
}

/** The timeline: similarity (left axis) and automation (right axis) per window, with the band
 * thresholds drawn, and the hovered window's numbers and reasons written under it. */
export function timelineChart(points) {
  const info = h('p', { class: 'chart-info', 'aria-live': 'polite' },
    h('span', { class: 'muted' }, 'Point at a window to see its numbers and reasons.'));
  const box = h('div', { class: 'chart' });
  const data = [
    points.map((p) => p.x),
    points.map((p) => p.w.similarity ?? null),
    points.map((p) => p.w.automation ?? null),
  ];
  sized(box, (width) => new uPlot({
    width,
    height: narrow() ? 260 : 300,
    scales: {
      x: {
        time: true,
        range: (u, min, max) => {
          const pad = Math.max(15, (max - min) * 0.03);
          return [min - pad, max + pad];
        },
      },
      // asinh: linear near 0, logarithmic above, so that 0.5, 3 and 60 are all told apart.
      sim: { distr: 4, asinh: 1, range: [0, 100] },
      auto: { range: [0, 1] },
    },
    axes: [
      narrow()
        // A phone: whole minutes only, so that a few short labels fit.
        ? { space: 55, incrs: [60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400], values: (u, s) => s.map((v) => (v == null ? '' : fmt.clockMinutes(v))) }
        : { space: 90, values: timeValues },
      {
        scale: 'sim', label: 'similarity', stroke: BLUE, size: 48,
        splits: () => [0, 1, 5, 10, 25, 50, 100],
        values: (u, splits) => splits.map((v) => (v == null ? '' : String(v))),
      },
      {
        scale: 'auto', side: 1, label: 'automation', stroke: RED, size: 48,
        grid: { show: false },
        splits: () => [0, 0.25, 0.5, 0.75, 1],
        values: (u, splits) => splits.map((v) => (v == null ? '' : v.toFixed(2))),
      },
    ],
    series: [
      { label: 'window ended', value: (u, v) => (v == null ? '—' : fmt.clockTime(v)) },
      {
        label: 'similarity', scale: 'sim', stroke: BLUE, width: 2,
        points: { show: true, size: 8, fill: BLUE },
        value: (u, v) => fmt.similarity(v),
      },
      {
        label: 'automation', scale: 'auto', stroke: RED, width: 1,
        points: { show: true, size: 6, fill: '#fff' },
        value: (u, v) => fmt.automation(v),
      },
    ],
    hooks: {
      drawClear: [(u) => {
        band(u, 'sim', 0, STEP_UP_BELOW, 'rgba(179, 38, 30, 0.16)');
        band(u, 'sim', STEP_UP_BELOW, REVIEW_BELOW, 'rgba(240, 170, 0, 0.18)');
      }],
      draw: [(u) => {
        const { left, width } = u.bbox;
        const px = uPlot.pxRatio;
        const short = width / px < 520;
        label(u, short ? 'step-up' : 'step-up: similarity under 1', left + 4 * px, u.valToPos(0, 'sim', true) - 2 * px, '#8a1c15');
        label(u, short ? 'review' : 'review: similarity under 5', left + 4 * px, u.valToPos(STEP_UP_BELOW, 'sim', true) - 2 * px, '#6b4100');
        const y = u.valToPos(AUTOMATION_VERDICT, 'auto', true);
        u.ctx.save();
        u.ctx.strokeStyle = RED;
        u.ctx.lineWidth = px;
        u.ctx.setLineDash([2 * px, 3 * px]);
        u.ctx.beginPath();
        u.ctx.moveTo(left, y);
        u.ctx.lineTo(left + width, y);
        u.ctx.stroke();
        u.ctx.restore();
        label(u, short ? 'automation verdict' : 'automation verdict: 0.5 and above', left + width - 4 * px, y - 2 * px, RED, 'right');
      }],
      setCursor: [(u) => {
        const i = u.cursor.idx;
        if (i == null) return;
        const { x, w } = points[i];
        info.replaceChildren(
          h('strong', {}, `${fmt.clockTime(x)}: `),
          `similarity ${fmt.similarity(w.similarity)}, automation ${fmt.automation(w.automation)}, `,
          h('span', { class: `pill ${w.band}` }, fmt.band(w.band)),
          ` (page ${w.page.slice(0, 6)}, no. ${w.seq}; ${((w.end_ms - w.start_ms) / 1000).toFixed(0)} s`,
          w.page_score_matches === false ? '; the page\'s own score differed from the server\'s' : '',
          '). ',
          (w.reasons ?? []).length ? w.reasons.join('; ') : 'No reasons: nothing deviated much.');
      }],
    },
  }, data, box));
  return h('div', {}, box, info);
}

/** Ticks for a log axis from `min` to `max`: 1, 2 and 5 times powers of ten (or only the
 * powers, or also 1.5, 3 and 7, so that there are about 3 to 6). */
function logSplits(min, max) {
  const pick = (mantissas) => {
    const out = [];
    for (let e = Math.floor(Math.log10(min)); 10 ** e <= max; e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(6));
        if (v >= min && v <= max) out.push(v);
      }
    }
    return out;
  };
  for (const mantissas of [[1, 2, 5], [1], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]]) {
    const s = pick(mantissas);
    if (s.length >= 3 && s.length <= 6) return s;
  }
  return pick([1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]);
}

/** Time ticks as "14:02" when they fall on whole minutes, else "14:02:10". */
function timeValues(u, splits) {
  const whole = splits.every((v) => v == null || v % 60 === 0);
  return splits.map((v) => (v == null ? '' : whole ? fmt.clockMinutes(v) : fmt.clockTime(v)));
}

/** How far a feature's session values stray from the normal range, in standard deviations. */
export function deviation(f) {
  if (!(f.sd > 0)) return 0;
  return Math.max(0, ...(f.values ?? []).filter(Number.isFinite).map((v) => Math.abs(v - f.mean) / f.sd));
}

/** One feature: the user's normal range (mean ± 2 sd) as a band, the session's values as a line
 * over its windows, values outside the range in red. A feature the profile keeps as the log of
 * a magnitude (`log`: a duration, a speed) is shown in its own unit on a log axis, where its
 * range, exp(mean ± 2 sd), is the same band. */
export function featureStrip(f) {
  const raw = f.log ? Math.exp : (x) => x;
  const lo = raw(f.mean - 2 * f.sd);
  const hi = raw(f.mean + 2 * f.sd);
  const typical = raw(f.mean);
  const values = (f.values ?? []).map((v) => (Number.isFinite(v) ? raw(v) : null));
  const outside = values.map((v) => (v != null && (v < lo || v > hi) ? v : null));
  const nOut = outside.filter((v) => v != null).length;
  const shown = values.filter((v) => v != null);
  const box = h('div', { class: 'chart' });
  sized(box, (width) => new uPlot({
    width,
    height: 140,
    scales: {
      x: { time: false, range: [0.5, Math.max(1, values.length) + 0.5] },
      y: f.log ? {
        distr: 3,
        range: (u, min, max) => [Math.min(lo, min ?? lo) / 1.15, Math.max(hi, max ?? hi) * 1.15],
      } : {
        range: (u, min, max) => {
          const a = Math.min(lo, min ?? lo);
          const b = Math.max(hi, max ?? hi);
          const pad = (b - a || Math.abs(a) || 1) * 0.08;
          return [a - pad, b + pad];
        },
      },
    },
    axes: [
      { size: 30, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (u, s) => s.map((v) => (v == null ? '' : String(v))) },
      {
        size: 52,
        splits: f.log ? (u, i, min, max) => logSplits(min, max) : undefined,
        values: (u, s) => s.map((v) => (v == null ? '' : fmt.num(v))),
      },
    ],
    series: [
      { label: 'window', value: (u, v) => (v == null ? '—' : String(v)) },
      {
        label: 'this session', stroke: BLUE, width: 1.5,
        points: { show: true, size: 6, fill: BLUE },
        value: (u, v) => fmt.num(v),
      },
      {
        label: 'outside the range', stroke: RED, width: 0,
        points: { show: true, size: 8, fill: RED },
        value: (u, v, si, i) => (i == null ? '—' : v == null ? 'no' : 'yes'),
      },
    ],
    legend: { live: true },
    hooks: {
      drawClear: [(u) => band(u, 'y', lo, hi, GREEN_BAND)],
      draw: [(u) => {
        const y = u.valToPos(typical, 'y', true);
        const { left, width } = u.bbox;
        u.ctx.save();
        u.ctx.strokeStyle = 'rgba(46, 125, 79, 0.8)';
        u.ctx.lineWidth = uPlot.pxRatio;
        u.ctx.setLineDash([4 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
        u.ctx.beginPath();
        u.ctx.moveTo(left, y);
        u.ctx.lineTo(left + width, y);
        u.ctx.stroke();
        u.ctx.restore();
      }],
    },
  }, [values.map((_, i) => i + 1), values, outside], box));
  return h('div', { class: 'strip' },
    h('h3', {}, f.feature, h('span', { class: 'muted' }, ` — ${modality(f.modality)}`)),
    h('p', { class: 'range' },
      `usual ${fmt.num(lo)} to ${fmt.num(hi)} (typical ${fmt.num(typical)}); this session `,
      shown.length ? `${fmt.num(Math.min(...shown))} to ${fmt.num(Math.max(...shown))}, ` : 'no values, ',
      h('span', { class: nOut ? 'out' : '' }, `${nOut} of ${shown.length} windows outside`)),
    box);
}
