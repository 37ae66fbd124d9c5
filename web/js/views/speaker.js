// /console/{session_id}#token=…: the speaker console. Start and end the
// session, switch moderation, post / edit / delete notes and mark takeaways,
// moderate and answer questions, run polls, watch reactions and presence.

import { h, page, replace, syncList, setTrustedHtml, statusLine, field, checkbox, clock } from '../render.js';
import { api, tokens, tokenFromHash } from '../api.js';
import { Stream } from '../stream.js';
import { SessionState, connect } from '../state.js';
import { connectionBadge, presenceBadge, sessionStateBadge, joinPanel, fatal, follow } from '../parts/live.js';
import { reactionBar } from '../parts/reactions.js';
import { moderationSections, run } from '../parts/moderation.js';
import { pollAdminSection } from '../parts/poll-admin.js';
import { exportButtons } from '../parts/exports.js';
import { flagQueue } from '../parts/flag-queue.js';
import { speakerPagePanel } from '../parts/speaker-page.js';
import { shareSlot } from '../parts/share.js';
import { plainText } from '../parts/intents.js';

function controls(state, stream) {
  const status = statusLine();
  const mode = h('select', {},
    h('option', { value: 'post', text: 'Post-moderation: questions appear at once' }),
    h('option', { value: 'pre', text: 'Pre-moderation: approve questions first' }));
  mode.addEventListener('change', () => run(stream, status, 'session.moderation', { moderation: mode.value }, 'Moderation changed.'));
  const start = h('button', { type: 'button', class: 'primary' });
  start.addEventListener('click', () => run(stream, status, 'session.start', undefined, 'The session is live.'));
  const end = h('button', { type: 'button', class: 'danger', text: 'End session' });
  end.addEventListener('click', () => run(stream, status, 'session.end', undefined, 'The session has ended.'));
  const show = () => {
    const s = state.session;
    mode.value = s.moderation;
    start.textContent = s.state === 'ended' ? 'Reopen session' : 'Start session';
    // Swap start and end, keeping keyboard focus on the button in their place.
    const focused = document.activeElement === start || document.activeElement === end;
    start.hidden = s.state === 'live';
    end.hidden = s.state !== 'live';
    if (focused) (start.hidden ? end : start).focus();
  };
  state.addEventListener('change', (e) => e.detail.parts.has('session') && show());
  show();
  return h('div', { class: 'controls' }, h('div', { class: 'actions wrap' }, start, end, field('Moderation', mode).wrap), status);
}

function noteEditor(stream, note, status, close) {
  const text = h('textarea', { rows: 4, maxlength: 10000 });
  text.value = note.body;
  const form = h('form', { class: 'note-edit' }, field('Edit note (Markdown)', text).wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save' }),
      h('button', { type: 'button', text: 'Cancel', onclick: close })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await run(stream, status, 'note.edit', { note_id: note.id, body: text.value }, 'Note saved.')) close();
  });
  setTimeout(() => text.focus(), 0);
  return form;
}

function staffNote(state, stream) {
  const content = h('div', { class: 'md' });
  const badge = h('span', { class: 'badge takeaway-badge', text: 'Key takeaway' });
  const time = h('time', { class: 'note-time' });
  const status = statusLine();
  const editor = h('div', {});
  const takeaway = h('button', { type: 'button' });
  const edit = h('button', { type: 'button', text: 'Edit' });
  const del = h('button', { type: 'button', class: 'danger', text: 'Delete' });
  let note;
  let confirm = false;
  takeaway.addEventListener('click', () => run(stream, status, 'note.edit', { note_id: note.id, takeaway: !note.takeaway }));
  edit.addEventListener('click', () => {
    const close = () => {
      replace(editor);
      edit.focus();
    };
    replace(editor, noteEditor(stream, note, status, close));
  });
  del.addEventListener('click', () => {
    if (!confirm) {
      confirm = true;
      del.textContent = 'Confirm delete';
      return;
    }
    run(stream, status, 'note.delete', { note_id: note.id });
  });
  const share = shareSlot(state, 'note');
  const li = h('li', { class: 'note card' }, badge, content, time, h('div', { class: 'actions wrap' }, takeaway, edit, del, share), editor, status);
  li.update = (n) => {
    note = n;
    if (content.dataset.html !== n.html) {
      content.dataset.html = n.html;
      setTrustedHtml(content, n.html);
    }
    badge.hidden = !n.takeaway;
    li.classList.toggle('takeaway', n.takeaway);
    time.textContent = clock(n.created_at);
    takeaway.textContent = n.takeaway ? 'Unmark takeaway' : 'Mark as key takeaway';
    takeaway.setAttribute('aria-pressed', String(n.takeaway));
    share.update(n.id, n.takeaway, plainText(n.html));
  };
  return li;
}

