// XSS: a corpus of payloads submitted as display names, questions, notes,
// poll options, word-cloud answers, labels, replies and session fields is
// shown as text everywhere and executes nothing (reliability A5).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole, live } from '../lib/browser.js';

const PAYLOADS = [
  '<img src=x onerror=window.__xss=1>',
  '<script>window.__xss=1</script>',
  '"><svg onload=window.__xss=1>',
  'javascript:window.__xss=1',
  "'><iframe src=javascript:window.__xss=1>",
  '<a href="javascript:window.__xss=1">click</a>',
  '[click me](javascript:window.__xss=1)',
  '<details open ontoggle=window.__xss=1>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=1>',
  '<body onload=window.__xss=1>',
  '![x](x" onerror="window.__xss=1)',
  '{{constructor.constructor("window.__xss=1")()}}',
];

const s = scenario({
  title: `Talk ${PAYLOADS[0]}`,
  speakers: [{ name: PAYLOADS[2], affiliation: PAYLOADS[1], disclosure: PAYLOADS[5] }],
  track: PAYLOADS[4].slice(0, 100),
  room: PAYLOADS[9],
  disclosures: PAYLOADS[8],
  stream_url: 'https://example.com/"><script>window.__xss=1</script>',
});

async function clean(page) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `script ran on ${page.url()}`);
  assert.deepEqual(page.dialogs, [], `a dialog opened on ${page.url()}`);
  assert.equal(await page.locator('img[src="x"], svg[onload], details[ontoggle], a[href^="javascript:"], iframe[src^="javascript:"]').count(), 0);
}

test('payloads as names, questions, notes and poll options execute nothing', async () => {
  const { env, event, session } = s;
  const speaker = await openConsole(env, await env.context(), session);
  // Display names through the join form.
  const attendees = [];
  for (const name of PAYLOADS.slice(0, 3)) attendees.push(await joinAs(env, await env.context(), session.join_code, name.slice(0, 60)));
  const [ana, ben] = attendees;

  // Questions asked under those names, through the page.
  for (const [i, page] of attendees.entries()) {
    await page.getByLabel('Your question').fill(PAYLOADS[i + 3]);
    await page.getByLabel(/Ask anonymously/).uncheck();
    await page.getByRole('button', { name: 'Ask', exact: true }).click();
    await page.getByText('Your question is posted.').waitFor();
  }
  // The rest of the corpus over REST as questions from more attendees.
  for (const body of PAYLOADS.slice(6)) {
    const joined = await env.server.api('POST', '/join', null, { code: session.join_code, display_name: body.slice(0, 60) });
    await env.server.api('POST', `/sessions/${session.id}/questions`, joined.attendee_token, { body, anonymous: false });
  }

  // Notes: every payload, through the console.
  for (const body of PAYLOADS) {
    await speaker.getByLabel('New note (Markdown)').fill(body);
    await speaker.getByRole('button', { name: 'Post note' }).click();
    await speaker.getByText('Posted.').waitFor();
  }
  // Poll options and a word cloud answer.
  await speaker.getByLabel('Kind').selectOption('single_choice');
  await speaker.getByLabel('Question', { exact: true }).fill(PAYLOADS[2]);
  await speaker.getByLabel(/Options/).fill(PAYLOADS.join('\n'));
  await speaker.getByLabel('Show results to attendees while voting').check();
  await speaker.getByRole('button', { name: 'Create and open' }).click();
  await speaker.getByText('Poll created and opened.').waitFor();
  await ana.getByRole('radio', { name: PAYLOADS[0], exact: true }).check();
  await ana.getByRole('button', { name: 'Vote', exact: true }).click();
  await ana.getByText('Your vote is counted.').waitFor();
  await env.server.api('POST', `/sessions/${session.id}/polls`, session.speaker_token, { kind: 'word_cloud', question: PAYLOADS[1], options: [], results_live: true, open: true });
  const cloud = ben.locator('.poll', { has: ben.getByRole('heading', { name: PAYLOADS[1] }) });
  await cloud.getByLabel('Your answer (up to 60 characters)').fill(PAYLOADS[0]);
  await cloud.getByRole('button', { name: 'Vote', exact: true }).click();
  await cloud.locator('.cloud').getByText(PAYLOADS[0].toLowerCase()).waitFor();

  // A reply and labels on a question; pin it for the projector.
  const staffQ = speaker.locator('ul.questions > li', { hasText: PAYLOADS[3] }).first();
  await staffQ.getByRole('button', { name: 'Reply' }).click();
  await staffQ.getByLabel('Written reply (Markdown)').fill(PAYLOADS.join('\n\n'));
  await staffQ.getByRole('button', { name: 'Save reply and mark answered' }).click();
  await staffQ.getByRole('button', { name: 'Labels' }).click();
  await staffQ.getByLabel('Labels (comma separated)').fill(PAYLOADS.slice(0, 3).join(', '));
  await staffQ.getByRole('button', { name: 'Save labels' }).click();
  await staffQ.getByRole('button', { name: 'Pin as now answering' }).click();
  await ana.locator('.now-answering').getByText(PAYLOADS[3]).waitFor();

  // Everything arrived and reads as the text that was typed.
  await ana.locator('ol.notes > li').nth(PAYLOADS.length - 1).waitFor();
  await ana.locator('ul.questions > li').nth(PAYLOADS.length - 4).waitFor();
  const questionText = await ana.locator('ul.questions').innerText();
  for (const p of PAYLOADS.slice(3)) assert.ok(questionText.includes(p), `question shown as text: ${p}`);
  const pageText = await ana.locator('main').innerText();
  assert.ok(pageText.includes(`Talk ${PAYLOADS[0]}`));
  assert.ok(pageText.includes(PAYLOADS[8]));
  await ana.locator('.answer').first().waitFor();

  // Every view, fresh, with all of it loaded from a snapshot.
  const ctx = await env.context();
  const pages = [
    ...attendees,
    speaker,
    await env.open(ctx, `/projector/${session.id}#token=${session.projector_token}`),
    await env.open(ctx, `/e/${event.id}`),
    await env.open(ctx, `/join/${session.join_code}`),
    await env.open(ctx, `/admin/e/${event.id}#token=${event.organizer_token}`),
  ];
  await live(pages[4]);
  await pages[4].locator('.proj-poll').getByText(PAYLOADS[0]).first().waitFor();
  await pages[5].getByText(`Talk ${PAYLOADS[0]}`).waitFor();
  await pages[7].getByText(`Talk ${PAYLOADS[0]}`).waitFor();
  await ana.reload();
  await live(ana);
  await ana.locator('ol.notes > li').nth(PAYLOADS.length - 1).waitFor();
  // Click every link a payload could have made.
  for (const link of await ana.locator('.md a').all()) await link.click({ modifiers: ['Control'] }).catch(() => {});
  await ana.waitForTimeout(500);
  for (const page of pages) await clean(page);
  assert.deepEqual(env.errors(), []);
});
