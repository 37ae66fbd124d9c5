// A speaker posts notes; two attendees see them live, takeaways highlighted;
// edits and deletes follow; an attendee saves takeaways and downloads them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scenario, joinAs, openConsole } from '../lib/browser.js';

const s = scenario();

test('a note posted in the console appears on two attendee pages', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ana = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code);

  await speaker.getByLabel('New note (Markdown)').fill('Ownership is a **compile-time** thing');
  await speaker.getByRole('button', { name: 'Post note' }).click();
  await speaker.getByLabel('New note (Markdown)').fill('Key point: `Send` + `Sync`');
  await speaker.getByLabel('Key takeaway').check();
  await speaker.getByRole('button', { name: 'Post note' }).click();

  for (const page of [ana, ben]) {
    const notes = page.locator('ol.notes > li');
    await notes.nth(1).waitFor();
    assert.equal(await notes.count(), 2);
    assert.match(await notes.nth(0).innerText(), /Ownership is a compile-time thing/);
    assert.equal(await notes.nth(0).locator('strong').innerText(), 'compile-time');
    assert.ok(await notes.nth(1).evaluate((el) => el.classList.contains('takeaway')));
    assert.match(await notes.nth(1).innerText(), /Key takeaway/);
  }
  // The new note was announced to screen readers.
  assert.match(await ana.locator('#announce-polite').innerText(), /New note: Key point/);

  // An edit and a delete follow live.
  const first = speaker.locator('ol.notes > li').filter({ hasText: 'Ownership' });
  await first.getByRole('button', { name: 'Edit' }).click();
  await speaker.getByLabel('Edit note (Markdown)').fill('Ownership is checked at **compile time**');
  await speaker.getByRole('button', { name: 'Save', exact: true }).click();
  await ana.locator('ol.notes').getByText('Ownership is checked at').waitFor();
  const second = speaker.locator('ol.notes > li').filter({ hasText: 'Key point' });
  await second.getByRole('button', { name: 'Delete' }).click();
  await second.getByRole('button', { name: 'Confirm delete' }).click();
  await ben.locator('ol.notes > li').nth(1).waitFor({ state: 'detached' });
  assert.equal(await ben.locator('ol.notes > li').count(), 1);
  assert.deepEqual(s.env.errors(), []);
});

test('an attendee stars notes and downloads them as Markdown', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ctx = await s.env.context();
  const ana = await joinAs(s.env, ctx, s.session.join_code, 'Ana');
  await speaker.getByLabel('New note (Markdown)').fill('Use `tokio::select!` for cancellation');
  await speaker.getByRole('button', { name: 'Post note' }).click();
  const note = ana.locator('ol.notes > li').filter({ hasText: 'cancellation' });
  await note.getByRole('button', { name: 'Save to my takeaways' }).click();
  await ana.locator('.takeaway-list li').first().waitFor();
  await ana.waitForFunction(() => window.backchannel.stream.queued === 0);

  // Kept across a reload (localStorage).
  await ana.reload();
  await ana.locator('.takeaway-list li').first().waitFor();
  const [download] = await Promise.all([
    ana.waitForEvent('download'),
    ana.getByRole('button', { name: 'Download as Markdown' }).click(),
  ]);
  const text = readFileSync(await download.path(), 'utf8');
  // The star also reached the server's takeaways pack.
  const token = await ana.evaluate((id) => localStorage.getItem(`backchannel.attendee.${id}`), s.session.id);
  const noteId = (await s.env.server.api('GET', `/sessions/${s.session.id}/snapshot`, token)).notes
    .find((n) => n.body.includes('cancellation')).id;
  const stars = await s.env.server.api('GET', `/sessions/${s.session.id}/me/stars`, token);
  assert.deepEqual(stars.map((x) => [x.kind, x.id]), [['note', noteId]]);
  assert.match(download.suggestedFilename(), /^takeaways-async-rust-in-practice\.md$/);
  assert.match(text, /^# My takeaways: Async Rust in practice/);
  assert.match(text, /- Use `tokio::select!` for cancellation/);
  assert.deepEqual(s.env.errors(), []);
});
