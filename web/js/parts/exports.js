// Export buttons: the takeaways pack of a session or the highlights of an
// event, downloaded with the staff token (Markdown, JSON, CSV tables, HTML).

import { h, statusLine } from '../render.js';
import { download } from '../api.js';

const FORMATS = [
  ['md', 'Markdown'],
  ['json', 'JSON'],
  ['csv', 'CSV (zip)'],
  ['html', 'Print-ready HTML'],
];

/** A labelled group of export buttons for `path` (…/export). */
export function exportButtons(label, path, token) {
  const status = statusLine();
  const buttons = FORMATS.map(([format, name]) => {
    const b = h('button', { type: 'button', text: name });
    b.addEventListener('click', async () => {
      b.disabled = true;
      status.set('Preparing…');
      try {
        status.set(`Downloaded ${await download(`${path}?format=${format}`, token)}.`, 'ok');
      } catch (err) {
        status.set(err.message, 'error');
      } finally {
        b.disabled = false;
      }
    });
    return b;
  });
  return h('div', { class: 'exports', role: 'group', 'aria-label': label },
    h('span', { class: 'exports-label', text: `${label}:` }), h('div', { class: 'actions wrap' }, buttons), status);
}
