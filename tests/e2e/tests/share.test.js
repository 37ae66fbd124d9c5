// Sharing: the share menu appears on key takeaways, answered questions and
// closed polls only once the organizer publishes the archive; it offers the
// link to copy, the device's share sheet, and the LinkedIn, X, Bluesky and
// Mastodon intents with correctly encoded URLs (the same links as the
// server-rendered permalink page); it works by keyboard.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole } from '../lib/browser.js';

const NOTE = 'Ownership & borrowing: 100% "compile-time" #rust? café ☕';
const s = scenario({}, async (s) => {
  const { env, session, event } = s;
  const api = env.server.api;
  const speaker = session.speaker_token;
  await api('POST', `/sessions/${session.id}/start`, speaker);
  s.note = (await api('POST', `/sessions/${session.id}/notes`, speaker, { body: NOTE, takeaway: true })).result;
  await api('POST', `/sessions/${session.id}/notes`, speaker, { body: 'Just a note, not a takeaway' });
  const a = await api('POST', '/join', null, { code: session.join_code, display_name: 'Ana' });
  s.question = (await api('POST', `/sessions/${session.id}/questions`, a.attendee_token, { body: 'Is Pin<&mut T> ever "easy"?' })).result;
  await api('POST', `/sessions/${session.id}/questions`, a.attendee_token, { body: 'Not answered yet' });
  await api('POST', `/sessions/${session.id}/questions/${s.question.id}/answer`, speaker, { answered: true, reply: 'With *practice*.' });
  s.poll = (await api('POST', `/sessions/${session.id}/polls`, speaker, { kind: 'single_choice', question: 'Tabs or spaces?', options: ['Tabs', 'Spaces'], open: true })).result;
  await api('PUT', `/sessions/${session.id}/polls/${s.poll.id}/ballot`, a.attendee_token, { option: 1 });
  await api('POST', `/sessions/${session.id}/polls/${s.poll.id}/close`, speaker);
  s.publish = (published) => api('PUT', `/events/${event.id}/archive`, event.organizer_token, { published });
});

/** The hrefs of the intents in a share panel (or a page's share bar), by name. */
function hrefs(scope) {
  return scope.locator('a[data-intent]').evaluateAll((as) => Object.fromEntries(as.map((a) => [a.dataset.intent, a.getAttribute('href')])));
}

/** What each intent carries, decoded. */
function decoded(links) {
  const p = (href) => new URL(href);
  return {
    linkedin: [p(links.LinkedIn).origin + p(links.LinkedIn).pathname, p(links.LinkedIn).searchParams.get('url')],
    x: [p(links['X (Twitter)']).origin + p(links['X (Twitter)']).pathname, p(links['X (Twitter)']).searchParams.get('text'), p(links['X (Twitter)']).searchParams.get('url')],
    bluesky: [p(links.Bluesky).origin + p(links.Bluesky).pathname, p(links.Bluesky).searchParams.get('text')],
  };
}

test('nothing to share until the archive is published, then the menus appear live', async () => {
  const { env, session } = s;
  const page = await joinAs(env, await env.context(), session.join_code, 'Ben');
  await page.locator('li.note.takeaway').waitFor();
  await page.locator('li.question.answered').waitFor();
  await page.locator('.poll', { hasText: 'Tabs or spaces?' }).waitFor();
  assert.equal(await page.locator('.share-toggle').count(), 0);
  const res = await fetch(`${env.server.url}/t/${s.event.id}/${session.id}/note/${s.note.id}`);
  assert.equal(res.status, 404);
  // Publishing reaches the open page live (`event.updated`): no reload needed.
  await s.publish(true);
  await page.locator('li.note.takeaway').getByRole('button', { name: 'Share key takeaway' }).waitFor();
  await s.publish(false);
  await page.locator('.share-toggle').first().waitFor({ state: 'detached' });
  assert.equal(await page.locator('.share-toggle').count(), 0);
  assert.deepEqual(env.errors(), []);
});

