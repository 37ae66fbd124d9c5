// The organizer creates an event and a session in the dashboard, hands out
// the links, and watches live counts; the public schedule shows it live.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { scenario, joinAs, live } from '../lib/browser.js';

const s = scenario(null);

test('organizer creates an event and a session, speaker and attendee use the links', async () => {
  const orgCtx = await s.env.context({ permissions: ['clipboard-read', 'clipboard-write'] });
  const admin = await s.env.open(orgCtx, `/admin#token=${s.env.server.adminToken}`);
  await admin.getByLabel('Event name').fill('RustConf 2026');
  // The token left the address bar.
  assert.ok(!admin.url().includes('#token'));
  await admin.getByLabel('Timezone').fill('Europe/Berlin');
  await admin.getByLabel('First day').fill('2026-05-04');
  await admin.getByLabel('Last day').fill('2026-05-05');
  await admin.getByRole('button', { name: 'Create event' }).click();
  await admin.waitForURL(/\/admin\/e\//);
  await admin.getByRole('heading', { name: 'Dashboard: RustConf 2026' }).waitFor();
  const eventId = admin.url().split('/').pop();

  await admin.getByLabel('Title').fill('Async Rust in practice');
  await admin.getByLabel('Name').fill('Ana Ferreira');
  await admin.getByLabel('Affiliation').fill('Crab Co');
  await admin.getByLabel('Disclosure', { exact: true }).fill('Maintainer of tokio-utils, paid by Crab Co');
  await admin.getByRole('button', { name: 'Add another speaker' }).click();
  await admin.getByRole('group', { name: 'Speaker 2' }).getByLabel('Name').fill('Ben Okafor');
  await admin.getByLabel('Track').fill('Main');
  await admin.getByLabel('Room').fill('A');
  await admin.getByLabel('Starts').fill('2026-05-04T09:30');
  await admin.getByLabel('Ends').fill('2026-05-04T10:15');
  await admin.getByLabel('Stream URL').fill('https://youtu.be/dQw4w9WgXcQ');
  await admin.getByLabel('Question moderation').selectOption('pre');
  await admin.getByRole('button', { name: 'Create session' }).click();
  await admin.getByText('Created “Async Rust in practice”.').waitFor();

  const row = admin.locator('li.session-row', { hasText: 'Async Rust in practice' });
  await row.waitFor();
  assert.match(await row.innerText(), /Pre-moderated/);
  const joinLink = await row.getByRole('textbox', { name: 'Attendee join link' }).inputValue();
  const consoleLink = await row.getByRole('textbox', { name: 'Speaker console link' }).inputValue();
  const projectorLink = await row.getByRole('textbox', { name: 'Projector link' }).inputValue();
  assert.match(joinLink, /\/join\/[A-Z0-9]+$/);
  assert.match(consoleLink, /\/console\/[^#]+#token=.+/);
  assert.match(projectorLink, /\/projector\/[^#]+#token=.+/);
  await row.getByRole('button', { name: 'Copy speaker console link' }).click();
  await row.getByText('Copied').waitFor();
  assert.equal(await admin.evaluate(() => navigator.clipboard.readText()), consoleLink);

  // The speaker opens the console link and starts the session.
  const speaker = await s.env.open(await s.env.context(), consoleLink);
  await live(speaker);
  assert.ok(!speaker.url().includes('#token'));
  await speaker.getByRole('button', { name: 'Start session' }).click();
  await speaker.getByText('The session is live.').waitFor();

  // An attendee joins with the link: the stream is embedded, speakers and
  // disclosures are shown, and the dashboard's live count moves.
  const code = joinLink.split('/').pop();
  const attendee = await joinAs(s.env, await s.env.context(), code, 'Chris');
  const frame = attendee.locator('.player iframe');
  assert.equal(await frame.getAttribute('src'), 'https://www.youtube.com/embed/dQw4w9WgXcQ');
  assert.equal(await frame.getAttribute('title'), 'Live stream: Async Rust in practice');
  await attendee.getByText('Maintainer of tokio-utils, paid by Crab Co').waitFor();
  await attendee.getByText('Ben Okafor').waitFor();
  await row.getByText('1 watching now').waitFor({ timeout: 12000 });
  await admin.getByText('1 attendee connected across the event').waitFor();

  // The projector link works read-only.
  const projector = await s.env.open(await s.env.context(), projectorLink);
  await live(projector);
  await projector.getByRole('heading', { name: 'Async Rust in practice' }).waitFor();

  // The public schedule lists the session as live, with its join link.
  const schedule = await s.env.open(await s.env.context(), `/e/${eventId}`);
  await schedule.getByRole('heading', { name: 'Main' }).waitFor();
  const slot = schedule.locator('li.slot', { hasText: 'Async Rust in practice' });
  await slot.getByText('Live now').waitFor();
  assert.equal(await slot.getByRole('link', { name: 'Async Rust in practice' }).getAttribute('href'), `/join/${code}`);
  assert.match(await slot.innerText(), /Ana Ferreira, Ben Okafor/);

  // Exports: the event's highlights and the session's takeaways pack download with the token.
  const events = admin.getByRole('group', { name: 'Export the event' });
  const [eventFile] = await Promise.all([admin.waitForEvent('download'), events.getByRole('button', { name: 'Markdown' }).click()]);
  assert.match(eventFile.suggestedFilename(), /\.md$/);
  assert.match(readFileSync(await eventFile.path(), 'utf8'), /Async Rust in practice/);
  const [sessionFile] = await Promise.all([speaker.waitForEvent('download'),
    speaker.getByRole('group', { name: 'Export' }).getByRole('button', { name: 'Print-ready HTML' }).click()]);
  assert.match(sessionFile.suggestedFilename(), /\.html$/);
  assert.match(readFileSync(await sessionFile.path(), 'utf8'), /Async Rust in practice/);
  assert.deepEqual(s.env.errors(), []);
});

test('the home page joins with a typed code', async () => {
  const event = await s.env.server.api('POST', '/events', s.env.server.adminToken, { name: 'Home test' });
  const session = await s.env.server.api('POST', `/events/${event.id}/sessions`, event.organizer_token, { title: 'Typed code' });
  const page = await s.env.open(await s.env.context(), '/');
  await page.getByLabel('Join code').fill('NOPE123');
  await page.getByRole('button', { name: 'Join session' }).click();
  await page.getByText('No session has this code.').waitFor();
  await page.getByLabel('Join code').fill(session.join_code.toLowerCase());
  await page.getByRole('button', { name: 'Join session' }).click();
  await page.waitForURL(`**/s/${session.id}`);
  await live(page);
  await page.getByRole('heading', { name: 'Typed code' }).waitFor();
  assert.deepEqual(s.env.errors(), []);
});
