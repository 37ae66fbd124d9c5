// The dashboard's "new session" form: title, abstract, speakers with
// affiliation and disclosure, track, room, times, stream URL, disclosures and
// moderation.

import { h, replace, field, statusLine } from '../render.js';

function speakerFields(index, onRemove) {
  const name = h('input', { type: 'text', name: 'speaker_name', maxlength: 200 });
  const affiliation = h('input', { type: 'text', name: 'speaker_affiliation', maxlength: 200 });
  const disclosure = h('input', { type: 'text', name: 'speaker_disclosure', maxlength: 2000 });
  const remove = h('button', { type: 'button', class: 'link-button', text: `Remove speaker ${index + 1}` });
  remove.addEventListener('click', onRemove);
  const box = h('fieldset', { class: 'speaker-fields' },
    h('legend', { text: `Speaker ${index + 1}` }),
    field('Name', name).wrap, field('Affiliation', affiliation).wrap,
    field('Disclosure', disclosure, 'Conflicts of interest, funding, relationships the audience should know.').wrap,
    index > 0 ? remove : null);
  box.read = () => {
    if (!name.value.trim()) return null;
    const s = { name: name.value.trim() };
    if (affiliation.value.trim()) s.affiliation = affiliation.value.trim();
    if (disclosure.value.trim()) s.disclosure = disclosure.value.trim();
    return s;
  };
  return box;
}

/** A datetime-local value (viewer's time) as RFC 3339, or undefined. */
function isoFromLocal(value) {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The form; `create(body)` posts it and resolves when done. */
export function sessionForm(create) {
  const title = h('input', { type: 'text', name: 'title', maxlength: 300, required: true });
  const summary = h('textarea', { name: 'abstract', rows: 3 });
  const track = h('input', { type: 'text', name: 'track', maxlength: 200 });
  const room = h('input', { type: 'text', name: 'room', maxlength: 200 });
  const startsAt = h('input', { type: 'datetime-local', name: 'starts_at' });
  const endsAt = h('input', { type: 'datetime-local', name: 'ends_at' });
  const streamUrl = h('input', { type: 'url', name: 'stream_url', placeholder: 'https://www.youtube.com/watch?v=…' });
  const disclosures = h('textarea', { name: 'disclosures', rows: 2 });
  const moderation = h('select', { name: 'moderation' },
    h('option', { value: 'post', text: 'Post-moderation: questions appear at once' }),
    h('option', { value: 'pre', text: 'Pre-moderation: approve questions first' }));
  const speakersBox = h('div', { class: 'speakers-box' });
  const speakers = [];
  const redraw = () => replace(speakersBox, speakers);
  const addSpeaker = () => {
    const box = speakerFields(speakers.length, () => {
      speakers.splice(speakers.indexOf(box), 1);
      redraw();
    });
    speakers.push(box);
    redraw();
    return box;
  };
  addSpeaker();
  const more = h('button', { type: 'button', text: 'Add another speaker' });
  more.addEventListener('click', () => addSpeaker().querySelector('input').focus());
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Create session' });
  const form = h('form', { class: 'session-form card' },
    h('h3', { text: 'New session' }),
    field('Title', title).wrap,
    field('Abstract (Markdown)', summary).wrap,
    speakersBox, more,
    h('div', { class: 'row' }, field('Track', track).wrap, field('Room', room).wrap),
    h('div', { class: 'row' }, field('Starts', startsAt).wrap, field('Ends', endsAt).wrap),
    field('Stream URL', streamUrl, 'A YouTube or Vimeo link, any https embed page, or a direct .mp4 / .m3u8 file.').wrap,
    field('Session disclosures', disclosures, 'Sponsorship or conflicts that concern the whole session.').wrap,
    field('Question moderation', moderation).wrap,
    h('div', { class: 'actions' }, submit, status));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!title.value.trim()) {
      status.set('A session needs a title.', 'error');
      title.focus();
      return;
    }
    const body = {
      title: title.value.trim(),
      abstract: summary.value.trim(),
      speakers: speakers.map((s) => s.read()).filter(Boolean),
      track: track.value.trim(),
      room: room.value.trim(),
      disclosures: disclosures.value.trim(),
      moderation: moderation.value,
    };
    if (streamUrl.value.trim()) body.stream_url = streamUrl.value.trim();
    const starts = isoFromLocal(startsAt.value);
    const ends = isoFromLocal(endsAt.value);
    if (starts) body.starts_at = starts;
    if (ends) body.ends_at = ends;
    submit.disabled = true;
    status.set('Creating…');
    try {
      const made = await create(body);
      status.set(`Created “${made.title}”.`, 'ok');
      for (const input of form.querySelectorAll('input, textarea')) input.value = '';
      speakers.splice(1);
      redraw();
    } catch (err) {
      status.set(err.message, 'error');
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
