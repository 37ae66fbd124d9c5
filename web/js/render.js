// Safe DOM helpers. Every piece of user text goes through text nodes or
// properties; `setTrustedHtml` is the one place HTML is parsed, and it only
// ever receives the server-sanitized `html` / `answer_html` fields.

/**
 * Build an element: h('button', {class: 'x', onclick: fn, 'aria-label': 'y'}, 'text', child).
 * Attributes starting with "on" become listeners; `text` sets textContent;
 * `hidden`, `disabled`, `checked`, `value` and `selected` are set as properties;
 * null/undefined/false attributes are skipped. Children are nodes or strings
 * (strings become text nodes), arrays are flattened, null is skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'text') {
      el.textContent = String(value);
    } else if (['hidden', 'disabled', 'checked', 'value', 'selected', 'multiple', 'required'].includes(key)) {
      el[key] = value;
    } else if (key === 'style') {
      throw new Error('set styles with element.style from code, not attributes');
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

/** Append children (nodes, strings, arrays of them; null skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Remove every child of `el`. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

/** Replace the children of `el`. */
export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

/**
 * The only innerHTML in the client: HTML the server already sanitized
 * (a note's `html`, a question's `answer_html`). Links open safely.
 */
export function setTrustedHtml(el, sanitizedHtml) {
  el.innerHTML = sanitizedHtml || '';
  for (const a of el.querySelectorAll('a[href]')) {
    const href = a.getAttribute('href') || '';
    if (!/^(https?:|mailto:|\/|#)/i.test(href)) a.removeAttribute('href');
    a.setAttribute('rel', 'noopener noreferrer nofollow');
    a.setAttribute('target', '_blank');
  }
  return el;
}

/**
 * Keep `container`'s children in step with `items`, one element per key,
 * reusing elements so focus and state survive updates.
 * `make(item)` returns an element with an `update(item)` method.
 */
export function syncList(container, items, key, make) {
  const existing = new Map();
  for (const child of container.children) existing.set(child.dataset.key, child);
  let cursor = container.firstElementChild;
  const keep = new Set();
  for (const item of items) {
    const k = String(key(item));
    keep.add(k);
    let el = existing.get(k);
    if (!el) {
      el = make(item);
      el.dataset.key = k;
    }
    el.update(item);
    if (el !== cursor) container.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const [k, el] of existing) if (!keep.has(k)) el.remove();
}

/** Announce a message to screen readers through the page's live region. */
export function announce(message, assertive = false) {
  const id = assertive ? 'announce-assertive' : 'announce-polite';
  let region = document.getElementById(id);
  if (!region) {
    region = h('div', { id, class: 'visually-hidden', 'aria-live': assertive ? 'assertive' : 'polite', 'aria-atomic': 'false' });
    document.body.append(region);
  }
  const line = h('p', { text: message });
  region.append(line);
  while (region.children.length > 5) region.firstElementChild.remove();
}

/** Short plain text of a longer text, for announcements. */
export function excerpt(text, max = 120) {
  const flat = String(text || '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A time as the viewer's local "14:05". */
export function clock(iso, timeZone) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  try {
    return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone }).format(date);
  } catch {
    return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }
}

/** A status message element that can be set later (role=status). */
export function statusLine(className = 'form-status') {
  const el = h('p', { class: className, role: 'status' });
  el.set = (message, kind = 'info') => {
    el.textContent = message || '';
    el.dataset.kind = kind;
  };
  return el;
}

/** A labelled form field: returns {wrap, input}. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintEl = hint ? h('span', { class: 'hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const wrap = h('div', { class: 'field' }, h('label', { for: id, text: label }), input, hintEl);
  return { wrap, input };
}

/** A checkbox with its label: returns {wrap, input}. */
export function checkbox(label, checked = false) {
  const input = h('input', { type: 'checkbox', checked });
  return { wrap: h('label', { class: 'check' }, input, h('span', { text: label })), input };
}

/**
 * Set the page's title and return the app root, showing the title and a
 * loading line until the view replaces them (so the page always has an h1).
 */
export function page(title) {
  document.title = title ? `${title} · Backchannel` : 'Backchannel';
  const root = document.getElementById('app');
  return replace(root, h('h1', { text: title || 'Backchannel' }), h('p', { class: 'muted', role: 'status', text: 'Loading…' }));
}

/** Copy text to the clipboard, falling back to selecting an input. */
export async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
    }
    return false;
  }
}
