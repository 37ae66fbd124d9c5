// Flagging, the moderators' side: the console's list of open flags (from
// the snapshot's `flags`, then live `flag.raised` / `flag.resolved`),
// grouped by the flagged question or note, with the reasons and the
// attendees' words; "Keep" dismisses every flag on the item, "Remove"
// hides the question or deletes the note.

import { h, replace, syncList, statusLine, clock, announce, excerpt } from '../render.js';
import { REASON_LABEL } from './flags.js';
import { run } from './moderation.js';

/** Open flags grouped by target, oldest first: [{key, kind, id, flags}]. */
function groups(state) {
  const byTarget = new Map();
  const open = [...state.flags.values()].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  for (const f of open) {
    const key = `${f.target_kind}:${f.target_id}`;
    if (!byTarget.has(key)) byTarget.set(key, { key, kind: f.target_kind, id: f.target_id, flags: [] });
    byTarget.get(key).flags.push(f);
  }
  return [...byTarget.values()];
}

/** The item's current text (it may have been edited since), else the excerpt. */
function currentText(state, group) {
  const item = group.kind === 'question' ? state.questions.get(group.id) : state.notes.get(group.id);
  return (item && item.body) || group.flags[0].excerpt;
}

let serial = 0;

function flagCard(state, stream) {
  serial += 1;
  const what = h('p', { class: 'eyebrow', id: `flag-what-${serial}` });
  const body = h('p', { class: 'q-body', id: `flag-body-${serial}` });
  const reasons = h('ul', { class: 'plain flag-reasons' });
  const status = statusLine();
  // Which item a button acts on, for screen readers: the card's label and text.
  const describedby = `${what.id} ${body.id}`;
  const keep = h('button', { type: 'button', 'aria-describedby': describedby, text: 'Keep it (dismiss)' });
  const remove = h('button', { type: 'button', class: 'danger', 'aria-describedby': describedby });
  const li = h('li', { class: 'card flag-card' }, what, body, reasons, h('div', { class: 'actions wrap' }, keep, remove), status);
  let group;
  let busy = false; // not `disabled`: that would take focus away from the button
  const resolve = async (action) => {
    if (busy) return;
    busy = true;
    status.set('Resolving…');
    await run(stream, status, 'flag.resolve', { flag_id: group.flags[0].id, action });
    busy = false;
  };
  keep.addEventListener('click', () => resolve('dismiss'));
  remove.addEventListener('click', () => resolve('remove'));
  li.update = (g) => {
    group = g;
    const n = g.flags.length;
    what.textContent = `Flagged ${g.kind} · ${n} ${n === 1 ? 'report' : 'reports'}`;
    body.textContent = currentText(state, g);
    replace(reasons, g.flags.map((f) => h('li', {},
      h('strong', { text: REASON_LABEL[f.reason] || f.reason }),
      ` · ${clock(f.created_at)}`,
      f.detail ? h('span', { class: 'flag-detail', text: ` · “${f.detail}”` }) : null)));
    remove.textContent = g.kind === 'question' ? 'Hide question' : 'Delete note';
  };
  return li;
}

/** The console's "Flags" section. */
export function flagQueue(state, stream) {
  const list = h('ul', { class: 'plain flags' });
  const count = h('span', { class: 'count-badge' });
  const empty = h('p', { class: 'muted', text: 'Nothing flagged.' });
  const heading = h('h2', { id: 'flags-h', tabindex: '-1' }, 'Flags ', count);
  const show = () => {
    const items = groups(state);
    const hadFocus = list.contains(document.activeElement);
    syncList(list, items, (g) => g.key, () => flagCard(state, stream));
    // A resolved card takes its buttons with it: keep focus in the section.
    if (hadFocus && !list.contains(document.activeElement)) heading.focus();
    count.textContent = String(state.flags.size);
    empty.hidden = items.length > 0;
  };
  state.addEventListener('change', (e) => {
    const p = e.detail.parts;
    if (p.has('flags') || p.has('questions') || p.has('notes')) show();
  });
  state.addEventListener('news', (e) => {
    if (e.detail.kind === 'flag') announce(`New flag on a ${e.detail.item.target_kind}: ${excerpt(e.detail.item.excerpt)}`);
  });
  show();
  return h('section', { class: 'panel flag-queue', 'aria-labelledby': 'flags-h' }, heading, empty, list);
}
