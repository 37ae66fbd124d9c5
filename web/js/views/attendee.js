// /s/{session_id}: the attendee view. The talk's stream beside the live notes,
// Q&A, polls, reactions, the attendee count, speaker disclosures and "my
// takeaways".

import { h, page, replace, syncList, setTrustedHtml, clock } from '../render.js';
import { api, tokens } from '../api.js';
import { Stream } from '../stream.js';
import { SessionState, connect } from '../state.js';
import { connectionBadge, presenceBadge, sessionStateBadge, speakersBlock, announceNews, fatal, follow } from '../parts/live.js';
import { streamEmbed } from '../parts/embed.js';
import { pollCard, pollResults, ballotForm } from '../parts/polls.js';
import { reactionBar } from '../parts/reactions.js';
import { qaSection, nowAnswering } from '../parts/qa.js';
import { Takeaways, starButton, takeawaysPanel } from '../parts/takeaways.js';
import { shareSlot } from '../parts/share.js';
import { plainText } from '../parts/intents.js';
import { flagControl } from '../parts/flags.js';

function noteItem(state, stream, takeaways) {
  const content = h('div', { class: 'md' });
  const badge = h('span', { class: 'badge takeaway-badge', text: 'Key takeaway' });
  const time = h('time', { class: 'note-time' });
  let star = null;
  const share = shareSlot(state, 'note');
  const flag = flagControl(state, stream, 'note');
  const foot = h('div', { class: 'note-foot' }, time);
  const li = h('li', { class: 'note card' }, badge, content, foot, h('div', { class: 'item-actions' }, share, flag));
  li.update = (n) => {
    if (content.dataset.html !== n.html) {
      content.dataset.html = n.html;
      setTrustedHtml(content, n.html);
    }
    badge.hidden = !n.takeaway;
    li.classList.toggle('takeaway', n.takeaway);
    time.dateTime = n.created_at;
    time.textContent = clock(n.created_at) + (n.updated_at !== n.created_at ? ' (edited)' : '');
    share.update(n.id, n.takeaway, plainText(n.html));
    flag.update(n.id);
    const entry = { title: 'Note', text: n.body };
    if (!star) {
      star = starButton(takeaways, 'note', n.id, entry);
      foot.append(star);
    } else {
      star.setEntry(entry);
    }
  };
  return li;
}

function notesSection(state, stream, takeaways) {
  const list = h('ol', { class: 'notes plain', 'aria-label': 'Live notes' });
  const empty = h('p', { class: 'muted', text: 'The speaker has not posted notes yet.' });
  const show = () => {
    const notes = state.noteList();
    syncList(list, notes, (n) => n.id, () => noteItem(state, stream, takeaways));
    empty.hidden = notes.length > 0;
  };
  state.addEventListener('change', (e) => e.detail.parts.has('notes') && show());
  show();
  return h('section', { class: 'panel', 'aria-labelledby': 'notes-h' },
    h('h2', { id: 'notes-h', text: 'Live notes' }), empty, list);
}

/** Tally keys of a ballot, to remember what this attendee chose. */
function ballotKeys(ballot) {
  if ('option' in ballot) return [String(ballot.option)];
  if ('options' in ballot) return ballot.options.map(String);
  if ('rating' in ballot) return [String(ballot.rating)];
  return [ballot.text.toLowerCase().replace(/\s+/g, ' ').trim()];
}

function pollItem(state, stream) {
  const results = h('div', { class: 'results-holder' });
  const share = shareSlot(state, 'poll');
  let form = null;
  let shownState = null;
  const li = h('li', {});
  li.update = (poll) => {
    if (shownState !== poll.state) {
      shownState = poll.state;
      form = poll.state === 'open'
        ? ballotForm(poll, state.me && state.me.ballots[poll.id], async (ballot) => {
          await stream.command('poll.vote', { poll_id: poll.id, ballot });
          if (state.me) state.me.ballots[poll.id] = ballotKeys(ballot);
        })
        : null;
      replace(li, pollCard(poll, 3, () => h('div', {}, form, results, share)));
    }
    replace(results, pollResults(poll));
    share.update(poll.id, poll.state === 'closed', poll.question);
  };
  return li;
}

