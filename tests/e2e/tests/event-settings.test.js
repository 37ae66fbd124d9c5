// The organizer's "Sharing and safety" panel: writing a code of conduct and
// requiring it puts the gate in front of an attendee's first question;
// publishing the archive makes its pages public and shows attendees the
// share menus; taking it down makes them 404 again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs } from '../lib/browser.js';

const s = scenario({}, async ({ env, session }) => {
  const api = env.server.api;
  await api('POST', `/sessions/${session.id}/start`, session.speaker_token);
  await api('POST', `/sessions/${session.id}/notes`, session.speaker_token, { body: 'Measure before you optimize', takeaway: true });
});

test('an organizer sets the code of conduct and publishes the archive from the dashboard', async () => {
  const { env, event, session } = s;
  const ctx = await env.context();
  const dash = await env.open(ctx, `/admin/e/${event.id}#token=${event.organizer_token}`);
  const panel = dash.locator('section[aria-labelledby="settings-h"]');
  await panel.getByText('The archive is not published').waitFor();

  const require = panel.getByLabel('Attendees must accept the code of conduct before their first question');
  await require.check();
  await panel.getByRole('button', { name: 'Save settings' }).click();
  await panel.getByText('Write the code of conduct first').waitFor();
  await panel.getByLabel('Code of conduct (Markdown)').fill('Be **kind**.\n\n- No harassment');
  await panel.getByRole('button', { name: 'Save settings' }).click();
  await panel.getByText('Saved.').waitFor();
  const saved = await env.server.api('GET', `/events/${event.id}`);
  assert.deepEqual([saved.settings.code_of_conduct, saved.settings.require_coc_ack, saved.settings.allow_names_on_cards], ['Be **kind**.\n\n- No harassment', true, false]);

  const archive = `${env.server.url}/archive/${event.id}`;
  await panel.getByRole('button', { name: 'Publish the archive' }).click();
  await panel.getByRole('link', { name: archive }).waitFor();
  assert.equal(await dash.evaluate(() => document.activeElement.textContent), 'Take the archive down');
  assert.equal((await fetch(archive)).status, 200);

  const page = await joinAs(env, await env.context(), session.join_code, 'Gus');
  await page.locator('li.note.takeaway .share-toggle').waitFor();
  await page.getByLabel('Your question').fill('First question');
  await page.getByRole('button', { name: 'Ask' }).click();
  await page.locator('.coc-gate strong', { hasText: 'kind' }).waitFor();
  await page.getByRole('button', { name: 'I agree: send my question' }).click();
  await page.locator('li.question', { hasText: 'First question' }).waitFor();

  // After a reload the dashboard shows what was saved; taking the archive down.
  await dash.reload();
  assert.equal(await panel.getByLabel('Code of conduct (Markdown)').inputValue(), 'Be **kind**.\n\n- No harassment');
  assert.ok(await require.isChecked());
  await panel.getByRole('button', { name: 'Take the archive down' }).click();
  await panel.getByText('Taken down').waitFor();
  assert.equal((await fetch(archive)).status, 404);
  assert.deepEqual(env.errors(), []);
});
