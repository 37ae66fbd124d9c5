// When the gap is too long to replay (more than --replay-limit events), the
// server answers `not_recovered` and a snapshot: the page replaces its state
// with it, and shows everything once, in order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs, live } from '../lib/browser.js';

const s = scenario({}, async () => {}, ['--replay-limit', '3']);

test('a gap beyond the replay limit is replaced by a fresh snapshot', async () => {
  const { env, session } = s;
  const post = (body) => env.server.api('POST', `/sessions/${session.id}/notes`, session.speaker_token, { body });
  await post('Before 1');
  const ctx = await env.context();
  const ana = await joinAs(env, ctx, session.join_code, 'Ana');
  await ana.locator('ol.notes > li', { hasText: 'Before 1' }).waitFor();
  const notRecovered = ana.evaluate(() => new Promise((resolve) => {
    window.backchannel.stream.addEventListener('not_recovered', (e) => resolve(e.detail.reason), { once: true });
  }));

  await ctx.setOffline(true);
  await ana.locator('.conn[data-state="offline"]').waitFor();
  const missed = ['Missed 1', 'Missed 2', 'Missed 3', 'Missed 4', 'Missed 5', 'Missed 6'];
  for (const body of missed) await post(body);
  // One deleted while away: the snapshot must not show it.
  const gone = await post('Deleted while away');
  await env.server.api('DELETE', `/sessions/${session.id}/notes/${gone.result.id}`, session.speaker_token);

  await ctx.setOffline(false);
  assert.equal(await notRecovered, 'too_old');
  await live(ana);
  await ana.locator('ol.notes > li', { hasText: 'Missed 6' }).waitFor();
  const notes = (await ana.locator('ol.notes > li .md').allInnerTexts()).map((t) => t.trim());
  assert.deepEqual(notes, ['Before 1', ...missed]);

  // Live events continue after the snapshot.
  await post('After');
  await ana.locator('ol.notes > li', { hasText: 'After' }).waitFor();
  assert.equal(await ana.locator('ol.notes > li').count(), missed.length + 2);
  assert.deepEqual(env.errors(), []);
});
