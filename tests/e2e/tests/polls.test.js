// Polls: the speaker opens a poll, attendees vote, results show (live or
// after reveal), a word cloud grows, closing stops the vote.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole, live } from '../lib/browser.js';

const s = scenario();

async function createPoll(speaker, { kind, question, options, live = false, open = true }) {
  await speaker.getByLabel('Kind').selectOption(kind);
  await speaker.getByLabel('Question', { exact: true }).fill(question);
  if (options) await speaker.getByLabel(/Options/).fill(options.join('\n'));
  if (live) await speaker.getByLabel('Show results to attendees while voting').check();
  await speaker.getByRole('button', { name: open ? 'Create and open' : 'Save as draft' }).click();
  return speaker.locator('ul.polls > li', { hasText: question });
}

test('a poll opens, receives votes and shows its results', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ana = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code);

  const staffPoll = await createPoll(speaker, { kind: 'single_choice', question: 'Tabs or spaces?', options: ['Tabs', 'Spaces'], open: false });
  await staffPoll.getByText('Draft', { exact: true }).waitFor();
  // A draft is invisible to attendees.
  await ana.waitForTimeout(300);
  assert.equal(await ana.getByText('Tabs or spaces?').count(), 0);

  await staffPoll.getByRole('button', { name: 'Open' }).click();
  for (const page of [ana, ben]) await page.getByRole('heading', { name: 'Tabs or spaces?' }).waitFor();
  assert.match(await ana.locator('#announce-polite').innerText(), /Poll opened: Tabs or spaces\?/);
  await ana.getByText('Results will be shown when the speaker reveals them.').waitFor();

  await ana.getByLabel('Spaces').check();
  await ana.getByRole('button', { name: 'Vote', exact: true }).click();
  await ana.getByText('Your vote is counted.').waitFor();
  await ben.getByLabel('Tabs').check();
  await ben.getByRole('button', { name: 'Vote', exact: true }).click();
  await ben.getByText('Your vote is counted.').waitFor();
  // Ana changes her mind.
  await ana.getByLabel('Tabs').check();
  await ana.getByRole('button', { name: 'Change vote' }).click();
  await staffPoll.getByText('2 votes').waitFor();
  await staffPoll.locator('.bar', { hasText: 'Tabs' }).getByText('2 (100%)').waitFor();

  // Reveal: both attendees see the bars.
  await staffPoll.getByRole('button', { name: 'Reveal results' }).click();
  for (const page of [ana, ben]) {
    const results = page.locator('.poll', { hasText: 'Tabs or spaces?' });
    await results.locator('.bar', { hasText: 'Tabs' }).getByText('2 (100%)').waitFor();
    await results.getByText('2 votes').waitFor();
  }

  // Close: the vote form goes away.
  await staffPoll.getByRole('button', { name: 'Close' }).click();
  await ana.locator('.poll', { hasText: 'Tabs or spaces?' }).getByText('Closed').waitFor();
  assert.equal(await ana.getByRole('button', { name: 'Change vote' }).count(), 0);
  assert.deepEqual(s.env.errors(), []);
});

test('live results: multiple choice, rating and a word cloud', async () => {
  const speaker = await openConsole(s.env, await s.env.context(), s.session);
  const ana = await joinAs(s.env, await s.env.context(), s.session.join_code, 'Ana');
  const ben = await joinAs(s.env, await s.env.context(), s.session.join_code);

  const words = await createPoll(speaker, { kind: 'word_cloud', question: 'One word for async Rust?', live: true });
  await words.waitFor();
  for (const [page, word] of [[ana, 'Powerful'], [ben, '  powerful ']]) {
    await page.getByLabel('Your answer (up to 60 characters)').fill(word);
    await page.getByRole('button', { name: 'Vote', exact: true }).click();
    await page.getByText('Your vote is counted.').waitFor();
  }
  const cloud = ana.locator('.poll', { hasText: 'One word for async Rust?' }).locator('.cloud');
  await cloud.getByText('powerful').waitFor();
  await ana.locator('.poll', { hasText: 'One word for async Rust?' }).getByText('2 votes').waitFor();

  await createPoll(speaker, { kind: 'multiple_choice', question: 'Which runtimes?', options: ['tokio', 'smol', 'glommio'], live: true });
  const multi = ben.locator('.poll', { hasText: 'Which runtimes?' });
  await multi.getByLabel('tokio').check();
  await multi.getByLabel('glommio').check();
  await multi.getByRole('button', { name: 'Vote', exact: true }).click();
  await ana.locator('.poll', { hasText: 'Which runtimes?' }).locator('.bar', { hasText: 'glommio' }).getByText('1 (100%)').waitFor();

  await speaker.getByLabel('Kind').selectOption('rating');
  await speaker.getByLabel('Scale').selectOption('10');
  await createPoll(speaker, { kind: 'rating', question: 'Rate the talk', live: true });
  const rating = ana.locator('.poll', { hasText: 'Rate the talk' });
  await rating.getByLabel('9', { exact: true }).check();
  await rating.getByRole('button', { name: 'Vote', exact: true }).click();
  await ben.locator('.poll', { hasText: 'Rate the talk' }).getByText('Average 9.0 of 10').waitFor();
  assert.deepEqual(s.env.errors(), []);
});

test('reactions and the projector: counts, pinned question and poll results live', async () => {
  const { env, session } = s;
  const speaker = await openConsole(env, await env.context(), session);
  const ana = await joinAs(env, await env.context(), session.join_code, 'Ana');
  const projector = await env.open(await env.context(), `/projector/${session.id}#token=${session.projector_token}`);
  await live(projector);
  assert.ok(!projector.url().includes('#token'));

  const total = (page, name) => page.locator('.reaction-list li', { hasText: name }).locator('.count').innerText();
  const before = Number(await total(projector, 'Applause'));
  await ana.getByRole('button', { name: /React with Applause/ }).click();
  await ana.getByRole('button', { name: /React with Applause/ }).click();
  await ana.getByRole('button', { name: /React with Fire/ }).click();
  await projector.locator('.reaction-list li', { hasText: 'Applause' }).getByText(String(before + 2)).waitFor();
  await speaker.locator('.reaction-list li', { hasText: 'Applause' }).getByText(String(before + 2)).waitFor();
  await ana.locator('.reaction-list li', { hasText: 'Fire' }).locator('.count').getByText(/^[1-9]/).waitFor();

  // The projector shows the pinned question and the open poll's results.
  const asked = await env.server.api('POST', `/sessions/${session.id}/questions`,
    (await env.server.api('POST', '/join', null, { code: session.join_code })).attendee_token, { body: 'Shown on the big screen?' });
  await env.server.api('PUT', `/sessions/${session.id}/pin`, session.speaker_token, { question_id: asked.result.id });
  await projector.locator('.now-answering').getByText('Shown on the big screen?').waitFor();
  await createPoll(speaker, { kind: 'single_choice', question: 'Projector poll', options: ['Yes', 'No'], live: true });
  await projector.getByRole('heading', { name: 'Projector poll' }).waitFor();
  const poll = ana.locator('.poll', { hasText: 'Projector poll' });
  await poll.getByLabel('Yes').check();
  await poll.getByRole('button', { name: 'Vote', exact: true }).click();
  await projector.locator('.proj-poll .bar', { hasText: 'Yes' }).getByText('1 (100%)').waitFor();
  assert.deepEqual(env.errors(), []);
});
