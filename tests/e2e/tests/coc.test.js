// The code-of-conduct gate: when the event requires it, an attendee's first
// question first shows the code of conduct (the server's sanitized rendering
// of its Markdown: no script, handler or javascript: link survives) and is
// sent once they agree;
// later questions, and reloads, go straight through. An event that starts
// requiring it while the page is open answers `coc_required`, and the page
// shows the gate then.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scenario, joinAs } from '../lib/browser.js';

const COC = [
  '## Be excellent',
  'We want **everyone** to feel welcome. Read the [full text](https://example.org/coc).',
  '- Be kind\n- No harassment\n- <img src=x onerror="window.pwned=1">',
  '<script>window.pwned=2</script> Contact [us](javascript:window.pwned=3).',
].join('\n\n');

const s = scenario({}, async (s) => {
  const { env, session, event } = s;
  const api = env.server.api;
  s.settings = (require) => api('PATCH', `/events/${event.id}`, event.organizer_token, {
    settings: { code_of_conduct: COC, require_coc_ack: require },
  });
  await s.settings(false);
  await api('POST', `/sessions/${session.id}/start`, session.speaker_token);
  s.questions = async () => (await api('GET', `/sessions/${session.id}/snapshot`, session.speaker_token)).questions.map((q) => q.body);
});

async function ask(page, text) {
  await page.getByLabel('Your question').fill(text);
  await page.getByRole('button', { name: 'Ask' }).click();
}

test('an event that starts requiring the code of conduct: coc_required shows the gate', async () => {
  const { env, session } = s;
  const page = await joinAs(env, await env.context(), session.join_code, 'Ana');
  // Not required yet: the code of conduct is there to read, questions go through.
  const details = page.locator('details.coc-details');
  await details.locator('summary').click();
  await details.getByRole('heading', { name: 'Be excellent' }).waitFor();
  await ask(page, 'Asked before the rule');
  await page.getByText('Your question is posted.').waitFor();

  await s.settings(true);
  await ask(page, 'Asked after the rule');
  const gate = page.locator('.coc-gate');
  await gate.waitFor();
  assert.deepEqual(await s.questions(), ['Asked before the rule']);
  await gate.getByRole('button', { name: 'I agree: send my question' }).click();
  await page.getByText('Your question is posted.').waitFor();
  await page.locator('li.question', { hasText: 'Asked after the rule' }).waitFor();
  assert.ok(await gate.count() === 0);
  assert.deepEqual((await s.questions()).sort(), ['Asked after the rule', 'Asked before the rule']);
  assert.deepEqual(env.errors(), []);
});

test('the first question shows the code of conduct; agreeing sends it, once', async () => {
  const { env, session } = s;
  const ctx = await env.context();
  const page = await joinAs(env, ctx, session.join_code, 'Ben');
  await ask(page, 'What about cancellation safety?');
  const gate = page.locator('.coc-gate');
  await gate.waitFor();
  // Focus moves to the gate; nothing was sent yet.
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Before your first question');
  assert.ok(!(await s.questions()).includes('What about cancellation safety?'));

  // Rendered safely: Markdown structure, only http(s) links, nothing that runs.
  const text = gate.locator('.coc-text');
  await text.getByRole('heading', { name: 'Be excellent' }).waitFor();
  assert.equal(await text.locator('strong').innerText(), 'everyone');
  assert.equal(await text.getByRole('link', { name: 'full text' }).getAttribute('href'), 'https://example.org/coc');
  assert.deepEqual((await text.locator('li').allInnerTexts()).slice(0, 2), ['Be kind', 'No harassment']);
  assert.match(await text.innerText(), /Contact/);
  assert.equal(await text.locator('script, [onerror], a[href^="javascript"]').count(), 0);

  // Cancel keeps the question in the box, unsent; Escape cancels too.
  await gate.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Your question is not sent.').waitFor();
  assert.equal(await page.getByLabel('Your question').inputValue(), 'What about cancellation safety?');
  await page.getByRole('button', { name: 'Ask' }).click();
  await gate.waitFor();
  await page.keyboard.press('Escape');
  await gate.waitFor({ state: 'detached' });
  assert.ok(!(await s.questions()).includes('What about cancellation safety?'));

  await page.getByRole('button', { name: 'Ask' }).click();
  await gate.getByRole('button', { name: 'I agree: send my question' }).click();
  await page.getByText('Your question is posted.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.name), 'body');
  // Acknowledged: the next question goes straight through, also after a reload.
  await ask(page, 'And structured concurrency?');
  await page.locator('li.question', { hasText: 'structured concurrency' }).waitFor();
  await page.reload();
  await ask(page, 'One more after a reload');
  await page.locator('li.question', { hasText: 'One more after a reload' }).waitFor();
  assert.equal(await gate.count(), 0);
  const mine = (await s.questions()).filter((q) => /cancellation|structured|reload/.test(q));
  assert.equal(mine.length, 3);
  assert.equal(await page.evaluate(() => window.pwned), undefined);
  assert.deepEqual(env.errors(), []);
});
