// Accessibility: axe-core finds no violations on any page, with content in
// every state; the attendee view works by keyboard alone and at 375 px.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, openConsole, live, checkAxe } from '../lib/browser.js';

const s = scenario({ moderation: 'pre', disclosures: 'Sponsored by Crab Co.' }, async ({ env, session }) => {
  const api = env.server.api;
  const speaker = session.speaker_token;
  await api('POST', `/sessions/${session.id}/start`, speaker);
  await api('POST', `/sessions/${session.id}/notes`, speaker, { body: 'Ownership is a **compile-time** thing with a [link](https://doc.rust-lang.org)', takeaway: true });
  await api('POST', `/sessions/${session.id}/notes`, speaker, { body: '- one\n- two\n\n```rust\nfn main() {}\n```' });
  const a = await api('POST', '/join', null, { code: session.join_code, display_name: 'Ana' });
  const q1 = await api('POST', `/sessions/${session.id}/questions`, a.attendee_token, { body: 'How does the scheduler stay fair?', anonymous: false });
  await api('POST', `/sessions/${session.id}/questions`, a.attendee_token, { body: 'Waiting in the queue' });
  await api('POST', `/sessions/${session.id}/questions/${q1.result.id}/approve`, speaker);
  await api('POST', `/sessions/${session.id}/questions/${q1.result.id}/answer`, speaker, { answered: true, reply: 'Work stealing, **mostly**.' });
  await api('PUT', `/sessions/${session.id}/pin`, speaker, { question_id: q1.result.id });
  await api('POST', `/sessions/${session.id}/polls`, speaker, { kind: 'single_choice', question: 'Tabs or spaces?', options: ['Tabs', 'Spaces'], results_live: true, open: true });
  await api('POST', `/sessions/${session.id}/polls`, speaker, { kind: 'word_cloud', question: 'One word?', options: [], results_live: true, open: true });
  await api('POST', `/sessions/${session.id}/polls`, speaker, { kind: 'rating', question: 'Rate it', options: [], scale_max: 5, open: false });
});

test('axe-core reports no violations on any page', async () => {
  const { env, event, session } = s;
  const ctx = await env.context();
  const pages = {
    home: '/',
    join: `/join/${session.join_code}`,
    schedule: `/e/${event.id}`,
    admin: `/admin#token=${env.server.adminToken}`,
    dashboard: `/admin/e/${event.id}#token=${event.organizer_token}`,
    projector: `/projector/${session.id}#token=${session.projector_token}`,
    'not found': '/nowhere/at/all',
  };
  // What shows once each page has loaded its data.
  const ready = {
    home: 'form.join-form',
    join: 'form.join-form',
    schedule: 'li.slot',
    admin: 'form.event-form',
    dashboard: 'li.session-row',
    projector: '.conn[data-state="online"]',
    'not found': 'main a[href="/"]',
  };
  for (const [name, path] of Object.entries(pages)) {
    const page = await env.open(ctx, path);
    await page.locator(ready[name]).first().waitFor();
    await checkAxe(page, name);
  }
  const attendee = await joinAs(env, await env.context(), session.join_code, 'Ben');
  await attendee.locator('ol.notes > li').nth(1).waitFor();
  await checkAxe(attendee, 'attendee');
  const console = await openConsole(env, await env.context(), session);
  await console.locator('ul.questions > li').first().waitFor();
  await checkAxe(console, 'speaker console');
  // Transparent projector (OBS) too.
  const obs = await env.open(ctx, `/projector/${session.id}?bg=transparent#token=${session.projector_token}`);
  await live(obs);
  await checkAxe(obs, 'projector (transparent)');
  const backgrounds = await obs.evaluate(() => [document.documentElement, document.body].map((el) => getComputedStyle(el).backgroundColor));
  assert.deepEqual(backgrounds, ['rgba(0, 0, 0, 0)', 'rgba(0, 0, 0, 0)']);
  assert.deepEqual(env.errors(), []);
});

test('the attendee view works with the keyboard alone at phone width', async () => {
  const { env, event, session } = s;
  const ctx = await env.context({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const page = await env.open(ctx, `/join/${session.join_code}`);
  // Keyboard only: tab to the name field, type, submit with Enter.
  await page.getByLabel('Display name (optional)').waitFor();
  await page.keyboard.press('Tab'); // skip link
  await page.keyboard.press('Tab'); // brand
  await page.keyboard.press('Tab'); // code (prefilled)
  assert.equal(await page.evaluate(() => document.activeElement.name), 'code');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Kim');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/s\//);
  await live(page);
  await checkAxe(page, 'attendee at 375px');
  // No horizontal scrolling at 375 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);

  // Focus is visible, and the question form is reachable and usable by keyboard.
  await page.getByLabel('Your question').focus();
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.keyboard.type('Asked with the keyboard');
  await page.keyboard.press('Tab'); // anonymous checkbox
  await page.keyboard.press('Tab'); // Ask button
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Ask');
  await page.keyboard.press('Enter');
  await page.getByText('It will appear once a moderator approves it.').waitFor();

  // Vote with the keyboard: arrow keys move within the radio group.
  const poll = page.locator('.poll', { hasText: 'Tabs or spaces?' });
  await poll.getByLabel('Tabs').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('ArrowDown');
  assert.ok(await poll.getByLabel('Spaces').isChecked());
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await poll.getByText('Your vote is counted.').waitFor();
  assert.deepEqual(env.errors(), []);
});

test('axe-core: the share menu, the flag form, the code-of-conduct gate and the flag queue', async () => {
  const { env, event, session } = s;
  const api = env.server.api;
  await api('PATCH', `/events/${event.id}`, event.organizer_token, {
    settings: { code_of_conduct: '## Be kind\n\nNo harassment of **any** kind.\n\n- Listen\n- Ask', require_coc_ack: true },
  });
  await api('PUT', `/events/${event.id}/archive`, event.organizer_token, { published: true });
  for (const width of [1280, 375]) {
    const ctx = await env.context({ viewport: { width, height: 800 } });
    const page = await joinAs(env, ctx, session.join_code, `Flo ${width}`);
    await page.locator('li.note.takeaway .share-toggle').click();
    await page.locator('li.note.takeaway .share-panel').waitFor();
    const question = page.locator('li.question', { hasText: 'scheduler stay fair' });
    await question.getByRole('button', { name: /^Flag/ }).click();
    await page.getByLabel('Your question').fill('Gated question');
    await page.getByRole('button', { name: 'Ask' }).click();
    await page.locator('.coc-gate').waitFor();
    await checkAxe(page, `attendee with share, flag and gate open (${width}px)`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen at ${width}px`);
    await question.getByLabel('Reason').selectOption('off_topic');
    await question.getByRole('button', { name: 'Send to the moderators' }).click();
    await question.getByText('Flagged: the moderators will look at it.').waitFor();
  }
  const console = await openConsole(env, await env.context(), session);
  await console.locator('li.flag-card').waitFor();
  await console.locator('li.note.takeaway .share-toggle').click();
  await checkAxe(console, 'speaker console with flags, share menu and speaker page');
  assert.deepEqual(env.errors(), []);
});
