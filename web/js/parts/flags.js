// Flagging, the attendee's side: a "Flag" button on every note and question
// that opens a small form (a reason, optional words for the moderators) and
// sends `flag.raise`. What this attendee already flagged (`me.flagged`)
// shows as flagged, on any device. Only the moderators ever see flags.

import { h, replace, statusLine, field } from '../render.js';

/** The reasons the server knows, with their labels. */
export const REASONS = [
  ['spam', 'Spam or advertising'],
  ['abusive', 'Abusive, harassing or hateful'],
  ['code_of_conduct', 'Against the code of conduct'],
  ['personal_info', 'Reveals personal information'],
  ['off_topic', 'Off topic'],
  ['other', 'Something else'],
];

export const REASON_LABEL = Object.fromEntries(REASONS);

let serial = 0;

function flagForm(kind, done, cancel, send) {
  serial += 1;
  const reason = h('select', { name: 'reason' },
    h('option', { value: '', text: 'Choose a reason' }),
    REASONS.map(([value, label]) => h('option', { value, text: label })));
  const detail = h('textarea', { name: 'detail', rows: 2, maxlength: 500 });
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Send to the moderators' });
  const headingId = `flag-h-${serial}`;
  const form = h('form', { class: 'flag-form', 'aria-labelledby': headingId },
    h('p', { id: headingId, class: 'flag-title', text: `Flag this ${kind} for the moderators` }),
    field('Reason', reason).wrap,
    field('More detail (optional)', detail, 'Only the moderators see this.').wrap,
    h('div', { class: 'actions wrap' }, submit, h('button', { type: 'button', text: 'Cancel', onclick: cancel })),
    status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!reason.value) {
      status.set('Choose a reason.', 'error');
      reason.focus();
      return;
    }
    submit.disabled = true;
    status.set('Sending…');
    try {
      await send({ reason: reason.value, detail: detail.value.trim() });
      done();
    } catch (err) {
      // Flagged before (on another device, say): it is flagged all the same.
      if (err.code === 'conflict' && /already flagged/.test(err.message)) done();
      else status.set(err.message, 'error');
    } finally {
      submit.disabled = false;
    }
  });
  form.focusFirst = () => reason.focus();
  return form;
}

/**
 * The flag control of a note or question (`kind`) for an attendee; call
 * `update(id)` with the item's id whenever it is shown.
 */
export function flagControl(state, stream, kind) {
  const box = h('div', { class: 'flag-box' });
  let id = null;
  let shown = '';
  let formOpen = false;
  const flagged = () => Boolean(state.me && state.me.flagged.has(id));
  const show = (focusButton = false) => {
    const key = `${id}|${flagged()}`;
    if (formOpen || (key === shown && !focusButton)) return;
    shown = key;
    if (flagged()) {
      replace(box, h('p', { class: 'flagged', role: 'status', text: 'Flagged: the moderators will look at it.' }));
      return;
    }
    const button = h('button', { type: 'button', class: 'link-button flag-button', text: 'Flag' });
    button.setAttribute('aria-label', `Flag this ${kind} for the moderators`);
    button.addEventListener('click', () => {
      formOpen = true;
      const close = () => {
        formOpen = false;
        shown = '';
        show(true);
      };
      const done = () => {
        if (state.me) state.me.flagged.add(id);
        formOpen = false;
        shown = '';
        show();
        box.querySelector('.flagged').setAttribute('tabindex', '-1');
        box.querySelector('.flagged').focus();
      };
      const form = flagForm(kind, done, close, (args) => stream.command('flag.raise', { kind, id, ...args }));
      replace(box, form);
      form.focusFirst();
    });
    replace(box, button);
    if (focusButton) button.focus();
  };
  state.addEventListener('change', (e) => e.detail.parts.has('me') && show());
  box.update = (itemId) => {
    if (itemId !== id) {
      id = itemId;
      formOpen = false;
    }
    box.hidden = !state.me;
    show();
  };
  return box;
}
