// The dashboard's "Sharing and safety" panel: publish (or take down) the
// event's archive, which makes its permalinks, cards and speaker pages
// public; the code of conduct (Markdown) and whether attendees must accept
// it before their first question; and whether askers' names may appear on
// shared cards. Settings are saved whole (`PATCH /events/{id}` replaces the
// settings object), so fields this panel does not show are sent back as
// they were.

import { h, replace, field, checkbox, statusLine } from '../render.js';
import { api } from '../api.js';

function archiveControl(event, token) {
  const box = h('div', { class: 'archive-control' });
  const status = statusLine();
  let published = Boolean(event.archive_published);
  const url = `${location.origin}/archive/${event.id}`;
  const show = (focus) => {
    const button = h('button', { type: 'button', class: published ? 'danger' : 'primary', text: published ? 'Take the archive down' : 'Publish the archive' });
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const answer = await api('PUT', `/events/${encodeURIComponent(event.id)}/archive`, { token, body: { published: !published } });
        published = answer.published;
        show(true);
        status.set(published ? 'Published: the archive, permalinks and speaker pages are public.' : 'Taken down: the archive and its links now answer "not found".', 'ok');
      } catch (err) {
        status.set(err.message, 'error');
        button.disabled = false;
      }
    });
    replace(box,
      h('p', {}, published
        ? ['The archive is public at ', h('a', { href: url, text: url }), '. Key takeaways, answered questions and closed polls can be shared.']
        : 'The archive is not published: nothing of this event is public and share buttons are hidden.'),
      h('div', { class: 'actions' }, button), status);
    if (focus) button.focus();
  };
  show(false);
  return box;
}

function settingsForm(event, token) {
  const settings = { ...(event.settings || {}) };
  const coc = h('textarea', { name: 'code_of_conduct', rows: 6, maxlength: 20000 });
  coc.value = settings.code_of_conduct || '';
  const require = checkbox('Attendees must accept the code of conduct before their first question', Boolean(settings.require_coc_ack));
  const names = checkbox('Show who asked a question on its shared card (unless they asked anonymously)', Boolean(settings.allow_names_on_cards));
  const status = statusLine();
  const form = h('form', { class: 'event-settings' },
    field('Code of conduct (Markdown)', coc, 'Shown to attendees beside the questions.').wrap,
    require.wrap, names.wrap,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Save settings' }), status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = coc.value.trim();
    if (require.input.checked && !text) {
      status.set('Write the code of conduct first, or do not require it.', 'error');
      coc.focus();
      return;
    }
    const next = { ...settings, code_of_conduct: text || null, require_coc_ack: require.input.checked, allow_names_on_cards: names.input.checked };
    try {
      const saved = await api('PATCH', `/events/${encodeURIComponent(event.id)}`, { token, body: { settings: next } });
      Object.assign(settings, saved.settings || next);
      status.set('Saved. Attendees who join from now on see it.', 'ok');
    } catch (err) {
      status.set(err.message, 'error');
    }
  });
  return form;
}

/** The panel for `event` (as GET /events/{id} answers it). */
export function eventSettingsPanel(event, token) {
  return h('section', { class: 'panel', 'aria-labelledby': 'settings-h' },
    h('h2', { id: 'settings-h', text: 'Sharing and safety' }),
    h('h3', { text: 'Archive' }), archiveControl(event, token),
    h('h3', { text: 'Code of conduct and cards' }), settingsForm(event, token));
}
