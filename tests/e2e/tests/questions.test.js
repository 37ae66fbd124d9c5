// Q&A: a pre-moderated question appears only after approval; upvotes,
// answers, replies and the "now answering" pin update live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole } from '../lib/browser.js';

const s = scenario({ moderation: 'pre' });

async function ask(page, text, { named = false } = {}) {
  await page.getByLabel('Your question').fill(text);
  if (named) await page.getByLabel(/Ask anonymously/).uncheck();
  await page.getByRole('button', { name: 'Ask', exact: true }).click();
}

test('a pre-moderated question appears only after approval', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ana = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code);

  await ask(ana, 'How does the scheduler stay fair?', { named: true });
  await ana.getByText('It will appear once a moderator approves it.').waitFor();
  await ana.locator('.pending').getByText('How does the scheduler stay fair?').waitFor();

  const queue = speaker.locator('section', { has: speaker.getByRole('heading', { name: /Moderation queue/ }) });
  const item = queue.locator('li', { hasText: 'How does the scheduler stay fair?' });
  await item.waitFor();
  assert.match(await item.innerText(), /Ana/);
  // Nobody else sees it while it waits.
  await ben.waitForTimeout(300);
  assert.equal(await ben.locator('ul.questions > li').count(), 0);

  await item.getByRole('button', { name: 'Approve' }).click();
  for (const page of [ana, ben]) {
    const q = page.locator('ul.questions > li', { hasText: 'How does the scheduler stay fair?' });
    await q.waitFor();
    assert.match(await q.innerText(), /Ana/);
  }
  await ana.locator('.pending').waitFor({ state: 'hidden' });

  // A rejected one never shows.
  await ask(ben, 'Spam spam spam');
  const spam = queue.locator('li', { hasText: 'Spam spam spam' });
  await spam.getByRole('button', { name: 'Reject' }).click();
  await speaker.locator('section', { has: speaker.getByRole('heading', { name: /Hidden and rejected/ }) }).getByText('Spam spam spam').waitFor();
  assert.equal(await ana.locator('ul.questions > li', { hasText: 'Spam' }).count(), 0);
  assert.deepEqual(s.env.errors(), []);
});

test('upvotes, sorting, pinning and answers update live', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  await speaker.getByLabel('Moderation', { exact: true }).selectOption('post');
  await speaker.getByText('Moderation changed.').waitFor();
  const ana = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ben');

  await ask(ana, 'What about io_uring?');
  await ask(ben, 'Is async drop coming?');
  const q = (page, text) => page.locator('ul.questions > li', { hasText: text });
  await q(ana, 'Is async drop coming?').waitFor();

  // Ben upvotes Ana's question; Ana sees the count move.
  await q(ben, 'What about io_uring?').getByRole('button', { name: /Upvote/ }).click();
  await q(ana, 'What about io_uring?').getByRole('button', { name: 'Upvote 1 vote' }).waitFor();
  assert.equal(await q(ben, 'What about io_uring?').getByRole('button', { name: /Upvote/ }).getAttribute('aria-pressed'), 'true');
  await q(ana, 'Is async drop coming?').getByRole('button', { name: /Upvote/ }).click();
  await q(ben, 'Is async drop coming?').getByRole('button', { name: 'Upvote 1 vote' }).waitFor();
  await q(ben, 'Is async drop coming?').getByRole('button', { name: /Upvote/ }).click();
  await q(ana, 'Is async drop coming?').getByRole('button', { name: 'Upvote 2 votes' }).waitFor();

  // Top puts the most upvoted first; Recent the newest.
  const bodies = (page) => page.locator('ul.questions > li .q-body').allInnerTexts();
  assert.equal((await bodies(ana))[0], 'Is async drop coming?');
  await ana.getByRole('button', { name: 'Recent' }).click();
  assert.deepEqual((await bodies(ana)).slice(0, 2), ['Is async drop coming?', 'What about io_uring?']);

  // Pin: the "now answering" banner on both attendee pages.
  const visible = speaker.locator('section', { has: speaker.getByRole('heading', { name: /^Questions/ }) });
  const staffQ = visible.locator('li', { hasText: 'What about io_uring?' });
  await staffQ.getByRole('button', { name: 'Pin as now answering' }).click();
  for (const page of [ana, ben]) {
    await page.locator('.now-answering').getByText('What about io_uring?').waitFor();
  }

  // Reply and mark answered: the answer shows, rendered from Markdown.
  await staffQ.getByRole('button', { name: 'Reply' }).click();
  await staffQ.getByLabel('Written reply (Markdown)').fill('Yes: see **tokio-uring**.');
  await staffQ.getByRole('button', { name: 'Save reply and mark answered' }).click();
  for (const page of [ana, ben]) {
    const answer = q(page, 'What about io_uring?').locator('.answer');
    await answer.getByText('tokio-uring').waitFor();
    assert.equal(await answer.locator('strong').innerText(), 'tokio-uring');
  }
  assert.match(await ben.locator('#announce-polite').innerText(), /Answered: What about io_uring\?/);

  // Unpin clears the banner; hide removes the question everywhere.
  await staffQ.getByRole('button', { name: 'Unpin' }).click();
  await ana.locator('.now-answering').waitFor({ state: 'hidden' });
  await visible.locator('li', { hasText: 'Is async drop coming?' }).getByRole('button', { name: 'Hide' }).click();
  await q(ben, 'Is async drop coming?').waitFor({ state: 'detached' });
  assert.deepEqual(s.env.errors(), []);
});

test('an asker edits and withdraws their own question', async () => {
  const { env, session } = s;
  const ana = await joinAs(env, await env.context(), session.join_code, 'Ana');
  const ben = await joinAs(env, await env.context(), session.join_code, 'Ben');
  await ask(ana, 'Typo in teh question');
  const mine = ana.locator('ul.questions > li', { hasText: 'Typo in teh question' });
  // Only the asker gets the tools.
  await mine.getByRole('button', { name: 'Edit' }).click();
  await ben.locator('ul.questions > li', { hasText: 'Typo in teh question' }).waitFor();
  assert.equal(await ben.locator('ul.questions > li', { hasText: 'Typo in teh question' }).getByRole('button', { name: 'Edit' }).count(), 0);
  await mine.getByLabel('Edit your question').fill('No typo in the question');
  await mine.getByRole('button', { name: 'Save' }).click();
  await ben.locator('ul.questions > li', { hasText: 'No typo in the question' }).waitFor();
  const fixed = ana.locator('ul.questions > li', { hasText: 'No typo in the question' });
  await fixed.getByRole('button', { name: 'Withdraw' }).click();
  await fixed.getByRole('button', { name: 'Confirm withdraw' }).click();
  await ben.locator('ul.questions > li', { hasText: 'No typo in the question' }).waitFor({ state: 'detached' });
  await fixed.waitFor({ state: 'detached' });
  assert.deepEqual(env.errors(), []);
});
