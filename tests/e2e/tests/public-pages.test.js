// The public pages of a published archive: a speaker opts their session in
// to a speaker page from the console (the page key is shown once, the page
// answers 404 until the archive is published, and opting out takes the
// session off); axe-core finds no violations on the permalink pages of a
// takeaway, an answered question and a closed poll, nor on the speaker page
// and the archive's session page; their share bars work without errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, openConsole, checkAxe } from '../lib/browser.js';

const s = scenario({}, async (s) => {
  const { env, session } = s;
  const api = env.server.api;
  const speaker = session.speaker_token;
  await api('POST', `/sessions/${session.id}/start`, speaker);
  s.note = (await api('POST', `/sessions/${session.id}/notes`, speaker, { body: 'Cancellation is **cooperative**: an `.await` is a yield point.', takeaway: true })).result;
  const a = await api('POST', '/join', null, { code: session.join_code, display_name: 'Ana' });
  s.question = (await api('POST', `/sessions/${session.id}/questions`, a.attendee_token, { body: 'Is tokio::select! fair?', anonymous: false })).result;
  await api('POST', `/sessions/${session.id}/questions/${s.question.id}/answer`, speaker, { answered: true, reply: 'Random by default; use `biased;` to choose.' });
  s.poll = (await api('POST', `/sessions/${session.id}/polls`, speaker, { kind: 'single_choice', question: 'Which runtime?', options: ['tokio', 'smol', 'glommio'], open: true })).result;
  await api('PUT', `/sessions/${session.id}/polls/${s.poll.id}/ballot`, a.attendee_token, { option: 0 });
  await api('POST', `/sessions/${session.id}/polls/${s.poll.id}/close`, speaker);
  await api('POST', `/sessions/${session.id}/end`, speaker);
});

test('a speaker opts in to a speaker page from the console, and out again', async () => {
  const { env, session, event } = s;
  const ctx = await env.context();
  const console = await openConsole(env, ctx, session);
  const panel = console.locator('section[aria-labelledby="speaker-page-h"]');
  assert.equal(await panel.getByLabel('Page address').inputValue(), 'ana-ferreira');
  await panel.getByLabel('Page address').fill('Not a slug!');
  await panel.getByRole('button', { name: 'Add this session to my page' }).click();
  await panel.getByText(/slug must be/).waitFor();
  await panel.getByLabel('Page address').fill('ana-ferreira');
  await panel.getByRole('button', { name: 'Add this session to my page' }).click();
  const url = `${env.server.url}/speakers/ana-ferreira`;
  const link = panel.getByRole('link', { name: url });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), url);
  assert.equal(await console.evaluate(() => document.activeElement.textContent), url);
  const key = await panel.getByLabel('Page key').inputValue();
  assert.ok(key.length >= 20, key);
  // The page waits for the archive.
  assert.equal((await fetch(url)).status, 404);
  await env.server.api('PUT', `/events/${event.id}/archive`, event.organizer_token, { published: true });
  assert.equal((await fetch(url)).status, 200);

  // After a reload the console still shows the page (the key is not shown again).
  await console.reload();
  await panel.getByRole('link', { name: url }).waitFor();
  assert.equal(await panel.getByLabel('Page key').count(), 0);
  await panel.getByRole('button', { name: 'Take this session off the page' }).click();
  await panel.getByText('This session is no longer on a speaker page.').waitFor();
  assert.equal((await fetch(url)).status, 404);
  // Back on, with the key the first answer gave (the slug is taken now).
  await panel.getByLabel('Page key (optional)').fill(key);
  await panel.getByRole('button', { name: 'Add this session to my page' }).click();
  await panel.getByRole('link', { name: url }).waitFor();
  assert.equal((await fetch(url)).status, 200);
  assert.deepEqual(env.errors(), []);
});

test('axe-core reports no violations on permalink, speaker and archive pages', async () => {
  const { env, session, event } = s;
  const api = env.server.api;
  await api('PUT', `/events/${event.id}/archive`, event.organizer_token, { published: true });
  await api('PUT', `/sessions/${session.id}/speaker-page`, session.speaker_token, { slug: 'ana-talks', speaker: 'Ana Ferreira' });
  const ctx = await env.context();
  const base = `/t/${event.id}/${session.id}`;
  const pages = {
    'takeaway permalink': `${base}/note/${s.note.id}`,
    'question permalink': `${base}/question/${s.question.id}`,
    'poll permalink': `${base}/poll/${s.poll.id}`,
    'speaker page': '/speakers/ana-talks',
    'archive session page': `/archive/${event.id}/${session.id}`,
  };
  for (const [name, path] of Object.entries(pages)) {
    const page = await env.open(ctx, path);
    const res = await page.reload();
    assert.equal(res.status(), 200, name);
    // share-page.js has run: the copy button and the Mastodon form are shown.
    await page.locator('section.share .share-copy').waitFor();
    await page.locator('section.share form.share-mastodon').waitFor();
    await checkAxe(page, name);
  }
  assert.deepEqual(env.errors(), []);
});
