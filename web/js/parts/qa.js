// The attendee's Q&A: ask (anonymous by default), sort by top or recent,
// upvote, answers, the "now answering" banner, and own questions waiting for
// approval.

import { h, replace, syncList, setTrustedHtml, statusLine, clock } from '../render.js';
import { starButton } from './takeaways.js';
import { askForm } from './ask.js';
import { flagControl } from './flags.js';
import { shareSlot } from './share.js';
import { store } from '../api.js';

/** The "now answering" banner from the pinned question. */
export function nowAnswering(state, { large = false } = {}) {
  const banner = h('section', { class: large ? 'now-answering large' : 'now-answering', 'aria-live': 'polite', 'aria-labelledby': 'now-h' });
  const show = () => {
    const q = state.pinnedQuestion();
    banner.hidden = !q;
    if (!q) return replace(banner);
    return replace(banner,
      h('h2', { id: 'now-h', class: 'eyebrow', text: 'Now answering' }),
      h('p', { class: 'pinned-body', text: q.body }),
      h('p', { class: 'pinned-meta', text: q.author_name ? `Asked by ${q.author_name}` : 'Asked anonymously' }));
  };
  state.addEventListener('change', (e) => (e.detail.parts.has('pinned') || e.detail.parts.has('questions')) && show());
  show();
  return banner;
}

/** The ids of questions this browser asked in a session (to edit or withdraw them). */
function askedStore(sessionId) {
  const key = `asked.${sessionId}`;
  return {
    has: (id) => store.read(key, []).includes(id),
    add: (id) => store.write(key, [...store.read(key, []), id].slice(-200)),
  };
}

/** Edit and withdraw for the asker's own question (edit only before it is answered). */
function ownTools(stream, status) {
  const box = h('div', { class: 'own-tools' });
  let current = null;
  let shown = '';
  let editing = false;
  const buttons = () => {
    shown = `${current.answered}|${current.body}`;
    const edit = h('button', { type: 'button', class: 'link-button', text: 'Edit' });
    const withdraw = h('button', { type: 'button', class: 'link-button', text: 'Withdraw' });
    edit.addEventListener('click', () => {
      editing = true;
      const text = h('textarea', { rows: 2, maxlength: 500, 'aria-label': 'Edit your question' });
      text.value = current.body;
      const cancel = h('button', { type: 'button', text: 'Cancel' });
      const form = h('form', { class: 'q-edit' }, text,
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save' }), cancel));
      const done = () => {
        editing = false;
        buttons();
      };
      cancel.addEventListener('click', done);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await stream.command('question.edit', { question_id: current.id, body: text.value.trim() });
          done();
        } catch (err) {
          status.set(err.message, 'error');
        }
      });
      replace(box, form);
      text.focus();
    });
    withdraw.addEventListener('click', async () => {
      if (withdraw.dataset.confirm !== 'yes') {
        withdraw.dataset.confirm = 'yes';
        withdraw.textContent = 'Confirm withdraw';
        return;
      }
      try {
        await stream.command('question.withdraw', { question_id: current.id });
      } catch (err) {
        status.set(err.message, 'error');
      }
    });
    replace(box, h('span', { class: 'muted', text: 'Your question · ' }), current.answered ? null : edit, withdraw);
  };
  box.update = (q) => {
    current = q;
    if (!editing && shown !== `${q.answered}|${q.body}`) buttons();
  };
  return box;
}

function sortControl(onChange) {
  let order = 'top';
  const buttons = ['top', 'recent'].map((value) => {
    const b = h('button', { type: 'button', class: 'seg', 'aria-pressed': String(value === order), text: value === 'top' ? 'Top' : 'Recent' });
    b.addEventListener('click', () => {
      order = value;
      buttons.forEach((x, i) => x.setAttribute('aria-pressed', String(['top', 'recent'][i] === order)));
      onChange(order);
    });
    return b;
  });
  return h('div', { class: 'segmented', role: 'group', 'aria-label': 'Sort questions' }, buttons);
}

