// Flags: an attendee flags a question or a note with a reason; it shows as
// flagged for them (also after a reload); the moderators see it live in the
// console (and from the snapshot when they open it later) and resolve it:
// "Hide question" takes the question away from every attendee, "Keep it"
// leaves the note in place. Only moderators ever see flags.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole } from '../lib/browser.js';

const s = scenario({}, async ({ env, session }) => {
  const api = env.server.api;
  await api('POST', `/sessions/${session.id}/start`, session.speaker_token);
  await api('POST', `/sessions/${session.id}/notes`, session.speaker_token, { body: 'Slides are at the usual place' });
});

test('a flagged question goes from attendee to moderator, and "Hide question" removes it for everyone', async () => {
  const { env, session } = s;
  const asker = await joinAs(env, await env.context(), session.join_code, 'Ana');
  const flagger = await joinAs(env, await env.context(), session.join_code, 'Ben');
  const console = await openConsole(env, await env.context(), session);
  const queue = console.locator('section.flag-queue');
  await queue.getByText('Nothing flagged.').waitFor();

  await asker.getByLabel('Your question').fill('Buy cheap watches at spam.example!');
  await asker.getByRole('button', { name: 'Ask' }).click();
  await asker.getByText('Your question is posted.').waitFor();
  await asker.getByLabel('Your question').fill('How does select! pick a branch?');
  await asker.getByRole('button', { name: 'Ask' }).click();
  const spam = flagger.locator('li.question', { hasText: 'cheap watches' });
  await spam.waitFor();

  // The form: a reason is required, detail is optional; focus goes to the reason.
  await spam.getByRole('button', { name: 'Flag this question for the moderators' }).click();
  assert.equal(await flagger.evaluate(() => document.activeElement.name), 'reason');
  await spam.getByRole('button', { name: 'Send to the moderators' }).click();
  await spam.getByText('Choose a reason.').waitFor();
  await spam.getByLabel('Reason').selectOption({ label: 'Spam or advertising' });
  await spam.getByLabel('More detail (optional)').fill('Advert, <b>not</b> a question');
  await spam.getByRole('button', { name: 'Send to the moderators' }).click();
  await spam.getByText('Flagged: the moderators will look at it.').waitFor();
  assert.equal(await spam.getByRole('button', { name: /^Flag/ }).count(), 0);

  // The moderator sees it live, with the reason and the attendee's words (as text).
  const card = queue.locator('li.flag-card');
  await card.waitFor();
  assert.match(await card.textContent(), /Flagged question · 1 report/);
  assert.match(await card.textContent(), /cheap watches/);
  assert.match(await card.textContent(), /Spam or advertising/);
  assert.match(await card.textContent(), /“Advert, <b>not<\/b> a question”/);
  assert.equal(await queue.locator('h2 .count-badge').innerText(), '1');
  // Attendees never see flags: the asker's view has no trace of it.
  assert.equal(await asker.getByText('Spam or advertising').count(), 0);

  // Still flagged after a reload (me.flagged), so not flagged twice.
  await flagger.reload();
  await flagger.locator('li.question', { hasText: 'cheap watches' }).getByText('Flagged: the moderators will look at it.').waitFor();
  assert.equal(await flagger.locator('li.question', { hasText: 'select!' }).getByText('Flagged').count(), 0);

  await card.getByRole('button', { name: 'Hide question' }).click();
  await queue.getByText('Nothing flagged.').waitFor();
  assert.equal(await console.evaluate(() => document.activeElement.id), 'flags-h', 'focus stays in the section');
  for (const page of [asker, flagger]) {
    await page.locator('li.question', { hasText: 'cheap watches' }).waitFor({ state: 'detached' });
    assert.equal(await page.locator('li.question', { hasText: 'select!' }).count(), 1);
  }
  // The console keeps it among the hidden questions.
  await console.locator('section[aria-labelledby="removed-h"] li.question', { hasText: 'cheap watches' }).waitFor();
  assert.deepEqual(env.errors(), []);
});

test('a flagged note waits in the console (from the snapshot) and "Keep it" dismisses the flags', async () => {
  const { env, session } = s;
  const one = await joinAs(env, await env.context(), session.join_code, 'Cy');
  const two = await joinAs(env, await env.context(), session.join_code, null);
  for (const [page, reason] of [[one, 'Off topic'], [two, 'Something else']]) {
    const note = page.locator('li.note', { hasText: 'Slides are at the usual place' });
    await note.getByRole('button', { name: 'Flag this note for the moderators' }).click();
    await note.getByLabel('Reason').selectOption({ label: reason });
    await note.getByRole('button', { name: 'Send to the moderators' }).click();
    await note.getByText('Flagged: the moderators will look at it.').waitFor();
  }
  // Cancel leaves nothing behind and returns focus to the button.
  const q = one.locator('li.question').first();
  await q.getByRole('button', { name: /^Flag/ }).click();
  await q.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await one.evaluate(() => document.activeElement.textContent), 'Flag');

  // Opened after the flags were raised: they come with the snapshot, grouped.
  const console = await openConsole(env, await env.context(), session);
  const card = console.locator('section.flag-queue li.flag-card');
  await card.waitFor();
  assert.match(await card.textContent(), /Flagged note · 2 reports/);
  assert.match(await card.textContent(), /Off topic/);
  assert.match(await card.textContent(), /Something else/);
  await card.getByRole('button', { name: 'Keep it (dismiss)' }).click();
  await console.locator('section.flag-queue').getByText('Nothing flagged.').waitFor();
  await one.reload();
  await one.locator('li.note', { hasText: 'Slides are at the usual place' }).waitFor();
  assert.deepEqual(env.errors(), []);
});
