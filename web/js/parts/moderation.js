// The console's Q&A: the moderation queue (approve / reject), the visible
// questions (hide, mark answered, pin, reply, labels) and the removed ones.

import { h, replace, syncList, setTrustedHtml, statusLine, field, clock } from '../render.js';

/** Run a command and report failures in `status`. */
export async function run(stream, status, action, args, done) {
  try {
    const result = await stream.command(action, args);
    if (done) status.set(done, 'ok');
    return result;
  } catch (err) {
    status.set(err.message, 'error');
    return null;
  }
}

function button(text, onClick, extra = {}) {
  const b = h('button', { type: 'button', text, ...extra });
  b.addEventListener('click', onClick);
  return b;
}

function replyForm(stream, q, status) {
  const text = h('textarea', { rows: 3, maxlength: 5000 });
  text.value = q.answer || '';
  const form = h('form', { class: 'reply' },
    field('Written reply (Markdown)', text).wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save reply and mark answered' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    await run(stream, status, 'question.answer', { question_id: q.id, answered: true, reply: text.value }, 'Reply saved.');
  });
  return form;
}

function labelsForm(stream, q, status) {
  const input = h('input', { type: 'text', value: q.labels.join(', ') });
  const form = h('form', { class: 'labels-form' },
    field('Labels (comma separated)', input).wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', text: 'Save labels' })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const labels = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    await run(stream, status, 'question.label', { question_id: q.id, labels }, 'Labels saved.');
  });
  return form;
}

function staffQuestion(state, stream) {
  const body = h('p', { class: 'q-body' });
  const meta = h('p', { class: 'q-meta' });
  const answer = h('div', { class: 'answer' });
  const actions = h('div', { class: 'actions wrap' });
  const extra = h('div', {});
  const status = statusLine();
  const li = h('li', { class: 'question card' }, body, meta, answer, actions, extra, status);
  let open = null;
  let shown = '';
  li.update = (q) => {
    body.textContent = q.body;
    meta.textContent = [q.author_name || 'Anonymous', clock(q.created_at), `${q.upvotes} ▲`, q.answered ? 'Answered' : null,
      q.labels.length ? `Labels: ${q.labels.join(', ')}` : null].filter(Boolean).join(' · ');
    li.classList.toggle('pinned', state.pinned === q.id);
    li.classList.toggle('answered', q.answered);
    answer.hidden = !q.answer_html;
    if (q.answer_html) setTrustedHtml(answer, q.answer_html);
    // Rebuild the buttons only when what they do changes, to keep focus.
    const key = `${q.state}|${q.answered}|${state.pinned === q.id}`;
    if (key === shown) return;
    shown = key;
    const id = { question_id: q.id };
    const toggles = [];
    const toggle = (name, make) => {
      const b = button(name, () => {
        open = open === name ? null : name;
        for (const t of toggles) t.setAttribute('aria-expanded', String(t.dataset.name === open));
        replace(extra, open ? make() : null);
      }, { 'aria-expanded': 'false', 'data-name': name });
      toggles.push(b);
      return b;
    };
    open = null;
    replace(extra);
    if (q.state === 'pending') {
      replace(actions,
        button('Approve', () => run(stream, status, 'question.approve', id), { class: 'primary' }),
        button('Reject', () => run(stream, status, 'question.reject', id)));
    } else if (q.state === 'visible') {
      const pinned = state.pinned === q.id;
      replace(actions,
        button(pinned ? 'Unpin' : 'Pin as now answering', () => run(stream, status, 'question.pin', { question_id: pinned ? null : q.id })),
        button(q.answered ? 'Mark unanswered' : 'Mark answered', () => run(stream, status, 'question.answer', { ...id, answered: !q.answered })),
        toggle('Reply', () => replyForm(stream, q, status)),
        toggle('Labels', () => labelsForm(stream, q, status)),
        button('Hide', () => run(stream, status, 'question.hide', id)));
    } else {
      replace(actions, h('span', { class: 'badge', text: q.state === 'hidden' ? 'Hidden' : 'Rejected' }),
        button('Restore', () => run(stream, status, 'question.approve', id)));
    }
  };
  return li;
}

function questionGroup(state, stream, title, id, filter, emptyText) {
  const list = h('ul', { class: 'plain questions' });
  const count = h('span', { class: 'count-badge' });
  const empty = h('p', { class: 'muted', text: emptyText });
  const show = () => {
    // The queue oldest first (first come, first served); the rest by votes.
    const items = id === 'queue' ? state.questionList('recent', filter).reverse() : state.questionList('top', filter);
    syncList(list, items, (q) => q.id, () => staffQuestion(state, stream));
    count.textContent = String(items.length);
    empty.hidden = items.length > 0;
  };
  state.addEventListener('change', (e) => (e.detail.parts.has('questions') || e.detail.parts.has('pinned')) && show());
  show();
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, `${title} `, count), empty, list);
}

/** The moderation sections of the console. */
export function moderationSections(state, stream) {
  return [
    questionGroup(state, stream, 'Moderation queue', 'queue', (q) => q.state === 'pending', 'No questions waiting for approval.'),
    questionGroup(state, stream, 'Questions', 'visible', (q) => q.state === 'visible', 'No visible questions yet.'),
    questionGroup(state, stream, 'Hidden and rejected', 'removed', (q) => q.state === 'hidden' || q.state === 'rejected', 'None.'),
  ];
}
