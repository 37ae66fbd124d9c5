// Connection resilience: an attendee goes offline, misses notes, comes back
// and sees them all in order; a question typed while offline is sent once.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole, live } from '../lib/browser.js';

const s = scenario();

test('offline attendee catches up in order and sends a queued question once', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ctx = await s.env.context();
  const ana = await joinAs(s.env, ctx, s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code);

  const post = async (text) => {
    await speaker.getByLabel('New note (Markdown)').fill(text);
    await speaker.getByRole('button', { name: 'Post note' }).click();
    await speaker.locator('ol.notes > li', { hasText: text }).waitFor();
  };
  await post('Note 1');
  await ana.locator('ol.notes > li', { hasText: 'Note 1' }).waitFor();

  await ctx.setOffline(true);
  await ana.locator('.conn[data-state="offline"]').waitFor();
  assert.match(await ana.locator('.conn').innerText(), /Offline/);

  for (let i = 2; i <= 6; i += 1) await post(`Note ${i}`);
  await ben.locator('ol.notes > li', { hasText: 'Note 6' }).waitFor();
  // Ana is offline: she has not seen them.
  assert.equal(await ana.locator('ol.notes > li').count(), 1);

  // A question typed while offline waits in the queue.
  await ana.getByLabel('Your question').fill('Typed while offline');
  await ana.getByRole('button', { name: 'Ask', exact: true }).click();
  await ana.getByText('You are offline: your question will be sent when you are back.').waitFor();
  assert.match(await ana.locator('.conn').innerText(), /1 waiting to send/);

  await ctx.setOffline(false);
  await live(ana);
  await ana.locator('ol.notes > li', { hasText: 'Note 6' }).waitFor();
  const notes = await ana.locator('ol.notes > li .md').allInnerTexts();
  assert.deepEqual(notes.map((t) => t.trim()), ['Note 1', 'Note 2', 'Note 3', 'Note 4', 'Note 5', 'Note 6']);

  // The queued question arrives exactly once, for everyone.
  await ben.locator('ul.questions > li', { hasText: 'Typed while offline' }).waitFor();
  await ana.getByText('Your question is posted.').waitFor();
  const staff = speaker.locator('ul.questions > li', { hasText: 'Typed while offline' });
  await staff.waitFor();
  await ana.waitForTimeout(500);
  assert.equal(await staff.count(), 1);
  assert.equal(await ben.locator('ul.questions > li', { hasText: 'Typed while offline' }).count(), 1);
  assert.equal(await ana.locator('ul.questions > li', { hasText: 'Typed while offline' }).count(), 1);
  const over = await s.env.server.api('GET', `/sessions/${s.session.id}/snapshot`, s.session.speaker_token);
  assert.equal(over.questions.filter((q) => q.body === 'Typed while offline').length, 1);
  assert.deepEqual(s.env.errors(), []);
});

test('a reload keeps the attendee and shows the same state', async () => {
  const ctx = await s.env.context();
  const ana = await joinAs(s.env, ctx, s.session.join_code, 'Ana');
  const count = await ana.locator('ol.notes > li').count();
  await ana.reload();
  await live(ana);
  await ana.locator('ol.notes > li').nth(count - 1).waitFor();
  assert.equal(await ana.locator('ol.notes > li').count(), count);
  // A dropped socket reconnects by itself and resumes.
  await ana.evaluate(() => window.backchannel.stream.ws.close());
  await s.env.server.api('POST', `/sessions/${s.session.id}/notes`, s.session.speaker_token, { body: 'After the drop' });
  await ana.locator('ol.notes > li', { hasText: 'After the drop' }).waitFor();
  assert.equal(await ana.locator('ol.notes > li').count(), count + 1);
  assert.deepEqual(s.env.errors(), []);
});

test('a server restart: the page reconnects by itself and resumes', async () => {
  const { env, session } = s;
  const ana = await joinAs(env, await env.context(), session.join_code, 'Ana');
  const before = await ana.locator('ol.notes > li').count();
  await env.server.restart();
  await env.server.api('POST', `/sessions/${session.id}/notes`, session.speaker_token, { body: 'After the restart' });
  await ana.locator('ol.notes > li', { hasText: 'After the restart' }).waitFor({ timeout: 20000 });
  assert.equal(await ana.locator('ol.notes > li').count(), before + 1);
  await live(ana);
  assert.deepEqual(env.errors(), []);
});

test('stream URLs become the right player', async () => {
  const { env } = s;
  const page = await env.open(await env.context(), '/');
  const got = await page.evaluate(async () => {
    const { embedFor } = await import('/js/parts/embed.js');
    return [
      'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42',
      'https://youtu.be/dQw4w9WgXcQ',
      'https://www.youtube.com/live/dQw4w9WgXcQ',
      'https://vimeo.com/76979871',
      'https://cdn.example.com/talk.mp4',
      'https://cdn.example.com/live/index.m3u8?token=1',
      'https://player.twitch.tv/?channel=rustconf&parent=example.com',
      'http://insecure.example.com/stream',
      'javascript:alert(1)',
    ].map((url) => embedFor(url));
  });
  assert.deepEqual(got, [
    { kind: 'iframe', src: 'https://www.youtube.com/embed/dQw4w9WgXcQ' },
    { kind: 'iframe', src: 'https://www.youtube.com/embed/dQw4w9WgXcQ' },
    { kind: 'iframe', src: 'https://www.youtube.com/embed/dQw4w9WgXcQ' },
    { kind: 'iframe', src: 'https://player.vimeo.com/video/76979871' },
    { kind: 'video', src: 'https://cdn.example.com/talk.mp4' },
    { kind: 'video', src: 'https://cdn.example.com/live/index.m3u8?token=1' },
    { kind: 'iframe', src: 'https://player.twitch.tv/?channel=rustconf&parent=example.com' },
    { kind: 'link', src: 'http://insecure.example.com/stream' },
    null,
  ]);
});
