// The event's code of conduct (the server's sanitized HTML of its Markdown),
// shown in the Q&A, and the gate in front of an attendee's first question
// when the event requires an acknowledgement (`coc.acknowledge`).

import { h, setTrustedHtml } from '../render.js';

/** The code of conduct as the server rendered and sanitized it (like a note's `html`). */
export function renderCoc(event) {
  return setTrustedHtml(h('div', { class: 'coc-text' }), event.code_of_conduct_html);
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
    h('summary', { text: 'Code of conduct' }), renderCoc(state.event));
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
      renderCoc(state.event),
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
