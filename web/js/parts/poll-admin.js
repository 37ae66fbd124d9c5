// The console's polls: create any kind (as a draft or open at once), then
// open, close, reveal or hide results, delete.

import { h, replace, syncList, statusLine, field, checkbox } from '../render.js';
import { pollCard, pollResults, KIND_LABEL } from './polls.js';
import { run } from './moderation.js';

function createForm(stream) {
  const kind = h('select', { name: 'kind' },
    Object.entries(KIND_LABEL).map(([value, label]) => h('option', { value, text: label })));
  const question = h('input', { type: 'text', name: 'question', maxlength: 300, required: true });
  const options = h('textarea', { name: 'options', rows: 4 });
  const scale = h('select', { name: 'scale_max' }, h('option', { value: '5', text: '1 to 5' }), h('option', { value: '10', text: '1 to 10' }));
  const optionsField = field('Options (one per line, 2 to 20)', options);
  const scaleField = field('Scale', scale);
  const live = checkbox('Show results to attendees while voting');
  const status = statusLine();
  const draft = h('button', { type: 'submit', value: 'draft', text: 'Save as draft' });
  const openNow = h('button', { type: 'submit', value: 'open', class: 'primary', text: 'Create and open' });
  const syncKind = () => {
    optionsField.wrap.hidden = !kind.value.endsWith('_choice');
    scaleField.wrap.hidden = kind.value !== 'rating';
  };
  kind.addEventListener('change', syncKind);
  syncKind();
  const form = h('form', { class: 'poll-create card' },
    h('h3', { text: 'New poll' }),
    field('Kind', kind).wrap, field('Question', question).wrap, optionsField.wrap, scaleField.wrap, live.wrap,
    h('div', { class: 'actions' }, openNow, draft, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const open = e.submitter === openNow;
    const args = { kind: kind.value, question: question.value.trim(), options: [], results_live: live.input.checked, open };
    if (kind.value.endsWith('_choice')) args.options = options.value.split('\n').map((s) => s.trim()).filter(Boolean);
    if (kind.value === 'rating') args.scale_max = Number(scale.value);
    if (!args.question) {
      status.set('Write the poll question first.', 'error');
      question.focus();
      return;
    }
    const made = await run(stream, status, 'poll.create', args, open ? 'Poll created and opened.' : 'Draft saved.');
    if (made) {
      question.value = '';
      options.value = '';
    }
  });
  return form;
}

function pollControls(stream) {
  const results = h('div', {});
  const actions = h('div', { class: 'actions wrap' });
  const status = statusLine();
  let shown = '';
  let confirmDelete = false;
  const li = h('li', {});
  li.update = (poll) => {
    const key = `${poll.state}|${poll.results_visible}`;
    if (key !== shown) {
      shown = key;
      const id = { poll_id: poll.id };
      const b = (text, action, args, cls) => {
        const el = h('button', { type: 'button', text, class: cls });
        el.addEventListener('click', () => run(stream, status, action, args));
        return el;
      };
      const del = h('button', { type: 'button', class: 'danger', text: 'Delete' });
      del.addEventListener('click', () => {
        if (!confirmDelete) {
          confirmDelete = true;
          del.textContent = 'Confirm delete';
          return;
        }
        run(stream, status, 'poll.delete', id);
      });
      replace(actions,
        poll.state === 'draft' ? b('Open', 'poll.open', id, 'primary') : null,
        poll.state === 'open' ? b('Close', 'poll.close', id) : null,
        b(poll.results_visible ? 'Hide results' : 'Reveal results', 'poll.reveal', { ...id, visible: !poll.results_visible }),
        del);
      replace(li, pollCard(poll, 3, () => h('div', {},
        h('p', { class: 'muted', text: poll.results_visible ? 'Attendees see the results.' : 'Results are hidden from attendees.' }),
        results, actions, status)));
    }
    replace(results, pollResults(poll.results ? poll : { ...poll, results: { ballots: 0, counts: {} } }));
  };
  return li;
}

/** The console's poll section. */
export function pollAdminSection(state, stream) {
  const list = h('ul', { class: 'plain polls' });
  const show = () => syncList(list, state.pollList(), (p) => p.id, () => pollControls(stream));
  state.addEventListener('change', (e) => e.detail.parts.has('polls') && show());
  show();
  return h('section', { class: 'panel', 'aria-labelledby': 'polls-h' },
    h('h2', { id: 'polls-h', text: 'Polls' }), createForm(stream), list);
}
