// The console's "Speaker page" panel: a speaker opts this session in to a
// public page of theirs (`PUT …/speaker-page` with a slug and their name),
// which gathers the published highlights of their sessions across events at
// /speakers/{slug}; or takes it off again (`DELETE`). The first claim of a
// slug answers with the page's key, shown once here: it is needed to add a
// talk of another event. On load the panel asks the server (`GET`) which
// page the session is on.

import { h, replace, field, statusLine, copyText } from '../render.js';
import { api } from '../api.js';

/** A slug from a name: "Ana Ferreira" → "ana-ferreira". */
function slugify(name) {
  return String(name || '').normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60);
}

function keyNotice(key) {
  const input = h('input', { type: 'text', readonly: true, value: key, class: 'code' });
  const status = h('span', { class: 'copied', role: 'status' });
  const copy = h('button', { type: 'button', text: 'Copy key' });
  copy.addEventListener('click', async () => {
    status.textContent = (await copyText(key, input)) ? 'Copied' : 'Select and copy the key';
  });
  return h('div', { class: 'notice page-key' },
    h('p', {}, h('strong', { text: 'Keep this page key: it is shown only once. ' }),
      'You need it to add a talk from another event to the same page.'),
    h('div', { class: 'link-row' }, field('Page key', input).wrap, copy, status));
}

/** The panel; `token` is the console's token (only a speaker's may do this). */
export function speakerPagePanel(state, token) {
  const session = state.session;
  const body = h('div', {});
  const status = statusLine();
  const path = `/sessions/${encodeURIComponent(session.id)}/speaker-page`;

  const showOn = (saved, key) => {
    const remove = h('button', { type: 'button', class: 'danger', text: 'Take this session off the page' });
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      try {
        await api('DELETE', path, { token });
        showForm();
        status.set('This session is no longer on a speaker page.', 'ok');
      } catch (err) {
        status.set(err.message, 'error');
        remove.disabled = false;
      }
    });
    replace(body,
      h('p', {}, 'This session is on your public page: ', h('a', { href: saved.url, class: 'speaker-page-url', text: saved.url })),
      h('p', { class: 'hint', text: 'The page shows the session once the organizer publishes the event\'s archive (until then it answers "not found").' }),
      key ? keyNotice(key) : null,
      h('div', { class: 'actions wrap' }, remove));
  };

  const showForm = () => {
    const names = (session.speakers || []).map((s) => s.name.trim()).filter(Boolean);
    if (!names.length) {
      replace(body, h('p', { class: 'muted', text: 'This session lists no speakers: the organizer adds them in the dashboard.' }));
      return;
    }
    const who = h('select', { name: 'speaker' }, names.map((n) => h('option', { value: n, text: n })));
    const slug = h('input', { type: 'text', name: 'slug', required: true, maxlength: 60, autocomplete: 'off', spellcheck: 'false', value: slugify(names[0]) });
    const key = h('input', { type: 'text', name: 'key', autocomplete: 'off', spellcheck: 'false' });
    who.addEventListener('change', () => {
      slug.value = slugify(who.value);
    });
    const form = h('form', { class: 'speaker-page-form' },
      h('p', { class: 'hint', text: 'A public page of yours gathers the published highlights of your talks (key takeaways, answered questions, poll results) with your disclosures.' }),
      names.length > 1 ? field('Speaker', who).wrap : null,
      field('Page address', slug, `${location.host}/speakers/… : lowercase letters, digits and dashes.`).wrap,
      field('Page key (optional)', key, 'Only to add this talk to a page you made for another event.').wrap,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', text: 'Add this session to my page' })));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      status.set('Saving…');
      try {
        const answer = await api('PUT', path, {
          token,
          body: { slug: slug.value.trim(), speaker: who.value, ...(key.value.trim() ? { key: key.value.trim() } : {}) },
        });
        const saved = { slug: answer.slug, url: answer.url };
        showOn(saved, answer.key);
        status.set('Done: the session is on your page.', 'ok');
        body.querySelector('a').focus();
      } catch (err) {
        status.set(err.message, 'error');
      }
    });
    replace(body, form);
  };

  if (state.role !== 'speaker') {
    replace(body, h('p', { class: 'muted', text: 'Only the speaker\'s own console link can put this session on a speaker page.' }));
  } else {
    status.set('Loading…');
    api('GET', path, { token })
      .then((pages) => {
        status.set('');
        if (pages.length) showOn(pages[0], null);
        else showForm();
      })
      .catch((err) => {
        status.set(err.message, 'error');
        showForm();
      });
  }
  return h('section', { class: 'panel', 'aria-labelledby': 'speaker-page-h' },
    h('h2', { id: 'speaker-page-h', text: 'Speaker page' }), body, status);
}
