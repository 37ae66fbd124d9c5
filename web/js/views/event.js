// /e/{event_id}: the public schedule, by track and time, with "live now"
// badges and a join link per session. Refreshes every 30 seconds.

import { h, page, replace } from '../render.js';
import { api } from '../api.js';
import { fatal } from '../parts/live.js';

const REFRESH_MS = 30000;

function when(session, timeZone) {
  if (!session.starts_at) return 'Time to be announced';
  const opts = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone };
  let fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, opts);
  } catch {
    fmt = new Intl.DateTimeFormat(undefined, { ...opts, timeZone: undefined });
  }
  const start = fmt.format(new Date(session.starts_at));
  if (!session.ends_at) return start;
  const endFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: fmt.resolvedOptions().timeZone });
  return `${start} – ${endFmt.format(new Date(session.ends_at))}`;
}

function sessionCard(session, timeZone) {
  const badge = session.state === 'live'
    ? h('span', { class: 'badge state-live', text: 'Live now' })
    : session.state === 'ended' ? h('span', { class: 'badge state-ended', text: 'Ended' }) : null;
  return h('li', { class: `card slot ${session.state}` },
    h('h3', {}, h('a', { href: `/join/${encodeURIComponent(session.join_code)}`, text: session.title })),
    h('p', { class: 'slot-time' }, h('time', { datetime: session.starts_at || '', text: when(session, timeZone) }), ' ', badge),
    session.speakers.length ? h('p', { class: 'slot-speakers', text: session.speakers.map((s) => s.name).join(', ') }) : null,
    session.room ? h('p', { class: 'muted', text: `Room ${session.room}` }) : null);
}

function schedule(event, sessions) {
  const tracks = new Map();
  for (const s of sessions) {
    const track = s.track || 'Sessions';
    if (!tracks.has(track)) tracks.set(track, []);
    tracks.get(track).push(s);
  }
  const start = (s) => (s.starts_at ? Date.parse(s.starts_at) : Infinity);
  const byTime = (a, b) => (start(a) - start(b) || 0) || a.title.localeCompare(b.title);
  const live = sessions.filter((s) => s.state === 'live');
  return [
    live.length
      ? h('section', { class: 'panel live-now', 'aria-labelledby': 'live-h' },
        h('h2', { id: 'live-h', text: 'Live now' }),
        h('ul', { class: 'plain' }, live.map((s) => h('li', {}, h('a', { href: `/join/${encodeURIComponent(s.join_code)}`, text: s.title }),
          s.track ? ` · ${s.track}` : ''))))
      : null,
    sessions.length ? null : h('p', { class: 'muted', text: 'No sessions scheduled yet.' }),
    h('div', { class: 'tracks' }, [...tracks.entries()].map(([track, list], i) =>
      h('section', { class: 'track', 'aria-labelledby': `track-${i}` },
        h('h2', { id: `track-${i}`, text: track }),
        h('ol', { class: 'plain' }, list.sort(byTime).map((s) => sessionCard(s, event.timezone)))))),
  ];
}

export default async function eventView(root, [eventId]) {
  page('Schedule');
  root.classList.add('wide');
  let event;
  try {
    event = await api('GET', `/events/${encodeURIComponent(eventId)}`);
  } catch {
    fatal(root, 'Event not found', 'This event does not exist. Check the link.');
    return;
  }
  document.title = `${event.name} · Backchannel`;
  const body = h('div', {});
  const dates = [event.starts_on, event.ends_on].filter(Boolean).join(' – ');
  replace(root,
    h('h1', { text: event.name }),
    h('p', { class: 'sub', text: [dates, `Times in ${event.timezone}`].filter(Boolean).join(' · ') }),
    event.description ? h('p', { class: 'lead', text: event.description }) : null,
    body);
  let last = '';
  const load = async () => {
    try {
      const sessions = await api('GET', `/events/${encodeURIComponent(eventId)}/sessions`);
      const json = JSON.stringify(sessions);
      if (json === last) return; // unchanged: keep the page (and focus) as it is
      last = json;
      replace(body, schedule(event, sessions));
    } catch (err) {
      replace(body, h('p', { class: 'error', text: err.message }));
    }
  };
  await load();
  setInterval(load, REFRESH_MS);
}
