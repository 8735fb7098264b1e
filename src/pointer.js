// The pointer half of the boundary's DOM reads, in JavaScript: one call from WebAssembly per
// pointer event instead of eight property getters per sample, each of which crosses from
// WebAssembly into JavaScript (the crossings, not the features, were most of the per-event cost
// measured by `npm run bench:collector`). Only numbers come back (kind, trust, times, positions,
// buttons, movement), written into the collector's own buffer; nothing is kept here. Every
// privacy decision stays in Rust (src/boundary.rs): an event on a new target is not read until
// the boundary has checked that target.

const KINDS = { mouse: 0, pen: 1, touch: 2 };
// Numbers per sample: timeStamp, clientX, clientY, buttons, movementX, movementY.
const PER = 6;
// Numbers before the samples: kind, isTrusted.
const HEAD = 2;

function put(out, at, e) {
  out[at] = e.timeStamp;
  out[at + 1] = e.clientX;
  out[at + 2] = e.clientY;
  out[at + 3] = e.buttons;
  out[at + 4] = e.movementX;
  out[at + 5] = e.movementY;
}

// Reads pointer events into a collector's buffer: `len` doubles at byte `ptr` of the module's
// `memory`. The view is made once, and again only when the memory has grown (which detaches it).
export class PointerReader {
  constructor(memory, ptr, len) {
    this.memory = memory;
    this.ptr = ptr;
    this.len = len;
    this.view = null;
  }

  // Fills the buffer and returns the number of samples; -1 when `ev` is no PointerEvent (a page
  // can dispatch a plain Event named "pointermove"); -2, having read nothing, when its target is
  // not `last`: the boundary first decides whether the new target may be captured at all.
  // `move`: expand getCoalescedEvents(); at most (len - HEAD) / PER samples are kept.
  read(ev, last, move) {
    if (!(ev instanceof PointerEvent)) return -1;
    if (ev.target !== last) return -2;
    let out = this.view;
    if (out === null || out.buffer !== this.memory.buffer) {
      out = this.view = new Float64Array(this.memory.buffer, this.ptr, this.len);
    }
    out[0] = KINDS[ev.pointerType] ?? 0; // an unknown type reads as a mouse
    out[1] = ev.isTrusted ? 1 : 0;
    const list = move && ev.getCoalescedEvents ? ev.getCoalescedEvents() : null;
    if (!list || list.length < 2) {
      put(out, HEAD, ev);
      return 1;
    }
    const n = Math.min(list.length, ((this.len - HEAD) / PER) | 0);
    for (let i = 0; i < n; i++) put(out, HEAD + i * PER, list[i]);
    return n;
  }
}
