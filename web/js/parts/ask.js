// The attendee's question form: ask (anonymous by default), offline-safe
// (the question waits in the stream's queue), and behind the event's
// code-of-conduct gate when the event requires an acknowledgement: the
// first question shows the code of conduct, and is sent once the attendee
// agrees (also when the server answers `coc_required` because the event
// started requiring it after this page loaded).

import { h, replace, statusLine, checkbox, field } from '../render.js';
import { cocGate, cocNeeded, cocDetails } from './coc.js';

/** The ask form; `asked` remembers the ids of this browser's questions. */
export function askForm(state, stream, asked) {
  const body = h('textarea', { name: 'body', rows: 3, maxlength: 500, required: true });
  const anonymous = checkbox('Ask anonymously', true);
  const status = statusLine();
  const button = h('button', { type: 'submit', class: 'primary', text: 'Ask' });
  const gateBox = h('div', {});
  const coc = h('div', {});
  const form = h('form', { class: 'ask' },
    field('Your question', body, 'Up to 500 characters.').wrap,
    anonymous.wrap, h('div', { class: 'actions' }, button, status), gateBox, coc);
  const syncName = () => {
    const name = state.me && state.me.display_name;
    anonymous.input.disabled = !name;
    if (!name) anonymous.input.checked = true;
    anonymous.wrap.lastChild.textContent = name ? `Ask anonymously (otherwise shown as ${name})` : 'Ask anonymously (join with a name to ask under it)';
  };
  state.addEventListener('change', (e) => e.detail.parts.has('me') && syncName());
  syncName();
  replace(coc, cocDetails(state));
  state.addEventListener('change', (e) => e.detail.parts.has('event') && replace(coc, cocDetails(state)));

  let gateOpen = false;
  /** Show the gate; true once the attendee agreed. */
  const agree = async () => {
    if (gateOpen) return false;
    gateOpen = true;
    button.disabled = true;
    coc.hidden = true;
    status.set('');
    const ok = await cocGate(state, stream, (node) => replace(gateBox, node));
    gateOpen = false;
    coc.hidden = false;
    button.disabled = false;
    if (!ok) status.set('Your question is not sent.', 'error');
    body.focus();
    return ok;
  };

  const send = async (text, retried = false) => {
    status.set(stream.state === 'online' ? 'Sending…' : 'You are offline: your question will be sent when you are back.');
    try {
      const q = await stream.command('question.ask', { body: text, anonymous: anonymous.input.checked });
      if (q) {
        asked.add(q.id);
        state.changed('questions');
      }
      if (q && q.state === 'pending') {
        state.me.pending.set(q.id, q);
        state.changed('me');
        status.set('Sent. It will appear once a moderator approves it.', 'ok');
      } else {
        status.set('Your question is posted.', 'ok');
      }
    } catch (err) {
      if (err.code === 'coc_required' && !retried && state.event) {
        if (!body.value) body.value = text;
        if (!state.event.code_of_conduct) {
          status.set(`${err.message}. Reload the page to read it.`, 'error');
          return;
        }
        if (state.me) state.me.coc_acknowledged = false;
        state.event.require_coc_ack = true;
        if (await agree()) {
          body.value = '';
          await send(text, true);
        }
        return;
      }
      if (!body.value) body.value = text;
      status.set(err.message, 'error');
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (!text) {
      status.set('Type a question first.', 'error');
      body.focus();
      return;
    }
    if (cocNeeded(state) && !(await agree())) return;
    body.value = '';
    await send(text);
  });
  return form;
}
