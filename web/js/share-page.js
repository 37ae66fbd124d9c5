// The share bar of the server-rendered public pages (permalinks, speaker
// pages, archive session pages; see server/src/share/meta.rs). The page
// works without it: the link is selectable and the LinkedIn, X and Bluesky
// intents are plain links. This script adds what needs a script: copying
// the link, the device's share sheet (Web Share API) and Mastodon with the
// server the visitor types (remembered in this browser).

import { mastodonHost, mastodonIntent, savedInstance, saveInstance } from './parts/intents.js';

async function copy(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}

function wire(bar) {
  const url = bar.dataset.shareUrl;
  const text = bar.dataset.shareText || document.title;
  const status = bar.querySelector('.share-status');
  const say = (message) => {
    if (status) status.textContent = message;
  };
  const link = bar.querySelector('.share-link');
  const copyButton = bar.querySelector('.share-copy');
  if (copyButton && link) {
    copyButton.hidden = false;
    copyButton.addEventListener('click', async () => {
      say((await copy(url, link)) ? 'Link copied.' : 'Press Ctrl+C (⌘C) to copy the selected link.');
    });
  }
  const native = bar.querySelector('.share-native');
  if (native && typeof navigator.share === 'function') {
    native.hidden = false;
    native.addEventListener('click', async () => {
      try {
        await navigator.share({ title: text, text, url });
      } catch (err) {
        if (err && err.name !== 'AbortError') say('This device could not share it: copy the link instead.');
      }
    });
  }
  const form = bar.querySelector('.share-mastodon');
  if (form) {
    const input = form.elements.instance;
    input.value = savedInstance();
    form.hidden = false;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const host = mastodonHost(input.value);
      if (!host) {
        say('Type your Mastodon server, like mastodon.social.');
        input.focus();
        return;
      }
      saveInstance(host);
      input.value = host;
      window.open(mastodonIntent(host, url, text), '_blank', 'noopener,noreferrer');
      say(`Opened ${host} in a new tab.`);
    });
  }
}

for (const bar of document.querySelectorAll('.share[data-share-url]')) wire(bar);
