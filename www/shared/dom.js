// Builds DOM nodes from plain values. Text always goes in as text (a Text node), never as
// markup, so a reason, a note or a user id from the server cannot become HTML. No inline
// `style` either: the pages run under `default-src 'self'`, which refuses style attributes.

/**
 * `h('a', {href: '#/x', class: 'link', onclick: fn}, 'text', child, [more])`: an element.
 * `on*` props add listeners; `true` sets an empty attribute; `null`, `undefined` and `false`
 * props and children are skipped; arrays of children are flattened.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  el.append(...nodes(children));
  return el;
}

/** Replaces the children of `el` with `children` (same rules as `h`). */
export function fill(el, ...children) {
  el.replaceChildren(...nodes(children));
  return el;
}

function nodes(children) {
  return children.flat(Infinity)
    .filter((c) => c != null && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c))));
}

/** Moves focus to a view's heading after a view change, so that keyboard and screen-reader
 * users start at the new content rather than at the link they left. */
export function focusHeading(root) {
  const heading = root.querySelector('h1, h2');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}