function pollsSection(state, stream) {
  const list = h('ul', { class: 'plain polls' });
  const section = h('section', { class: 'panel', 'aria-labelledby': 'polls-h' }, h('h2', { id: 'polls-h', text: 'Polls' }), list);
  const show = () => {
    const polls = state.pollList().filter((p) => p.state !== 'draft');
    polls.sort((a, b) => (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1));
    syncList(list, polls, (p) => p.id, () => pollItem(state, stream));
    section.hidden = polls.length === 0;
  };
  state.addEventListener('change', (e) => e.detail.parts.has('polls') && show());
  show();
  return section;
}

function header(state, stream) {
  const title = h('h1', {});
  const sub = h('p', { class: 'sub' });
  const badge = h('span', {});
  follow(state, ['session'], badge, () => sessionStateBadge(state.session));
  const head = h('div', { class: 'session-head' }, h('div', {}, title, sub),
    h('div', { class: 'head-meta' }, badge, presenceBadge(state), connectionBadge(stream)));
  const show = () => {
    const s = state.session;
    title.textContent = s.title;
    sub.textContent = [state.event && state.event.name, s.track, s.room && `Room ${s.room}`].filter(Boolean).join(' · ');
    document.title = `${s.title} · Backchannel`;
  };
  state.addEventListener('change', (e) => e.detail.parts.has('session') && show());
  show();
  return head;
}

function layout(state, stream, takeaways) {
  const streamBox = h('div', {});
  let shownUrl;
  const speakers = h('div', {});
  state.addEventListener('change', (e) => {
    if (!e.detail.parts.has('session')) return;
    if (shownUrl !== state.session.stream_url) {
      shownUrl = state.session.stream_url;
      replace(streamBox, streamEmbed(state.session));
    }
    replace(speakers, speakersBlock(state.session));
  });
  shownUrl = state.session.stream_url;
  replace(streamBox, streamEmbed(state.session));
  replace(speakers, speakersBlock(state.session));
  const send = (emoji) => stream.command('reaction.send', { emoji });
  return [
    header(state, stream),
    h('div', { class: 'attendee-grid' },
      h('div', { class: 'col-stage' },
        streamBox,
        h('section', { class: 'panel', 'aria-labelledby': 'react-h' },
          h('h2', { id: 'react-h', class: 'visually-hidden', text: 'Reactions' }), reactionBar(state, send)),
        nowAnswering(state),
        pollsSection(state, stream),
        speakers,
        takeawaysPanel(takeaways, () => state.session, () => state.event && state.event.name)),
      h('div', { class: 'col-feed' }, notesSection(state, stream, takeaways), qaSection(state, stream, takeaways))),
  ];
}

export default async function attendeeView(root, [sessionId]) {
  page('Session');
  const token = tokens.get('attendee', sessionId);
  if (!token) {
    try {
      const session = await api('GET', `/sessions/${encodeURIComponent(sessionId)}`);
      location.replace(`/join/${encodeURIComponent(session.join_code)}`);
    } catch {
      fatal(root, 'Session not found', 'This session does not exist. Check the link or ask for the join code.');
    }
    return;
  }
  const state = new SessionState();
  const stream = connect(Stream, state, { token });
  // Stars stay in this browser and also go to the server's takeaways pack.
  const takeaways = new Takeaways(sessionId, (kind, id, starred) => {
    stream.command('takeaway.star', { kind, id, starred }).catch(() => {});
  });
  const loading = h('p', { class: 'muted', role: 'status', text: 'Connecting to the session…' });
  replace(root, h('h1', { text: 'Session' }), loading);
  stream.addEventListener('refused', () => {
    tokens.set('attendee', sessionId, null);
    fatal(root, 'Please join again', 'Your access to this session has ended. Join again with the code or link.');
  });
  announceNews(state);
  let built = false;
  state.addEventListener('change', () => {
    if (built || !state.loaded) return;
    built = true;
    replace(root, layout(state, stream, takeaways));
  });
  window.backchannel = { state, stream };
}
