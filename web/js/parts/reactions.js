// Emoji reactions: the attendee's buttons, the meters of the console and the
// projector, and a short float animation when the totals grow.

import { h } from '../render.js';

export const EMOJI = [
  ['👏', 'Applause'],
  ['❤️', 'Love'],
  ['😂', 'Laughing'],
  ['😮', 'Surprised'],
  ['🤔', 'Thinking'],
  ['🎉', 'Celebrate'],
  ['👍', 'Thumbs up'],
  ['🔥', 'Fire'],
];

/** Float an emoji up from `host` (skipped when the user prefers less motion). */
function float(host, emoji) {
  if (window.matchMedia('(prefers-reduced-motion: reduce)').matches) return;
  if (host.querySelectorAll('.float').length > 12) return;
  const el = h('span', { class: 'float', 'aria-hidden': 'true', text: emoji });
  el.style.left = `${10 + Math.random() * 80}%`;
  host.append(el);
  el.addEventListener('animationend', () => el.remove());
  setTimeout(() => el.remove(), 3000);
}

/**
 * Reaction totals that follow the state. With `send`, each emoji is a button
 * that sends a reaction; without, a read-only meter.
 */
export function reactionBar(state, send) {
  const counts = new Map();
  const floats = h('div', { class: 'floats', 'aria-hidden': 'true' });
  const items = EMOJI.map(([emoji, name]) => {
    const count = h('span', { class: 'count', text: '0' });
    counts.set(emoji, count);
    if (!send) {
      return h('li', { class: 'meter' }, h('span', { class: 'emoji', 'aria-hidden': 'true', text: emoji }),
        h('span', { class: 'visually-hidden', text: `${name}: ` }), count);
    }
    const button = h('button', { type: 'button', class: 'react', title: `React with ${name}` },
      h('span', { class: 'emoji', 'aria-hidden': 'true', text: emoji }),
      h('span', { class: 'visually-hidden', text: `React with ${name}, total ` }), count);
    button.addEventListener('click', () => {
      float(floats, emoji);
      send(emoji).catch(() => {});
    });
    return h('li', {}, button);
  });
  let last = { ...state.reactions };
  const show = () => {
    for (const [emoji, el] of counts) {
      const n = state.reactions[emoji] || 0;
      el.textContent = String(n);
      if (!send && n > (last[emoji] || 0)) float(floats, emoji);
    }
    last = { ...state.reactions };
  };
  state.addEventListener('change', (e) => e.detail.parts.has('reactions') && show());
  show();
  const wrap = h('div', { class: 'reactions' }, h('ul', { class: 'plain reaction-list' }, items), floats);
  return wrap;
}

/** Total reactions, for compact meters. */
export function reactionTotal(reactions) {
  return Object.values(reactions || {}).reduce((a, b) => a + b, 0);
}