function questionItem(state, stream, takeaways, asked) {
  const body = h('p', { class: 'q-body' });
  const meta = h('p', { class: 'q-meta' });
  const labels = h('ul', { class: 'labels plain' });
  const answer = h('div', { class: 'answer' });
  const count = h('span', { class: 'count' });
  const unit = h('span', { class: 'visually-hidden' });
  const upvote = h('button', { type: 'button', class: 'upvote' },
    h('span', { 'aria-hidden': 'true', text: '▲ ' }), h('span', { class: 'visually-hidden', text: 'Upvote ' }), count, unit);
  let current;
  upvote.addEventListener('click', async () => {
    const up = !state.me.upvoted.has(current.id);
    const id = current.id;
    if (up) state.me.upvoted.add(id);
    else state.me.upvoted.delete(id);
    li.update(current);
    try {
      await stream.command('question.upvote', { question_id: id, up });
    } catch {
      if (up) state.me.upvoted.delete(id);
      else state.me.upvoted.add(id);
      if (current.id === id) li.update(current);
    }
  });
  let star = null;
  const tools = h('div', { class: 'q-tools' }, upvote);
  const status = statusLine();
  const own = ownTools(stream, status);
  const share = shareSlot(state, 'question');
  const flag = flagControl(state, stream, 'question');
  const li = h('li', { class: 'question card' },
    h('div', { class: 'q-main' }, body, meta, labels, answer, own, status, h('div', { class: 'item-actions' }, share, flag)), tools);
  li.update = (q) => {
    current = q;
    own.hidden = !asked.has(q.id);
    if (!own.hidden) own.update(q);
    body.textContent = q.body;
    const who = q.author_name || 'Anonymous';
    meta.textContent = `${who} · ${clock(q.created_at)}${q.answered ? ' · Answered' : ''}`;
    li.classList.toggle('answered', q.answered);
    li.classList.toggle('pinned', state.pinned === q.id);
    replace(labels, q.labels.map((l) => h('li', { class: 'label', text: l })));
    answer.hidden = !q.answer_html;
    if (q.answer_html && answer.dataset.html !== q.answer_html) {
      answer.dataset.html = q.answer_html;
      replace(answer, h('p', { class: 'answer-title', text: 'Answer' }), setTrustedHtml(h('div', { class: 'md' }), q.answer_html));
    }
    const mine = state.me && state.me.upvoted.has(q.id);
    count.textContent = String(q.upvotes);
    upvote.setAttribute('aria-pressed', String(Boolean(mine)));
    unit.textContent = q.upvotes === 1 ? ' vote' : ' votes';
    upvote.disabled = !state.me;
    share.update(q.id, q.answered && q.state === 'visible', q.body);
    flag.update(q.id);
    const entry = { title: q.body, text: q.answer || '' };
    if (q.answered && !star) {
      star = starButton(takeaways, 'question', q.id, entry);
      tools.append(star);
    } else if (star) {
      star.setEntry(entry);
    }
  };
  return li;
}

/** The whole Q&A section of the attendee view. */
export function qaSection(state, stream, takeaways) {
  let order = 'top';
  const list = h('ul', { class: 'questions plain', 'aria-label': 'Questions' });
  const empty = h('p', { class: 'muted', text: 'No questions yet. Ask the first one!' });
  const pendingList = h('ul', { class: 'plain pending-list' });
  const pending = h('div', { class: 'pending', hidden: true },
    h('h3', { text: 'Waiting for approval' }), pendingList);
  const notice = h('p', { class: 'notice' });
  const showNotice = () => {
    notice.hidden = state.session.state !== 'ended';
    notice.textContent = 'This session has ended: questions and votes are closed.';
  };
  state.addEventListener('change', (e) => e.detail.parts.has('session') && showNotice());
  showNotice();
  const asked = askedStore(state.session.id);
  const make = () => questionItem(state, stream, takeaways, asked);
  const show = () => {
    const items = state.questionList(order);
    syncList(list, items, (q) => q.id, make);
    empty.hidden = items.length > 0;
    const mine = state.me ? [...state.me.pending.values()] : [];
    pending.hidden = mine.length === 0;
    replace(pendingList, mine.map((q) => h('li', { class: 'card muted-card', text: q.body })));
  };
  state.addEventListener('change', (e) => {
    const p = e.detail.parts;
    if (p.has('questions') || p.has('me') || p.has('pinned')) show();
  });
  show();
  const sorter = sortControl((o) => {
    order = o;
    show();
  });
  return h('section', { class: 'panel qa', 'aria-labelledby': 'qa-h' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'qa-h', text: 'Questions' }), sorter),
    notice, askForm(state, stream, asked), pending, empty, list);
}
