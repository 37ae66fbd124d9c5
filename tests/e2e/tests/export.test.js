// Highlights in a real browser: the downloadable HTML export renders with no
// script errors and prints to PDF; the published archive page (under the
// server's CSP) embeds the recording and its timeline links move the player;
// people's text never runs as markup.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scenario } from '../lib/browser.js';

const XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

const s = scenario({}, async (s) => {
  const { server, } = s.env;
  const sid = s.session.id;
  const speaker = s.session.speaker_token;
  await server.api('POST', `/sessions/${sid}/start`, speaker);
  await server.api('POST', `/sessions/${sid}/notes`, speaker, { body: 'Cancellation is **cooperative**.', takeaway: true });
  await server.api('POST', `/sessions/${sid}/notes`, speaker, { body: 'Raw HTML stays inert: <b onmouseover="alert(1)">bold</b><script>alert(2)</script><a href="javascript:alert(3)">link</a>' });
  const ana = await server.api('POST', '/join', undefined, { code: s.session.join_code, display_name: 'Ana' });
  const q = await server.api('POST', `/sessions/${sid}/questions`, ana.attendee_token, { body: `Is this safe? ${XSS}` });
  await server.api('POST', `/sessions/${sid}/questions/${q.result.id}/answer`, speaker, { reply: 'Yes: it is *escaped*.' });
  const poll = await server.api('POST', `/sessions/${sid}/polls`, speaker, { kind: 'single_choice', question: 'Tabs or spaces?', options: ['Tabs', 'Spaces'], open: true });
  await server.api('PUT', `/sessions/${sid}/polls/${poll.result.id}/ballot`, ana.attendee_token, { option: 1 });
  await server.api('POST', `/sessions/${sid}/polls/${poll.result.id}/close`, speaker);
  await server.api('POST', `/sessions/${sid}/end`, speaker);
});

async function download(path, token) {
  const res = await fetch(`${s.env.server.url}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return { text: await res.text(), disposition: res.headers.get('content-disposition') };
}

test('the HTML export opens from disk with no script errors and prints to PDF', async () => {
  const { text, disposition } = await download(`/sessions/${s.session.id}/export?format=html`, s.event.organizer_token);
  assert.match(disposition, /^attachment; filename="async-rust-in-practice-highlights\.html"$/);
  const dir = mkdtempSync(join(tmpdir(), 'backchannel-export-'));
  try {
    const file = join(dir, 'highlights.html');
    writeFileSync(file, text);
    const page = await s.env.open(await s.env.context(), `file://${file}`);
    await page.getByRole('heading', { name: 'Async Rust in practice' }).waitFor();
    assert.match(await page.locator('section.takeaways').innerText(), /Cancellation is cooperative\./);
    assert.match(await page.locator('ol.questions').innerText(), /Is this safe\? <img src=x onerror="alert\(1\)">/);
    assert.equal(await page.locator('ol.questions img').count(), 0, 'question text is not markup');
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('table.results meter').count(), 2);
    // The stylesheet is inside the file: the takeaway is styled.
    const border = await page.locator('ol.notes li.takeaway').first().evaluate((el) => getComputedStyle(el).borderLeftStyle);
    assert.equal(border, 'solid');
    const pdf = join(dir, 'highlights.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    assert.ok(statSync(pdf).size > 5000, 'a PDF was printed');
    assert.deepEqual(page.dialogs, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(s.env.errors(), []);
});

test('the published archive embeds the recording and its moments move the player', async () => {
  const { server } = s.env;
  const path = `/archive/${s.event.id}/${s.session.id}`;
  const ctx = await s.env.context();
  const before = await fetch(`${server.url}${path}`);
  assert.equal(before.status, 404, 'unpublished');
  await server.api('PUT', `/events/${s.event.id}/archive`, s.event.organizer_token, { published: true });

  const index = await s.env.open(ctx, `/archive/${s.event.id}`);
  await index.getByRole('link', { name: 'Async Rust in practice' }).click();
  await index.waitForURL(new RegExp(`${path}$`));
  const frame = index.locator('#recording iframe');
  assert.match(await frame.getAttribute('src'), /^https:\/\/www\.youtube-nocookie\.com\/embed\/dQw4w9WgXcQ\?start=0$/);
  const moment = index.locator('section.questions .answer a.at').first();
  const href = await moment.getAttribute('href');
  assert.match(href, /^\?t=\d+#recording$/);
  // Scrolled first: clicking straight away can land on the lazily loading
  // (cross-origin) recording frame instead of the link.
  await moment.scrollIntoViewIfNeeded();
  await moment.click();
  await index.waitForURL(/\?t=\d+#recording$/, { waitUntil: 'commit' });
  const seconds = href.match(/t=(\d+)/)[1];
  await index.locator(`#recording iframe[src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=${seconds}"]`).waitFor();
  assert.equal(await index.locator('ol.questions img').count(), 0);
  assert.match(await index.locator('.answer').first().innerText(), /Yes: it is escaped\./);
  // Styled by the linked stylesheet, under the server's CSP.
  const width = await index.locator('body.export').evaluate((el) => getComputedStyle(el).maxWidth);
  assert.notEqual(width, 'none');
  assert.deepEqual(index.dialogs, []);
  assert.deepEqual(s.env.errors(), []);
});
