// /admin#token=ADMIN: create events. /admin/e/{event_id}#token=ORGANIZER: the
// organizer dashboard: create sessions, copy their attendee, speaker and
// projector links, watch live attendee counts (polled every 5 s), publish
// the archive and set the code of conduct (parts/event-settings.js).
//
// Speaker and projector tokens are only shown when a session is created (or a
// token is replaced), so the dashboard keeps them in localStorage; a session
// whose tokens this browser does not have offers to issue new ones.

import { h, page, replace, field, statusLine, copyText, syncList, clock } from '../render.js';
import { api, tokens, tokenFromHash, store } from '../api.js';
import { fatal } from '../parts/live.js';
import { sessionForm } from '../parts/session-form.js';
import { exportButtons } from '../parts/exports.js';
import { eventSettingsPanel } from '../parts/event-settings.js';

const LIVE_EVERY_MS = 5000;

function linkRow(label, url) {
  const input = h('input', { type: 'text', readonly: true, value: url, class: 'link-input' });
  const status = h('span', { class: 'copied', role: 'status' });
  const copy = h('button', { type: 'button', text: 'Copy', 'aria-label': `Copy ${label.toLowerCase()}` });
  copy.addEventListener('click', async () => {
    status.textContent = (await copyText(url, input)) ? 'Copied' : 'Select and copy the link';
    setTimeout(() => { status.textContent = ''; }, 2500);
  });
  return h('div', { class: 'link-row' }, field(label, input).wrap, copy, status);
}

function sessionTokens(sessionId) {
  return store.read(`session-tokens.${sessionId}`, {});
}

