// The event's code of conduct: rendered safely (a small Markdown subset
// built from text nodes: paragraphs, lists, headings, bold, italics and
// http(s) links; nothing is parsed as HTML), shown in the Q&A, and the gate
// in front of an attendee's first question when the event requires an
// acknowledgement (`coc.acknowledge`).

import { h } from '../render.js';

/** Inline Markdown: **bold**, *italic* / _italic_, `code`, [text](https://…). */
function inline(text) {
  const out = [];
  const pattern = /\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    out.push(text.slice(last, m.index));
    if (m[1] || m[2]) out.push(h('strong', { text: m[1] || m[2] }));
    else if (m[3] || m[4]) out.push(h('em', { text: m[3] || m[4] }));
    else if (m[5]) out.push(h('code', { text: m[5] }));
    else if (/^(https?:|mailto:)/i.test(m[7])) out.push(h('a', { href: m[7], rel: 'noopener noreferrer nofollow', target: '_blank', text: m[6] }));
    else out.push(m[6]);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

/** The code of conduct's Markdown as elements (never as parsed HTML). */
export function renderCoc(markdown) {
  const blocks = [];
  for (const block of String(markdown || '').replace(/\r\n?/g, '\n').split(/\n\s*\n/)) {
    const lines = block.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!lines.length) continue;
    const heading = /^#{1,6}\s+(.*)$/.exec(lines[0]);
    if (heading && lines.length === 1) {
      blocks.push(h('h4', {}, inline(heading[1])));
    } else if (lines.every((l) => /^([-*+]|\d+[.)])\s+/.test(l))) {
      const ordered = /^\d/.test(lines[0]);
      blocks.push(h(ordered ? 'ol' : 'ul', {}, lines.map((l) => h('li', {}, inline(l.replace(/^([-*+]|\d+[.)])\s+/, ''))))));
    } else {
      const parts = [];
      lines.forEach((l, i) => parts.push(i ? h('br') : null, inline(l.replace(/^#{1,6}\s+/, ''))));
      blocks.push(h('p', {}, parts));
    }
  }
  return h('div', { class: 'coc-text' }, blocks);
}

/** Whether this attendee must acknowledge the code of conduct before asking. */
export function cocNeeded(state) {
  return Boolean(state.event && state.event.require_coc_ack && state.event.code_of_conduct
    && state.me && !state.me.coc_acknowledged);
}

/** A collapsed "Code of conduct" to read at any time (null when there is none). */
export function cocDetails(state) {
  if (!state.event || !state.event.code_of_conduct) return null;
  return h('details', { class: 'coc-details' },
    h('summary', { text: 'Code of conduct' }), renderCoc(state.event.code_of_conduct));
}

let serial = 0;

/**
 * The gate: the code of conduct with "I agree" and "Cancel". Resolves true
 * once acknowledged (the caller then sends the question), false on cancel.
 * `place(node)` shows the gate, `place(null)` removes it.
 */
export function cocGate(state, stream, place) {
  serial += 1;
  const headingId = `coc-h-${serial}`;
  return new Promise((resolve) => {
    const status = h('p', { class: 'form-status', role: 'status' });
    const agree = h('button', { type: 'button', class: 'primary', text: 'I agree: send my question' });
    const cancel = h('button', { type: 'button', text: 'Cancel' });
    const heading = h('h3', { id: headingId, tabindex: '-1', text: 'Before your first question' });
    const gate = h('section', { class: 'coc-gate', 'aria-labelledby': headingId },
      heading,
      h('p', { text: `${(state.event && state.event.name) || 'This event'} asks everyone to read and accept its code of conduct before asking.` }),
      renderCoc(state.event.code_of_conduct),
      h('div', { class: 'actions wrap' }, agree, cancel), status);
    agree.addEventListener('click', async () => {
      agree.disabled = true;
      status.textContent = 'Saving…';
      try {
        await stream.command('coc.acknowledge');
        if (state.me) state.me.coc_acknowledged = true;
        place(null);
        resolve(true);
      } catch (err) {
        status.textContent = err.message;
        status.dataset.kind = 'error';
        agree.disabled = false;
      }
    });
    cancel.addEventListener('click', () => {
      place(null);
      resolve(false);
    });
    gate.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') cancel.click();
    });
    place(gate);
    heading.focus();
  });
}
