// `/` and `/join/{CODE}`: join a session with its code and an optional
// display name. The attendee token is kept per session in localStorage.

import { h, page, replace, field, statusLine } from '../render.js';
import { api, tokens } from '../api.js';

async function join(code, name, status, button) {
  button.disabled = true;
  status.set('Joining…');
  try {
    const body = { code };
    if (name) body.display_name = name;
    const joined = await api('POST', '/join', { body });
    tokens.set('attendee', joined.session.id, joined.attendee_token);
    location.assign(`/s/${encodeURIComponent(joined.session.id)}`);
  } catch (err) {
    status.set(err.status === 404 ? 'No session has this code. Check it and try again.' : err.message, 'error');
    button.disabled = false;
  }
}

function joinForm(code, session) {
  const codeInput = h('input', { name: 'code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true, maxlength: 20, value: code || '' });
  const nameInput = h('input', { name: 'display_name', autocomplete: 'nickname', maxlength: 60 });
  const status = statusLine();
  const button = h('button', { type: 'submit', class: 'primary', text: 'Join session' });
  const form = h('form', { class: 'join-form card' },
    field('Join code', codeInput, 'The short code shown by the speaker, e.g. SHXRMDQ.').wrap,
    field('Display name (optional)', nameInput, 'Shown only on questions you ask under your name. Leave empty to stay anonymous.').wrap,
    h('div', { class: 'actions' }, button, status));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const value = codeInput.value.trim();
    if (!value) {
      status.set('Enter the join code.', 'error');
      codeInput.focus();
      return;
    }
    join(value, nameInput.value.trim(), status, button);
  });
  const existing = session && tokens.get('attendee', session.id);
  return [
    form,
    existing ? h('p', {}, 'You joined this session before: ', h('a', { href: `/s/${encodeURIComponent(session.id)}`, text: 'continue where you left off' }), '.') : null,
  ];
}

export default async function homeView(root, [code]) {
  if (!code) {
    page('');
    replace(root,
      h('h1', { text: 'Join a live session' }),
      h('p', { class: 'lead', text: 'Read the speaker’s live notes, ask and upvote questions, vote in polls and react, right beside the talk’s stream. No account needed.' }),
      joinForm('', null));
    return;
  }
  page('Join');
  let session = null;
  try {
    session = await api('GET', `/join/${encodeURIComponent(code)}`);
  } catch {
    session = null;
  }
  replace(root,
    h('h1', { text: session ? `Join “${session.title}”` : 'Join a live session' }),
    session
      ? h('p', { class: 'lead', text: [session.speakers.map((s) => s.name).join(', '), session.track, session.room && `Room ${session.room}`].filter(Boolean).join(' · ') })
      : h('p', { class: 'error', text: 'No session has this code. Check the link or type the code below.' }),
    joinForm(code, session));
  if (session) document.title = `Join ${session.title} · Backchannel`;
}

/** A "page not found" or "could not load" message. */
export function notFound(root, message) {
  page('Not found');
  replace(root, h('h1', { text: 'Page not found' }), h('p', { text: message }), h('p', {}, h('a', { href: '/', text: 'Go to the home page' })));
}
