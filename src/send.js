// What leaves Rust for JavaScript, in one module: the collector's one network request (and the
// check that its endpoint is a URL it can be sent to), and the records handed to the host's
// callbacks.
//
// The request: a batch POSTed with `fetch` (keepalive, so it may outlive the page), and its
// outcome handed back to Rust (src/collector.rs `pump`) as numbers through the one callback the
// collector already uses for pointer samples. Every decision (what to send, retry, backoff, the
// queue) stays in Rust; this file only waits on the promises (and tells `flush()` when none is
// left), which in Rust took an async runtime several times this file's size (measured,
// `npm run bench:collector`).

// Outcomes, as `pump` reads them.
const ACCEPTED = 1; // 2xx
const REJECTED = 2; // a 4xx other than 408 and 429: the data will never be accepted
const FAILED = 3; // anything else, or no answer: retried with backoff

// A request not settled by then fails (and is retried with backoff), so that one stuck connection
// cannot hold the queue, nor a `flush()` waiting on it: browsers themselves wait minutes. A batch
// is at most 48 KiB, about 6 s at 64 kbit/s (a poor mobile uplink); 15 s is over twice that.
const TIMEOUT_MS = 15000;

// The built-ins this module uses (`revive`, `post`'s timeout, `Requests.now` and `.random`), as
// they were when the collector loaded: a page that replaces one later (to throw, or with a
// wrapper) cannot make `stats()`, `flush()` or a callback's record throw, stop the clock, or
// stop a request from settling.
const { parse } = JSON;
const { keys } = Object;
const clock = performance.now.bind(performance);
const later = setTimeout.bind(globalThis);
const { random } = Math;

// Requests out, of every collector on the page, and the `flush()` promises waiting for none.
let out = 0;
const idle = [];

// `flush()`'s promise: resolved at once when no request is out, else when none is (the collector
// sends its next batch from `done`, before the one that settled stops counting). A static method
// rather than a function: wasm-bindgen imports a function without arguments straight from this
// file into the module, a second import module that scripts/pack-collector.mjs does not rename.
export class Requests {
  static settled() {
    return out === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve));
  }

  // The page's clock, ms (`performance.now()`, as it was when the module loaded). (A static
  // method, so that the module's every import goes through the glue: scripts/pack-collector.mjs.)
  static now() {
    return clock();
  }

  // `Math.random()` as it was when the module loaded (the retries' jitter).
  static random() {
    return random();
  }
}

// Whether `url` can be the collector's endpoint: an http(s) URL, absolute or relative to the page
// (resolved as `fetch` resolves it). Anything else could never be sent to, and every attempt
// would be retried: the option is refused at construction instead.
export function endpointOk(url) {
  try {
    const { protocol } = new URL(url, globalThis.document?.baseURI);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

// `done(outcome, tag, scores)`: `tag` names the request, `scores` is the server's `scores` array
// when a 2xx answer carries one (`{"scores": [...]}`), otherwise undefined.
export function post(url, token, body, tag, done) {
  out += 1;
  // The whole request, its answer read, is raced against the timeout: a page's `fetch` wrapper
  // that drops the signal, never settles or returns no promise at all, or an answer whose body
  // never ends, still settles it in 15 s, or at once. A `fetch` that throws is a failed attempt
  // (made inside a promise). Every path ends in the last step, which tells the collector and
  // counts the request as settled: a step that threw instead (a page that patched
  // `Response.prototype.json` to throw did) would leave the collector waiting on this request
  // for good and `flush()` hanging.
  Promise.race([
    new Promise((resolve) => resolve(fetch(url, {
      method: 'POST',
      body,
      keepalive: true,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      // A redirect is not followed but fails the attempt (an opaque answer, status 0): a 301,
      // 302 or 303 would be followed with a GET, without the batch, and its page's 200 taken
      // for a delivery (a single-sign-on proxy whose session ran out answers so).
      redirect: 'manual',
      // Aborts the network request itself where AbortSignal.timeout exists (not before Safari 16).
      signal: AbortSignal.timeout?.(TIMEOUT_MS),
    }))).then((response) => {
      if (response.ok) {
        // The answer's body is read through a promise, so that a read that throws at once is
        // an unreadable answer like any other: the batch is still accepted.
        // Its scores are copied into a plain array here, where a read that throws (a page's
        // `fetch` wrapper answering with a Proxy) leaves the batch accepted without scores.
        return new Promise((resolve) => resolve(response.json())).then(
          (answer) => {
            let scores;
            try {
              scores = Array.isArray(answer?.scores) ? Array.from(answer.scores) : undefined;
            } catch {}
            return [ACCEPTED, scores];
          },
          () => [ACCEPTED, undefined],
        );
      }
      const s = response.status;
      return [s >= 400 && s < 500 && s !== 408 && s !== 429 ? REJECTED : FAILED, undefined];
    }),
    new Promise((_, reject) => later(reject, TIMEOUT_MS)),
  ])
    .catch(() => [FAILED, undefined])
    .then(([outcome, scores]) => {
      try {
        done(outcome, tag, scores);
      } catch {
        // The collector was dropped while the request was out: nobody is left to tell.
      }
      out -= 1;
      if (out === 0) for (const resolve of idle.splice(0)) resolve();
    });
}

// A record from Rust (`src/js.rs` `to_js`): JSON text in which every number is the index of its
// value in `nums` (Rust does not print numbers; see telltale_core::json), parsed into a plain
// object with each value put back. Put back by walking the parsed record, not by a reviver
// passed to `JSON.parse`: a page's wrapper of `JSON.parse` (a legacy "revive dates" one passes
// its own reviver and drops the caller's) would leave the indices in place of every number.
export function revive(text, nums) {
  const put = (v) => {
    if (typeof v === 'number') return nums[v];
    if (v !== null && typeof v === 'object') for (const k of keys(v)) v[k] = put(v[k]);
    return v;
  };
  return put(parse(text));
}
