// Share intents, built like the server's (server/src/share/meta.rs), so the
// client's share menu and the public pages offer the same links: each only
// opens the platform's own compose page with the text filled in. Also the
// permalink of a shareable item, its share text, and the Mastodon instance
// the visitor typed (remembered in this browser). No page import: the
// public pages' script (share-page.js) uses this module too.

const MASTODON_KEY = 'backchannel.mastodon.instance';

/** The platforms' share intents for `url` with `text`: [{name, href}]. */
export function intents(url, text) {
  const u = encodeURIComponent(url);
  const t = encodeURIComponent(text);
  const both = encodeURIComponent(`${text} ${url}`);
  return [
    { name: 'LinkedIn', href: `https://www.linkedin.com/sharing/share-offsite/?url=${u}` },
    { name: 'X (Twitter)', href: `https://x.com/intent/tweet?text=${t}&url=${u}` },
    { name: 'Bluesky', href: `https://bsky.app/intent/compose?text=${both}` },
  ];
}

/**
 * The host of a Mastodon server as typed ("mastodon.social",
 * "https://fosstodon.org/", "@me@hachyderm.io"), or null if it is not one.
 */
export function mastodonHost(typed) {
  let text = String(typed || '').trim().toLowerCase();
  const handle = /^@?[^@\s/]+@([^@\s/]+)$/.exec(text);
  if (handle) text = handle[1];
  text = text.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/.test(text) ? text : null;
}

/** The compose page of a Mastodon server, with the text and link filled in. */
export function mastodonIntent(host, url, text) {
  return `https://${host}/share?text=${encodeURIComponent(`${text} ${url}`)}`;
}

/** The Mastodon server this browser used last ('' if none). */
export function savedInstance() {
  try {
    return localStorage.getItem(MASTODON_KEY) || '';
  } catch {
    return '';
  }
}

/** Remember the Mastodon server for next time. */
export function saveInstance(host) {
  try {
    localStorage.setItem(MASTODON_KEY, host);
  } catch {
    // No storage (private mode): the visitor types it again next time.
  }
}

/** The label above a shared item, as its page and card say it. */
export const KIND_LABEL = { note: 'Key takeaway', question: 'Answered question', poll: 'Poll result' };

/** The public page of a note, question or poll of a published archive. */
export function permalink(eventId, sessionId, kind, id) {
  const part = (s) => encodeURIComponent(s);
  return `${location.origin}/t/${part(eventId)}/${part(sessionId)}/${kind}/${part(id)}`;
}

/** At most `max` characters, cut at a word with an ellipsis (the server's `clip`). */
export function clip(text, max) {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  let kept = chars.slice(0, max - 1);
  // Counted in characters (code points), as the server counts them.
  const space = kept.lastIndexOf(' ');
  if (space > max / 2) kept = kept.slice(0, space);
  return `${kept.join('').trimEnd()}…`;
}

/** The share text of an item: its page's title ("Key takeaway: …"). */
export function shareText(kind, quote) {
  const flat = String(quote || '').replace(/\s+/g, ' ').trim();
  return clip(`${KIND_LABEL[kind]}: ${flat}`, 110);
}

/** The plain text of sanitized HTML (a note), without running or loading anything. */
export function plainText(html) {
  const doc = new DOMParser().parseFromString(`<body>${html || ''}</body>`, 'text/html');
  for (const block of doc.body.querySelectorAll('p, li, h1, h2, h3, h4, h5, h6, pre, blockquote, br')) block.append(' ');
  return (doc.body.textContent || '').replace(/\s+/g, ' ').trim();
}
