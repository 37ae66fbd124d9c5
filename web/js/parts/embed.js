// The talk's stream: YouTube and Vimeo pages become their embed players, other
// https pages an iframe, and direct media files (.mp4, .webm, .m3u8) a <video>.

import { h } from '../render.js';

const MEDIA = /\.(mp4|webm|m3u8|ogv|mov)(\?|#|$)/i;

/** Where and how to show a stream URL: {kind: 'iframe'|'video'|'link', src}. */
export function embedFor(raw) {
  let url;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (MEDIA.test(url.pathname)) return { kind: 'video', src: url.href };
  const host = url.hostname.replace(/^(www\.|m\.)/, '');
  let id = null;
  if (host === 'youtube.com' || host === 'youtube-nocookie.com') {
    if (url.pathname === '/watch') id = url.searchParams.get('v');
    else id = (/^\/(?:embed|live|shorts|v)\/([\w-]{6,})/.exec(url.pathname) || [])[1];
  } else if (host === 'youtu.be') {
    id = (/^\/([\w-]{6,})/.exec(url.pathname) || [])[1];
  }
  if (id) return { kind: 'iframe', src: `https://www.youtube.com/embed/${encodeURIComponent(id)}` };
  if (host === 'vimeo.com') {
    const vid = (/^\/(?:channels\/[\w-]+\/|video\/)?(\d+)/.exec(url.pathname) || [])[1];
    if (vid) return { kind: 'iframe', src: `https://player.vimeo.com/video/${vid}` };
  }
  // The CSP frames only https pages; plain http gets a link.
  if (url.protocol === 'http:') return { kind: 'link', src: url.href };
  return { kind: 'iframe', src: url.href };
}

/** The stream element for a session (or a placeholder when it has none). */
export function streamEmbed(session) {
  const target = session.stream_url ? embedFor(session.stream_url) : null;
  const title = `Live stream: ${session.title}`;
  let player;
  if (!target) {
    player = h('p', { class: 'no-stream', text: 'This session has no stream link. Follow along with the notes.' });
  } else if (target.kind === 'video') {
    player = h('video', { src: target.src, controls: true, playsinline: true, preload: 'metadata', title, 'aria-label': title });
  } else if (target.kind === 'iframe') {
    player = h('iframe', {
      src: target.src,
      title,
      allow: 'autoplay; encrypted-media; fullscreen; picture-in-picture',
      allowfullscreen: true,
      referrerpolicy: 'strict-origin-when-cross-origin',
      loading: 'lazy',
    });
  } else {
    player = h('p', { class: 'no-stream' }, 'Watch the stream: ',
      h('a', { href: target.src, rel: 'noopener noreferrer', target: '_blank', text: target.src }));
  }
  return h('div', { class: 'player' }, player);
}
