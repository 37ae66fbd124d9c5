// Polls: results as bars or a word cloud (attendee, console, projector) and
// the attendee's ballot form for every kind.

import { h, replace, statusLine } from '../render.js';

export const KIND_LABEL = {
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  rating: 'Rating',
  word_cloud: 'Word cloud',
};

/** [{key, label}] of the tally keys a poll can have (not word clouds). */
export function choices(poll) {
  if (poll.kind === 'rating') {
    const max = poll.scale_max || 5;
    return Array.from({ length: max }, (_, i) => ({ key: String(i + 1), label: String(i + 1) }));
  }
  return (poll.options || []).map((label, i) => ({ key: String(i), label }));
}

/** The results of a poll: bars for choices and ratings, a cloud for words. */
export function pollResults(poll) {
  const results = poll.results;
  if (!results) {
    return h('p', { class: 'muted results-hidden', text: 'Results will be shown when the speaker reveals them.' });
  }
  const counts = results.counts || {};
  const ballots = results.ballots || 0;
  const summary = h('p', { class: 'ballots', text: `${ballots} ${ballots === 1 ? 'vote' : 'votes'}` });
  if (poll.kind === 'word_cloud') return h('div', { class: 'results' }, wordCloud(counts), summary);
  const rows = choices(poll).map(({ key, label }) => {
    const n = counts[key] || 0;
    const pct = ballots ? Math.round((n / ballots) * 100) : 0;
    const fill = h('span', { class: 'bar-fill' });
    fill.style.width = `${pct}%`;
    return h('li', { class: 'bar' },
      h('span', { class: 'bar-label', text: label }),
      h('span', { class: 'bar-track', 'aria-hidden': 'true' }, fill),
      h('span', { class: 'bar-value', text: `${n} (${pct}%)` }));
  });
  const average = poll.kind === 'rating' && ballots
    ? h('p', { class: 'average', text: `Average ${(Object.entries(counts).reduce((s, [k, n]) => s + Number(k) * n, 0) / ballots).toFixed(1)} of ${poll.scale_max}` })
    : null;
  return h('div', { class: 'results' }, h('ul', { class: 'bars plain' }, rows), average, summary);
}

/** Words sized by how often they were given (largest first). */
function wordCloud(counts) {
  const words = Object.entries(counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 60);
  if (!words.length) return h('p', { class: 'muted', text: 'No answers yet.' });
  const max = words[0][1];
  return h('ul', { class: 'cloud plain', 'aria-label': 'Word cloud' }, words.map(([word, n]) => {
    const li = h('li', { class: 'word' }, word, h('span', { class: 'visually-hidden', text: ` (${n})` }));
    li.style.fontSize = `${(1 + (n / max) * 1.6).toFixed(2)}em`;
    return li;
  }));
}

/** The ballot a form holds, or null when nothing is chosen. */
function readBallot(poll, form) {
  if (poll.kind === 'word_cloud') {
    const text = form.elements.answer.value.trim();
    return text ? { text } : null;
  }
  const checked = [...form.querySelectorAll('input:checked')].map((i) => Number(i.value));
  if (!checked.length) return null;
  if (poll.kind === 'multiple_choice') return { options: checked };
  if (poll.kind === 'rating') return { rating: checked[0] };
  return { option: checked[0] };
}

/**
 * The vote form of an open poll. `mine` is the attendee's ballot as tally
 * keys (to preselect); `vote(ballot)` returns a promise.
 */
export function ballotForm(poll, mine, vote) {
  const name = `poll-${poll.id}`;
  const status = statusLine();
  let inputs;
  if (poll.kind === 'word_cloud') {
    inputs = h('div', { class: 'field' },
      h('label', { for: `${name}-text`, text: 'Your answer (up to 60 characters)' }),
      h('input', { id: `${name}-text`, name: 'answer', type: 'text', maxlength: 60, autocomplete: 'off', value: (mine && mine[0]) || '' }));
  } else {
    const type = poll.kind === 'multiple_choice' ? 'checkbox' : 'radio';
    inputs = h('div', { class: poll.kind === 'rating' ? 'options rating' : 'options' }, choices(poll).map(({ key, label }) =>
      h('label', { class: 'option' },
        h('input', { type, name, value: key, checked: Boolean(mine && mine.includes(key)) }),
        h('span', { text: label }))));
  }
  const button = h('button', { type: 'submit', class: 'primary', text: mine ? 'Change vote' : 'Vote' });
  const form = h('form', { class: 'ballot' },
    h('fieldset', {}, h('legend', { class: 'visually-hidden', text: poll.question }), inputs),
    h('div', { class: 'actions' }, button, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ballot = readBallot(poll, form);
    if (!ballot) {
      status.set('Choose an answer first.', 'error');
      return;
    }
    button.disabled = true;
    status.set('Sending your vote…');
    try {
      await vote(ballot);
      status.set('Your vote is counted. You can change it while the poll is open.', 'ok');
      button.textContent = 'Change vote';
    } catch (err) {
      status.set(err.message, 'error');
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

/** One poll card; `body(poll)` fills the part below the question. */
export function pollCard(poll, headingLevel, body) {
  const heading = h(`h${headingLevel}`, { class: 'poll-question', text: poll.question });
  const meta = h('p', { class: 'poll-meta' },
    h('span', { class: `badge poll-${poll.state}`, text: poll.state === 'open' ? 'Open' : poll.state === 'closed' ? 'Closed' : 'Draft' }),
    ` ${KIND_LABEL[poll.kind] || poll.kind}`);
  const card = h('article', { class: 'poll card' });
  replace(card, heading, meta, body(poll));
  return card;
}