function notesSection(state, stream) {
  const body = h('textarea', { rows: 4, maxlength: 10000, required: true });
  const takeaway = checkbox('Key takeaway');
  const status = statusLine();
  const form = h('form', { class: 'note-form card' },
    field('New note (Markdown)', body, '**bold**, _italic_, `code`, lists and links work.').wrap, takeaway.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Post note' }), status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (!text) {
      status.set('Write the note first.', 'error');
      return;
    }
    // The form clears at once, so the next note can be written (and marked
    // a takeaway) while this one is on its way; a failed post comes back
    // unless a new note was started meanwhile.
    const markedTakeaway = takeaway.input.checked;
    body.value = '';
    takeaway.input.checked = false;
    const posted = await run(stream, status, 'note.post', { body: text, takeaway: markedTakeaway }, 'Posted.');
    if (!posted && !body.value) {
      body.value = text;
      takeaway.input.checked = markedTakeaway;
    }
  });
  const list = h('ol', { class: 'notes plain', 'aria-label': 'Posted notes' });
  const show = () => syncList(list, state.noteList().reverse(), (n) => n.id, () => staffNote(state, stream));
  state.addEventListener('change', (e) => e.detail.parts.has('notes') && show());
  show();
  return h('section', { class: 'panel', 'aria-labelledby': 'notes-h' }, h('h2', { id: 'notes-h', text: 'Live notes' }), form, list);
}

function layout(state, stream) {
  const title = h('h1', {});
  const sub = h('p', { class: 'sub' });
  const badge = h('span', {});
  follow(state, ['session'], badge, () => sessionStateBadge(state.session));
  const showTitle = () => {
    title.textContent = `Console: ${state.session.title}`;
    sub.textContent = [state.event && state.event.name, state.session.track, state.session.room && `Room ${state.session.room}`].filter(Boolean).join(' · ');
    document.title = `Console: ${state.session.title} · Backchannel`;
  };
  state.addEventListener('change', (e) => e.detail.parts.has('session') && showTitle());
  showTitle();
  return [
    h('div', { class: 'session-head' }, h('div', {}, title, sub),
      h('div', { class: 'head-meta' }, badge, presenceBadge(state), connectionBadge(stream))),
    controls(state, stream),
    h('div', { class: 'console-grid' },
      h('div', { class: 'col-feed' }, notesSection(state, stream), pollAdminSection(state, stream)),
      h('div', { class: 'col-feed' }, flagQueue(state, stream), ...moderationSections(state, stream)),
      h('div', { class: 'col-side' },
        h('section', { class: 'panel', 'aria-labelledby': 'meters-h' },
          h('h2', { id: 'meters-h', text: 'Audience' }), presenceBadge(state), reactionBar(state, null)),
        h('section', { class: 'panel', 'aria-labelledby': 'share-h' },
          h('h2', { id: 'share-h', text: 'Invite attendees' }), joinPanel(state.session)),
        h('section', { class: 'panel', 'aria-labelledby': 'export-h' },
          h('h2', { id: 'export-h', text: 'Takeaways pack' }),
          exportButtons('Export', `/sessions/${state.session.id}/export`, stream.token)),
        speakerPagePanel(state, stream.token))),
  ];
}

export default async function speakerView(root, [sessionId]) {
  page('Speaker console');
  let token = tokenFromHash('speaker', sessionId);
  if (!token) {
    // An organizer of the event may run the console with their own token.
    try {
      const session = await api('GET', `/sessions/${encodeURIComponent(sessionId)}`);
      token = tokens.get('organizer', session.event_id);
    } catch {
      token = null;
    }
  }
  if (!token) {
    fatal(root, 'Speaker console', 'This link has no speaker token. Open the console link the organizer gave you.');
    return;
  }
  const state = new SessionState();
  const stream = connect(Stream, state, { token, sessionId });
  replace(root, h('h1', { text: 'Speaker console' }), h('p', { class: 'muted', role: 'status', text: 'Connecting…' }));
  stream.addEventListener('refused', () => fatal(root, 'Access refused', 'This speaker link is not valid any more. Ask the organizer for a new one.'));
  let built = false;
  state.addEventListener('change', () => {
    if (built || !state.loaded) return;
    built = true;
    root.classList.add('wide');
    replace(root, layout(state, stream));
  });
  window.backchannel = { state, stream };
}
