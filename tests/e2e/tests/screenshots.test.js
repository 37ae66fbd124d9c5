// Screenshots for the README: a session in full swing, seen from the
// attendee view, the speaker console, the organizer dashboard and the
// projector. Saved under docs/screenshots/.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, openConsole, live, screenshot } from '../lib/browser.js';

const NOTES = [
  ['**Ownership** is checked at compile time: no GC pauses, no data races.', true],
  ['`async fn` returns a future; nothing runs until it is polled.', false],
  ['Use `tokio::select!` for timeouts and cancellation — but mind **cancel safety**.', true],
];

const s = scenario({
  title: 'Async Rust in practice',
  disclosures: 'This talk is sponsored by Crab Co.',
}, async ({ env, session, event }) => {
  const { api } = env.server;
  const sp = session.speaker_token;
  const base = `/sessions/${session.id}`;
  await api('POST', `${base}/start`, sp);
  for (const [body, takeaway] of NOTES) await api('POST', `${base}/notes`, sp, { body, takeaway });
  const people = [];
  for (const name of ['Ana', 'Ben', 'Chris', 'Dana', 'Eli']) {
    people.push((await api('POST', '/join', null, { code: session.join_code, display_name: name })).attendee_token);
  }
  const ask = async (i, body, anonymous = false) => (await api('POST', `${base}/questions`, people[i], { body, anonymous })).result.id;
  const q1 = await ask(0, 'How does the work-stealing scheduler stay fair under load?');
  const q2 = await ask(1, 'Is async drop ever going to land?', true);
  const q3 = await ask(2, 'What about io_uring support?');
  for (const [i, q] of [[1, q1], [2, q1], [3, q1], [4, q1], [0, q3], [3, q3], [4, q2]]) {
    await api('PUT', `${base}/questions/${q}/upvote`, people[i], { up: true });
  }
  await api('POST', `${base}/questions/${q3}/answer`, sp, { answered: true, reply: 'Yes — see **tokio-uring**, still experimental.' });
  await api('PUT', `${base}/pin`, sp, { question_id: q1 });
  const poll = (await api('POST', `${base}/polls`, sp, {
    kind: 'single_choice', question: 'Which runtime do you use in production?', options: ['tokio', 'async-std', 'smol', 'None yet'], results_live: true, open: true,
  })).result.id;
  for (const [i, option] of [[0, 0], [1, 0], [2, 2], [3, 0], [4, 3]]) await api('PUT', `${base}/polls/${poll}/ballot`, people[i], { option });
  for (const [i, emoji] of [[0, '👏'], [1, '👏'], [2, '🔥'], [3, '❤️'], [4, '🎉'], [0, '🤔'], [1, '👏']]) {
    await api('POST', `${base}/reactions`, people[i], { emoji });
  }
  // More of the schedule for the dashboard.
  const later = Date.now() + 60 * 60000;
  await api('POST', `/events/${event.id}/sessions`, event.organizer_token, {
    title: 'Zero-copy parsing with nom', track: 'Deep dives', room: 'B',
    speakers: [{ name: 'Ben Okafor', affiliation: 'Ferrous Labs' }],
    starts_at: new Date(later).toISOString(), ends_at: new Date(later + 45 * 60000).toISOString(),
  });
  // Pending question for the moderation queue.
  await api('PUT', `/sessions/${session.id}/moderation`, sp, { moderation: 'pre' });
  await ask(3, 'Could you share the slides afterwards?');
});

test('screenshots of the attendee view, speaker console, dashboard and projector', async () => {
  const { env, session, event } = s;
  const viewport = { width: 1366, height: 900 };

  const attendeeCtx = await env.context({ viewport });
  const attendee = await env.open(attendeeCtx, `/join/${session.join_code}`);
  await attendee.getByLabel('Display name (optional)').fill('Fran');
  await attendee.getByRole('button', { name: 'Join session' }).click();
  await attendee.waitForURL(/\/s\//);
  await live(attendee);
  await attendee.locator('.poll .bar').first().waitFor();
  await attendee.locator('ol.notes > li').nth(NOTES.length - 1).waitFor();
  await attendee.locator('ol.notes > li').first().getByRole('button', { name: 'Save to my takeaways' }).click();
  await attendee.locator('.player iframe').waitFor();
  await attendee.waitForTimeout(500);
  await screenshot(attendee, 'attendee', { fullPage: true });

  const phone = await env.open(await env.context({ viewport: { width: 375, height: 800 }, isMobile: true }), `/join/${session.join_code}`);
  await phone.getByRole('button', { name: 'Join session' }).click();
  await live(phone);
  await phone.locator('ol.notes > li').first().waitFor();
  await screenshot(phone, 'attendee-phone');

  const speaker = await openConsole(env, await env.context({ viewport: { width: 1440, height: 1000 } }), session);
  await speaker.locator('ul.questions > li').first().waitFor();
  await screenshot(speaker, 'speaker-console', { fullPage: true });

  const dash = await env.open(await env.context({ viewport }), `/admin/e/${event.id}#token=${event.organizer_token}`);
  await dash.getByText(/watching now/).first().waitFor();
  // The dashboard only knows tokens it created; store them as if it had.
  await dash.evaluate(([id, speakerToken, projectorToken]) => localStorage.setItem(`backchannel.session-tokens.${id}`,
    JSON.stringify({ speaker: speakerToken, projector: projectorToken })), [session.id, session.speaker_token, session.projector_token]);
  await dash.reload();
  await dash.getByRole('textbox', { name: 'Speaker console link' }).waitFor();
  await dash.getByText('2 watching now').waitFor({ timeout: 12000 });
  await screenshot(dash, 'dashboard');

  const projector = await env.open(await env.context({ viewport: { width: 1280, height: 720 } }), `/projector/${session.id}#token=${session.projector_token}`);
  await live(projector);
  await projector.locator('.proj-poll .bar').first().waitFor();
  await projector.waitForTimeout(300);
  await screenshot(projector, 'projector');
  assert.deepEqual(env.errors(), []);
});
