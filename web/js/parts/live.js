// Pieces every live view shares: the page header with the connection state
// and attendee count, the session's speakers and disclosures, the join
// panel with its QR code, and the wiring from state news to announcements.

import { h, replace, announce, excerpt } from '../render.js';

/** The connection badge: follows a Stream's 'state' events. */
export function connectionBadge(stream) {
  const badge = h('p', { class: 'conn', role: 'status', 'data-state': 'connecting' });
  const show = ({ state, label }) => {
    badge.dataset.state = state;
    const queued = stream.queued;
    const extra = queued && state !== 'online' ? ` (${queued} waiting to send)` : '';
    replace(badge, h('span', { class: 'dot', 'aria-hidden': 'true' }), `${label}${extra}`);
  };
  stream.addEventListener('state', (e) => show(e.detail));
  stream.addEventListener('queue', () => show({ state: stream.state, label: stream.label }));
  show({ state: stream.state, label: stream.label || 'Connecting…' });
  return badge;
}

/** "N watching" that follows the state's presence. */
export function presenceBadge(state) {
  const el = h('p', { class: 'presence' });
  const show = () => {
    const n = state.presence;
    el.textContent = `${n} ${n === 1 ? 'attendee' : 'attendees'} watching`;
  };
  state.addEventListener('change', (e) => e.detail.parts.has('presence') && show());
  show();
  return el;
}

const STATE_LABEL = { scheduled: 'Not started', live: 'Live now', ended: 'Ended' };

/** A badge with the session's lifecycle state. */
export function sessionStateBadge(session) {
  return h('span', { class: `badge state-${session.state}`, text: STATE_LABEL[session.state] || session.state });
}

/** Speakers with affiliations and disclosures, and the session's disclosures. */
export function speakersBlock(session) {
  const speakers = session.speakers || [];
  const items = speakers.map((s) =>
    h('li', {},
      h('span', { class: 'speaker-name', text: s.name }),
      s.affiliation ? h('span', { class: 'affiliation', text: ` · ${s.affiliation}` }) : null,
      s.disclosure ? h('p', { class: 'disclosure' }, h('strong', { text: 'Disclosure: ' }), s.disclosure) : null));
  return h('section', { class: 'panel speakers', 'aria-labelledby': 'speakers-h' },
    h('h2', { id: 'speakers-h', text: speakers.length === 1 ? 'Speaker' : 'Speakers' }),
    items.length ? h('ul', { class: 'plain' }, items) : h('p', { class: 'muted', text: 'No speakers listed.' }),
    session.disclosures
      ? h('p', { class: 'disclosure' }, h('strong', { text: 'Session disclosures: ' }), session.disclosures)
      : null);
}

/** The join link, code and server-rendered QR code of a session. */
export function joinPanel(session, { large = false } = {}) {
  const link = `${location.origin}/join/${session.join_code}`;
  return h('div', { class: large ? 'join-panel large' : 'join-panel' },
    h('img', {
      src: `/api/v1/join/${encodeURIComponent(session.join_code)}/qr.svg`,
      alt: `QR code for joining at ${link}`,
      class: 'qr',
      width: large ? 180 : 140,
      height: large ? 180 : 140,
    }),
    h('p', {}, 'Join at ', h('strong', { text: `${location.host}/join/${session.join_code}` })),
    h('p', {}, 'Code ', h('strong', { class: 'code', text: session.join_code })));
}

/** Announce new notes, answers and poll openings (polite live region). */
export function announceNews(state) {
  state.addEventListener('news', (e) => {
    const { kind, item } = e.detail;
    if (kind === 'note') announce(`New note: ${excerpt(item.body)}`);
    if (kind === 'answer') announce(`Answered: ${excerpt(item.body)}`);
    if (kind === 'poll') announce(`Poll opened: ${excerpt(item.question)}`);
  });
}

/** Show an error inside the app root with a way home. */
export function fatal(root, title, message) {
  replace(root,
    h('h1', { text: title }),
    h('p', { class: 'error', text: message }),
    h('p', {}, h('a', { href: '/', text: 'Go to the home page' })));
}

/** Re-render a node on every change of the named parts. */
export function follow(state, parts, node, render) {
  const run = () => replace(node, render());
  state.addEventListener('change', (e) => parts.some((p) => e.detail.parts.has(p)) && run());
  run();
  return node;
}
