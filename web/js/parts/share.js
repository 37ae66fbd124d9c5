// The share menu of a published item (a key takeaway, an answered question,
// a closed poll): a disclosure button that opens a panel with the link to
// copy, the device's own share sheet (Web Share API, where the browser has
// it), the LinkedIn, X and Bluesky intents as plain links, and Mastodon with
// the server the visitor types. Nothing is posted for anyone and no
// third-party script is loaded: every choice opens the platform's own page.

import { h, copyText, statusLine } from '../render.js';
import { intents, mastodonHost, mastodonIntent, savedInstance, saveInstance, permalink, shareText, KIND_LABEL } from './intents.js';

let serial = 0;

/** Close whichever share panel is open (one at a time). */
let closeOpen = null;

function mastodonForm(url, text, status) {
  const id = `share-m-${serial}`;
  const input = h('input', {
    id, type: 'text', name: 'instance', inputmode: 'url', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'mastodon.social', value: savedInstance(),
  });
  const form = h('form', { class: 'share-mastodon' },
    h('label', { for: id, text: 'Your Mastodon server' }),
    h('div', { class: 'share-row' }, input, h('button', { type: 'submit', text: 'Share on Mastodon' })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const host = mastodonHost(input.value);
    if (!host) {
      status.set('Type your Mastodon server, like mastodon.social.', 'error');
      input.focus();
      return;
    }
    saveInstance(host);
    input.value = host;
    window.open(mastodonIntent(host, url, text), '_blank', 'noopener,noreferrer');
    status.set(`Opened ${host} in a new tab.`, 'ok');
  });
  return form;
}

/**
 * A share button and its panel for `url` with `text`; `label` names what is
 * shared (for the button's accessible name).
 */
export function shareMenu(url, text, label) {
  serial += 1;
  const panelId = `share-panel-${serial}`;
  const button = h('button', {
    type: 'button', class: 'share-toggle', 'aria-expanded': 'false', 'aria-controls': panelId,
    'aria-label': `Share ${label}`,
  }, h('span', { 'aria-hidden': 'true', text: '↗ ' }), 'Share');
  const status = statusLine();
  const linkId = `share-link-${serial}`;
  const link = h('input', { id: linkId, class: 'share-link', type: 'text', readonly: true, value: url });
  const copy = h('button', { type: 'button', class: 'share-copy', text: 'Copy link' });
  copy.addEventListener('click', async () => {
    status.set((await copyText(url, link)) ? 'Link copied.' : 'Press Ctrl+C (⌘C) to copy the selected link.', 'ok');
  });
  let native = null;
  if (typeof navigator.share === 'function') {
    native = h('button', { type: 'button', class: 'share-native', text: 'Share…' });
    native.addEventListener('click', async () => {
      try {
        await navigator.share({ title: text, text, url });
        status.set('Shared.', 'ok');
      } catch (err) {
        if (err && err.name !== 'AbortError') status.set('This device could not share it: copy the link instead.', 'error');
      }
    });
  }
  const links = intents(url, text).map(({ name, href }) => h('li', {},
    h('a', { href, target: '_blank', rel: 'noopener noreferrer', 'data-intent': name }, `Share on ${name}`,
      h('span', { class: 'visually-hidden', text: ' (opens in a new tab)' }))));
  const panel = h('div', { id: panelId, class: 'share-panel', role: 'group', 'aria-label': `Share ${label}`, hidden: true },
    h('label', { for: linkId, class: 'share-label', text: 'Link' }),
    h('div', { class: 'share-row' }, link, copy, native),
    h('ul', { class: 'plain share-intents' }, links),
    mastodonForm(url, text, status),
    h('p', { class: 'hint', text: 'Each choice opens that site\'s own page to write a post: nothing is posted for you.' }),
    status);
  const wrap = h('div', { class: 'share' }, button, panel);

  const close = (returnFocus) => {
    if (panel.hidden) return;
    panel.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (closeOpen === close) closeOpen = null;
    document.removeEventListener('pointerdown', outside, true);
    if (returnFocus) button.focus();
  };
  const outside = (e) => {
    if (!wrap.contains(e.target)) close(false);
  };
  const open = () => {
    if (closeOpen) closeOpen(false);
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    closeOpen = close;
    document.addEventListener('pointerdown', outside, true);
    status.set('');
    copy.focus();
  };
  button.addEventListener('click', () => (panel.hidden ? open() : close(true)));
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      e.stopPropagation();
      close(true);
    }
  });
  wrap.addEventListener('focusout', (e) => {
    if (e.relatedTarget && !wrap.contains(e.relatedTarget)) close(false);
  });
  return wrap;
}

/**
 * A slot for the share menu of one item, filled only while the event's
 * archive is published and the item is shareable (before that its page is
 * 404). `update(id, shareable, quote)` keeps the menu (and focus) when
 * nothing it shows changed.
 */
export function shareSlot(state, kind) {
  const slot = h('div', { class: 'share-slot' });
  let shown = null;
  slot.update = (id, shareable, quote) => {
    const published = Boolean(state.event && state.event.archive_published);
    const text = shareable && published ? shareText(kind, quote) : null;
    if (`${id}|${text}` === shown) return;
    shown = `${id}|${text}`;
    slot.replaceChildren();
    if (text) {
      const url = permalink(state.event.id, state.session.id, kind, id);
      slot.append(shareMenu(url, text, KIND_LABEL[kind].toLowerCase()));
    }
  };
  return slot;
}