function sessionRow(eventToken, counts) {
  const title = h('h3', {});
  const meta = h('p', { class: 'muted' });
  const live = h('p', { class: 'live-count' });
  const links = h('div', { class: 'links' });
  const status = statusLine();
  const exportsBox = h('div', {});
  const li = h('li', { class: 'card session-row' }, title, meta, live, links, exportsBox, status);
  let shown = '';
  li.update = (s) => {
    live.textContent = `${counts.get(s.id) || 0} watching now`;
    title.textContent = s.title;
    meta.textContent = [s.state === 'live' ? 'Live now' : s.state === 'ended' ? 'Ended' : 'Scheduled',
      s.track, s.room && `Room ${s.room}`, s.starts_at && clock(s.starts_at), `Code ${s.join_code}`,
      s.moderation === 'pre' ? 'Pre-moderated' : null].filter(Boolean).join(' · ');
    const saved = sessionTokens(s.id);
    const key = `${s.join_code}|${saved.speaker || ''}|${saved.projector || ''}`;
    if (key === shown) return;
    shown = key;
    if (!exportsBox.firstChild) exportsBox.append(exportButtons('Export this session', `/sessions/${s.id}/export`, eventToken));
    const base = location.origin;
    const issue = (kind) => {
      const b = h('button', { type: 'button', text: `Issue a new ${kind} link` });
      b.addEventListener('click', async () => {
        try {
          const { token } = await api('POST', `/sessions/${s.id}/tokens/${kind}`, { token: eventToken });
          store.write(`session-tokens.${s.id}`, { ...sessionTokens(s.id), [kind]: token });
          li.update(s);
        } catch (err) {
          status.set(err.message, 'error');
        }
      });
      return b;
    };
    replace(links,
      linkRow('Attendee join link', `${base}/join/${s.join_code}`),
      saved.speaker ? linkRow('Speaker console link', `${base}/console/${s.id}#token=${saved.speaker}`) : issue('speaker'),
      saved.projector ? linkRow('Projector link', `${base}/projector/${s.id}#token=${saved.projector}`) : issue('projector'),
      h('p', { class: 'actions wrap' },
        h('a', { href: `/console/${s.id}${saved.speaker ? `#token=${saved.speaker}` : ''}`, text: 'Open console' }),
        saved.projector ? h('a', { href: `/projector/${s.id}#token=${saved.projector}`, text: 'Open projector' }) : null));
  };
  return li;
}

async function eventDashboard(root, eventId) {
  page('Dashboard');
  const token = tokenFromHash('organizer', eventId);
  if (!token) {
    fatal(root, 'Organizer dashboard', 'This link has no organizer token. Open the dashboard link you got when the event was created.');
    return;
  }
  let event;
  try {
    event = await api('GET', `/events/${encodeURIComponent(eventId)}`);
  } catch (err) {
    fatal(root, 'Event not found', err.message);
    return;
  }
  document.title = `Dashboard: ${event.name} · Backchannel`;
  const counts = new Map();
  const list = h('ul', { class: 'plain sessions' });
  const total = h('p', { class: 'live-total', role: 'status' });
  const empty = h('p', { class: 'muted', text: 'No sessions yet. Create the first one.' });
  let sessions = [];
  const show = () => {
    syncList(list, sessions, (s) => s.id, () => sessionRow(token, counts));
    empty.hidden = sessions.length > 0;
  };
  const refresh = async () => {
    try {
      sessions = await api('GET', `/events/${eventId}/sessions`);
      const live = await api('GET', `/events/${eventId}/live`, { token });
      counts.clear();
      for (const [id, n] of Object.entries(live.sessions)) counts.set(id, n);
      total.textContent = `${live.total} ${live.total === 1 ? 'attendee' : 'attendees'} connected across the event`;
    } catch (err) {
      total.textContent = err.status === 401 || err.status === 403 ? 'This organizer token is not valid for this event.' : err.message;
    }
    show();
  };
  const create = async (body) => {
    const made = await api('POST', `/events/${eventId}/sessions`, { token, body });
    store.write(`session-tokens.${made.id}`, { speaker: made.speaker_token, projector: made.projector_token });
    await refresh();
    return made;
  };
  replace(root,
    h('h1', { text: `Dashboard: ${event.name}` }),
    h('p', { class: 'sub' }, 'Public schedule: ', h('a', { href: `/e/${eventId}`, text: `${location.origin}/e/${eventId}` })),
    exportButtons('Export the event', `/events/${eventId}/export`, token),
    h('div', { class: 'dash-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'sessions-h' },
        h('h2', { id: 'sessions-h', text: 'Sessions' }), total, empty, list),
      h('div', {},
        h('section', { class: 'panel', 'aria-labelledby': 'create-h' },
          h('h2', { id: 'create-h', text: 'Schedule a session' }), sessionForm(create)),
        eventSettingsPanel(event, token))));
  await refresh();
  setInterval(refresh, LIVE_EVERY_MS);
}

function eventForm(adminToken) {
  const name = h('input', { type: 'text', name: 'name', maxlength: 200, required: true });
  const description = h('textarea', { name: 'description', rows: 3 });
  const timezone = h('input', { type: 'text', name: 'timezone', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' });
  const startsOn = h('input', { type: 'date', name: 'starts_on' });
  const endsOn = h('input', { type: 'date', name: 'ends_on' });
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create event' });
  const form = h('form', { class: 'card event-form' },
    field('Event name', name).wrap, field('Description', description).wrap,
    field('Timezone', timezone, 'IANA name, e.g. Europe/Berlin.').wrap,
    h('div', { class: 'row' }, field('First day', startsOn).wrap, field('Last day', endsOn).wrap),
    h('div', { class: 'actions' }, submit, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), description: description.value.trim(), timezone: timezone.value.trim() || 'UTC' };
    if (startsOn.value) body.starts_on = startsOn.value;
    if (endsOn.value) body.ends_on = endsOn.value;
    submit.disabled = true;
    try {
      const made = await api('POST', '/events', { token: adminToken, body });
      tokens.set('organizer', made.id, made.organizer_token);
      location.assign(`/admin/e/${made.id}`);
    } catch (err) {
      status.set(err.message, 'error');
      submit.disabled = false;
    }
  });
  return form;
}

async function adminHome(root) {
  page('Admin');
  const token = tokenFromHash('admin', '');
  if (!token) {
    fatal(root, 'Organizer sign-in', 'Open the sign-in link the server printed on its first start (it ends with #token=…).');
    return;
  }
  const events = h('ul', { class: 'plain' });
  replace(root, h('h1', { text: 'Organizer dashboard' }),
    h('div', { class: 'dash-grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'new-event-h' }, h('h2', { id: 'new-event-h', text: 'Create an event' }), eventForm(token)),
      h('section', { class: 'panel', 'aria-labelledby': 'events-h' }, h('h2', { id: 'events-h', text: 'Events' }), events)));
  try {
    const list = await api('GET', '/events', { token });
    replace(events, list.length ? list.map((e) => h('li', { class: 'card' },
      h('h3', { text: e.name }),
      h('p', { class: 'actions wrap' },
        tokens.get('organizer', e.id) ? h('a', { href: `/admin/e/${e.id}`, text: 'Open dashboard' }) : h('span', { class: 'muted', text: 'Organizer token not stored in this browser' }),
        h('a', { href: `/e/${e.id}`, text: 'Public schedule' })))) : h('li', { class: 'muted', text: 'No events yet.' }));
  } catch (err) {
    replace(events, h('li', { class: 'error', text: err.status === 401 ? 'The admin token was refused.' : err.message }));
  }
}

export default async function dashboardView(root, [eventId]) {
  root.classList.add('wide');
  if (eventId) await eventDashboard(root, eventId);
  else await adminHome(root);
}
