// Numbers and times as a reviewer or a worker reads them.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const minutes = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** An RFC 3339 time as "12 Mar 2026, 14:02"; '—' for none. */
export function when(rfc3339) {
  if (!rfc3339) return '—';
  const d = new Date(rfc3339);
  return Number.isNaN(d.getTime()) ? String(rfc3339) : dateTime.format(d);
}

/** Seconds since the epoch as "14:02:11". */
export function clockTime(secs) {
  return clock.format(new Date(secs * 1000));
}

/** Seconds since the epoch as "14:02". */
export function clockMinutes(secs) {
  return minutes.format(new Date(secs * 1000));
}

/** A number to `digits` significant digits, without exponent for everyday sizes; '—' for none. */
export function num(x, digits = 3) {
  if (x == null || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toPrecision(digits);
  return String(Number(x.toPrecision(digits)));
}

/** A similarity (0-100) as "37" or "0.4"; '—' while unscored. */
export function similarity(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  return x < 10 ? String(Math.round(x * 10) / 10) : String(Math.round(x));
}

/** An automation score (0-1) as "0.12". */
export function automation(x) {
  return x == null || !Number.isFinite(x) ? '—' : x.toFixed(2);
}

/** A band as words. */
export function band(b) {
  return { enrolling: 'enrolling', allow: 'allow', review: 'review', step_up: 'step-up', none: '—' }[b] ?? (b || '—');
}
