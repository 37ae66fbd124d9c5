// "My takeaways": notes and answered questions an attendee starred, kept in
// localStorage per session and downloadable as Markdown.

import { h, syncList, statusLine } from '../render.js';
import { store, saveBlob } from '../api.js';

export class Takeaways extends EventTarget {
  /** `sync(kind, id, starred)`, if given, also saves each star on the server (best effort). */
  constructor(sessionId, sync = null) {
    super();
    this.key = `takeaways.${sessionId}`;
    this.items = store.read(this.key, []);
    this.sync = sync;
  }

  has(kind, id) {
    return this.items.some((t) => t.kind === kind && t.id === id);
  }

  /** Star or unstar; `entry` is {title, text} captured when starred. */
  toggle(kind, id, entry) {
    if (this.has(kind, id)) this.items = this.items.filter((t) => !(t.kind === kind && t.id === id));
    else this.items.push({ kind, id, ...entry, saved_at: new Date().toISOString() });
    store.write(this.key, this.items);
    this.dispatchEvent(new Event('change'));
    const starred = this.has(kind, id);
    if (this.sync) this.sync(kind, id, starred);
    return starred;
  }

  /** Keep a starred item's text current when it is edited or answered. */
  refresh(kind, id, entry) {
    const item = this.items.find((t) => t.kind === kind && t.id === id);
    if (!item || (item.text === entry.text && item.title === entry.title)) return;
    Object.assign(item, entry);
    store.write(this.key, this.items);
    this.dispatchEvent(new Event('change'));
  }

  /** The takeaways as a Markdown document. */
  markdown(session, eventName) {
    const lines = [`# My takeaways: ${session.title}`, ''];
    if (eventName) lines.push(`${eventName}${session.track ? ` · ${session.track}` : ''}`, '');
    const speakers = (session.speakers || []).map((s) => s.name).join(', ');
    if (speakers) lines.push(`Speakers: ${speakers}`, '');
    const notes = this.items.filter((t) => t.kind === 'note');
    const questions = this.items.filter((t) => t.kind === 'question');
    if (notes.length) {
      lines.push('## Notes', '');
      for (const n of notes) lines.push(`- ${n.text.replace(/\n+/g, '\n  ')}`);
      lines.push('');
    }
    if (questions.length) {
      lines.push('## Questions and answers', '');
      for (const q of questions) {
        lines.push(`### ${q.title.replace(/\n+/g, ' ')}`, '', q.text || '_Answered live._', '');
      }
    }
    return `${lines.join('\n').trim()}\n`;
  }
}

/** A star toggle button for a note or question. */
export function starButton(takeaways, kind, id, entry) {
  const button = h('button', { type: 'button', class: 'star' });
  const show = () => {
    const on = takeaways.has(kind, id);
    button.setAttribute('aria-pressed', String(on));
    button.textContent = on ? '★ Saved' : '☆ Save';
    button.setAttribute('aria-label', on ? 'Remove from my takeaways' : 'Save to my takeaways');
  };
  button.addEventListener('click', () => {
    takeaways.toggle(kind, id, button.entry());
    show();
  });
  button.entry = () => entry;
  button.setEntry = (next) => {
    button.entry = () => next;
    takeaways.refresh(kind, id, next);
  };
  takeaways.addEventListener('change', show);
  show();
  return button;
}

/** The "My takeaways" panel with its download button. */
export function takeawaysPanel(takeaways, getSession, getEventName) {
  const list = h('ul', { class: 'takeaway-list plain' });
  const empty = h('p', { class: 'muted', text: 'Star notes and answered questions to collect them here.' });
  const status = statusLine();
  const download = h('button', { type: 'button', text: 'Download as Markdown' });
  download.addEventListener('click', () => {
    const session = getSession();
    const blob = new Blob([takeaways.markdown(session, getEventName())], { type: 'text/markdown;charset=utf-8' });
    const slug = session.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'session';
    saveBlob(blob, `takeaways-${slug}.md`);
    status.set('Downloaded.', 'ok');
  });
  const make = () => {
    const title = h('p', { class: 'takeaway-title' });
    const text = h('p', { class: 'takeaway-text' });
    const li = h('li', { class: 'takeaway' }, title, text);
    li.update = (t) => {
      title.textContent = t.kind === 'note' ? 'Note' : t.title;
      text.textContent = t.text;
    };
    return li;
  };
  const show = () => {
    syncList(list, takeaways.items, (t) => `${t.kind}:${t.id}`, make);
    empty.hidden = takeaways.items.length > 0;
    download.disabled = takeaways.items.length === 0;
  };
  takeaways.addEventListener('change', show);
  show();
  return h('section', { class: 'panel', 'aria-labelledby': 'takeaways-h' },
    h('h2', { id: 'takeaways-h', text: 'My takeaways' }), empty, list, h('div', { class: 'actions' }, download, status));
}
