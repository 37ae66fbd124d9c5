// /projector/{session_id}#token=…: the read-only big screen and OBS overlay.
// Shows the pinned question, the current poll's results and reactions, large,
// on a dark background or a transparent one with `?bg=transparent`.

import { h, page, replace } from '../render.js';
import { tokenFromHash } from '../api.js';
import { Stream } from '../stream.js';
import { SessionState, connect } from '../state.js';
import { connectionBadge, joinPanel, fatal, follow } from '../parts/live.js';
import { pollResults, KIND_LABEL } from '../parts/polls.js';
import { reactionBar } from '../parts/reactions.js';
import { nowAnswering } from '../parts/qa.js';

/** The poll to show: the newest open one, else the newest with results. */
function currentPoll(state) {
  const polls = state.pollList().filter((p) => p.state !== 'draft');
  return polls.find((p) => p.state === 'open') || polls.find((p) => p.results) || null;
}

function pollPanel(state) {
  return follow(state, ['polls'], h('section', { class: 'proj-poll', 'aria-labelledby': 'proj-poll-h' }), () => {
    const poll = currentPoll(state);
    if (!poll) return h('h2', { id: 'proj-poll-h', class: 'visually-hidden', text: 'No poll running' });
    return [
      h('p', { class: 'eyebrow', text: `${poll.state === 'open' ? 'Poll' : 'Poll results'} · ${KIND_LABEL[poll.kind]}` }),
      h('h2', { id: 'proj-poll-h', class: 'proj-question', text: poll.question }),
      pollResults(poll),
    ];
  });
}

function layout(state, stream) {
  const title = h('h1', { class: 'proj-title' });
  follow(state, ['session'], title, () => state.session.title);
  const presence = follow(state, ['presence'], h('p', { class: 'proj-presence' }), () => `${state.presence} watching`);
  return [
    h('div', { class: 'proj-head' }, title, presence, connectionBadge(stream)),
    h('div', { class: 'proj-body' },
      h('div', { class: 'proj-main' }, nowAnswering(state, { large: true }), pollPanel(state)),
      h('aside', { class: 'proj-side', 'aria-label': 'Join and reactions' },
        joinPanel(state.session, { large: true }),
        h('section', { class: 'proj-reactions', 'aria-label': 'Reactions' }, reactionBar(state, null)))),
  ];
}

export default async function projectorView(root, [sessionId]) {
  page('Projector');
  const params = new URLSearchParams(location.search);
  document.body.classList.add('projector');
  if (params.get('bg') === 'transparent') {
    // Both the root and the body: an OBS browser source shows what is behind.
    document.documentElement.classList.add('transparent');
    document.body.classList.add('transparent');
  }
  const token = tokenFromHash('projector', sessionId);
  if (!token) {
    fatal(root, 'Projector view', 'This link has no projector token. Use the projector link from the organizer dashboard.');
    return;
  }
  const state = new SessionState();
  const stream = connect(Stream, state, { token });
  replace(root, h('h1', { text: 'Projector' }), h('p', { role: 'status', text: 'Connecting…' }));
  stream.addEventListener('refused', () => fatal(root, 'Access refused', 'This projector link is not valid any more.'));
  let built = false;
  state.addEventListener('change', () => {
    if (built || !state.loaded) return;
    built = true;
    document.title = `${state.session.title} · Projector`;
    replace(root, layout(state, stream));
  });
  window.backchannel = { state, stream };
}