test('the share menu offers the intents with correctly encoded URLs', async () => {
  const { env, session, event } = s;
  await s.publish(true);
  const ctx = await env.context();
  const page = await joinAs(env, ctx, session.join_code, 'Cy');
  const note = page.locator('li.note.takeaway');
  await note.getByRole('button', { name: 'Share key takeaway' }).click();
  const panel = note.locator('.share-panel');
  await panel.waitFor();
  assert.equal(await note.locator('.share-toggle').getAttribute('aria-expanded'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Copy link');

  const url = `${env.server.url}/t/${event.id}/${session.id}/note/${s.note.id}`;
  const text = `Key takeaway: ${NOTE}`;
  assert.equal(await panel.getByLabel('Link').inputValue(), url);
  const links = await hrefs(panel);
  assert.deepEqual(decoded(links), {
    linkedin: ['https://www.linkedin.com/sharing/share-offsite/', url],
    x: ['https://x.com/intent/tweet', text, url],
    bluesky: ['https://bsky.app/intent/compose', `${text} ${url}`],
  });
  // Encoded as encodeURIComponent does: nothing left raw that a URL would misread.
  assert.ok(links['X (Twitter)'].includes('%26%20borrowing%3A%20100%25%20%22compile-time%22%20%23rust%3F%20caf%C3%A9%20%E2%98%95'));
  for (const a of await panel.locator('a[data-intent]').all()) {
    assert.equal(await a.getAttribute('target'), '_blank');
    assert.match(await a.getAttribute('rel'), /noopener/);
  }

  // The permalink page (server-rendered) offers exactly the same links.
  const permalink = await env.open(ctx, url);
  assert.deepEqual(await hrefs(permalink.locator('section.share')), links);

  // Answered questions and closed polls have theirs.
  const question = page.locator('li.question.answered');
  await question.getByRole('button', { name: 'Share answered question' }).click();
  const qUrl = `${env.server.url}/t/${event.id}/${session.id}/question/${s.question.id}`;
  assert.deepEqual(decoded(await hrefs(question.locator('.share-panel'))).x,
    ['https://x.com/intent/tweet', 'Answered question: Is Pin<&mut T> ever "easy"?', qUrl]);
  assert.ok(await panel.isHidden(), 'opening one menu closes the other');
  const poll = page.locator('.poll', { hasText: 'Tabs or spaces?' });
  await poll.getByRole('button', { name: 'Share poll result' }).click();
  const pUrl = `${env.server.url}/t/${event.id}/${session.id}/poll/${s.poll.id}`;
  assert.deepEqual(decoded(await hrefs(poll.locator('.share-panel'))).linkedin, ['https://www.linkedin.com/sharing/share-offsite/', pUrl]);
  for (const target of [qUrl, pUrl]) assert.equal((await fetch(target)).status, 200);
  // Not shareable: a plain note, an unanswered question.
  assert.equal(await page.locator('li.note:not(.takeaway) .share-toggle').count(), 0);
  assert.equal(await page.locator('li.question:not(.answered) .share-toggle').count(), 0);
  assert.deepEqual(env.errors(), []);
});

test('copy, the share sheet, Mastodon with a remembered server, and the keyboard', async () => {
  const { env, session, event } = s;
  const ctx = await env.context();
  await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url });
  // Stand in for the device's share sheet (headless Chromium has none).
  await ctx.addInitScript(() => {
    navigator.share = async (data) => {
      window.shared = data;
    };
  });
  const page = await joinAs(env, ctx, session.join_code, 'Dee');
  const url = `${env.server.url}/t/${event.id}/${session.id}/note/${s.note.id}`;
  const note = page.locator('li.note.takeaway');
  const toggle = note.locator('.share-toggle');
  // Keyboard: Enter opens and focuses the first action, Escape closes and returns.
  await toggle.focus();
  await page.keyboard.press('Enter');
  const panel = note.locator('.share-panel');
  await panel.waitFor();
  await page.keyboard.press('Enter'); // "Copy link" has focus
  await panel.getByText('Link copied.').waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), url);
  await panel.getByRole('button', { name: 'Share…' }).click();
  await panel.getByText('Shared.').waitFor();
  assert.deepEqual(await page.evaluate(() => window.shared), { title: `Key takeaway: ${NOTE}`, text: `Key takeaway: ${NOTE}`, url });
  await page.keyboard.press('Escape');
  assert.ok(await panel.isHidden());
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.evaluate(() => document.activeElement.classList.contains('share-toggle')), true);

  // Mastodon: the server as typed (scheme, slash, any case) becomes its host.
  await toggle.click();
  const instance = panel.getByLabel('Your Mastodon server');
  await instance.fill('nonsense');
  await panel.getByRole('button', { name: 'Share on Mastodon' }).click();
  await panel.getByText('Type your Mastodon server').waitFor();
  await instance.fill('https://Fosstodon.org/');
  const opened = ctx.waitForEvent('page');
  await panel.getByRole('button', { name: 'Share on Mastodon' }).click();
  const tab = await opened;
  const target = new URL(tab.url());
  assert.equal(target.origin + target.pathname, 'https://fosstodon.org/share');
  assert.equal(target.searchParams.get('text'), `Key takeaway: ${NOTE} ${url}`);
  await tab.close();
  // Remembered: the next menu, and the public page, start with it.
  await page.reload();
  await page.locator('li.note.takeaway .share-toggle').click();
  assert.equal(await page.locator('li.note.takeaway').getByLabel('Your Mastodon server').inputValue(), 'fosstodon.org');
  const permalink = await env.open(ctx, url);
  assert.equal(await permalink.getByLabel('Your Mastodon server').inputValue(), 'fosstodon.org');
  await permalink.getByRole('button', { name: 'Copy link' }).click();
  await permalink.getByText('Link copied.').waitFor();
  assert.equal(await permalink.evaluate(() => navigator.clipboard.readText()), url);
  assert.ok(await permalink.getByRole('button', { name: 'Share…' }).isVisible());
  assert.deepEqual(env.errors(), []);
});

test('speakers share takeaways from the console; unpublishing takes the menus away', async () => {
  const { env, session } = s;
  const ctx = await env.context();
  const console = await openConsole(env, ctx, session);
  const note = console.locator('li.note.takeaway');
  await note.getByRole('button', { name: 'Share key takeaway' }).click();
  assert.equal(await note.getByLabel('Link').inputValue(), `${env.server.url}/t/${s.event.id}/${session.id}/note/${s.note.id}`);
  await s.publish(false);
  const page = await joinAs(env, ctx, session.join_code, 'Eve');
  await page.locator('li.note.takeaway').waitFor();
  assert.equal(await page.locator('.share-toggle').count(), 0);
  assert.deepEqual(env.errors(), []);
});
