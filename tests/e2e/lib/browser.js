// Debian's Chromium driven by playwright-core, plus the fixtures the scenarios
// share: a server with an event and sessions, pages that fail the test on a
// script error or a CSP violation, and the attendee / speaker / projector
// pages opened the way a user opens them.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.js';

const here = dirname(fileURLToPath(import.meta.url));
/**
 * Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1 (`npm run
 * screenshots`), else a temporary folder, so a test run leaves the tree clean.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1'
  ? resolve(here, '../../../docs/screenshots')
  : join(tmpdir(), 'backchannel-screenshots');
export const AXE = resolve(here, '../node_modules/axe-core/axe.min.js');

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A server and a browser for one test file; close() stops both. */
export async function setup(serverArgs = []) {
  const server = await startServer(serverArgs);
  // chromium.launch gives every run a fresh temporary profile of its own.
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ARGS,
    headless: true,
  });
  const contexts = [];
  const problems = [];

  /** A fresh browser context (its own storage, like another person's device). */
  async function context(options = {}) {
    const ctx = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(ctx);
    // No third-party requests leave the machine: stream embeds get a stand-in page.
    await ctx.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: '<!doctype html><title>Stream</title><body style="margin:0;background:#111;color:#eee;font:24px system-ui;display:grid;place-items:center;height:100vh">▶ Talk stream</body>',
    }));
    return ctx;
  }

  /** Open a page that records script errors, CSP violations and dialogs. */
  async function open(ctx, path) {
    const page = await ctx.newPage();
    page.problems = [];
    page.dialogs = [];
    page.on('pageerror', (err) => page.problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const text = msg.text();
      // A refused websocket while offline, and API answers like a 404 for a
      // mistyped join code, are expected; anything else is a bug.
      if (/WebSocket|ERR_INTERNET_DISCONNECTED|net::ERR_/.test(text)) return;
      if (/^Failed to load resource/.test(text) && (msg.location().url || '').includes('/api/v1/')) return;
      page.problems.push(`console: ${text}`);
    });
    page.on('dialog', async (d) => {
      page.dialogs.push(d.message());
      await d.dismiss();
    });
    problems.push(page);
    if (path) await page.goto(path);
    return page;
  }

  async function close() {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser.close().catch(() => {});
    await server.stop();
  }

  /** Script errors or CSP violations seen on any page so far. */
  function errors() {
    return problems.flatMap((p) => p.problems);
  }

  return { server, browser, context, open, close, errors };
}

/**
 * Register a test file's before/after: a server and browser, and (unless
 * `sessionFields` is null) an event with one session, then `prepare(s)`.
 * `serverArgs` are added to the server's command line.
 * Returns an object whose `env`, `event` and `session` are filled in before
 * the tests run.
 */
export function scenario(sessionFields = {}, prepare = async () => {}, serverArgs = []) {
  const s = {};
  before(async () => {
    s.env = await setup(serverArgs);
    if (sessionFields !== null) Object.assign(s, await seed(s.env.server, sessionFields));
    await prepare(s);
  });
  after(async () => s.env && s.env.close());
  return s;
}

/** An event with one session (over REST); returns {event, session}. */
export async function seed(server, sessionFields = {}) {
  const event = await server.api('POST', '/events', server.adminToken, { name: 'RustConf 2026', timezone: 'UTC', description: 'Talks about Rust.' });
  const session = await server.api('POST', `/events/${event.id}/sessions`, event.organizer_token, {
    title: 'Async Rust in practice',
    speakers: [{ name: 'Ana Ferreira', affiliation: 'Crab Co', disclosure: 'Paid by Crab Co to maintain tokio-utils' }],
    track: 'Main', room: 'A',
    starts_at: new Date(Date.now() - 10 * 60000).toISOString(),
    ends_at: new Date(Date.now() + 50 * 60000).toISOString(),
    stream_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
    ...sessionFields,
  });
  return { event, session };
}

/** Join as an attendee through the join page; returns the page on /s/{id}. */
export async function joinAs(env, ctx, code, name) {
  const page = await env.open(ctx, `/join/${code}`);
  if (name) await page.getByLabel('Display name (optional)').fill(name);
  await page.getByRole('button', { name: 'Join session' }).click();
  await page.waitForURL(/\/s\//);
  await live(page);
  return page;
}

/** Open the speaker console with its token link. */
export async function openConsole(env, ctx, session) {
  const page = await env.open(ctx, `/console/${session.id}#token=${session.speaker_token}`);
  await live(page);
  return page;
}

/** Wait until a live view is connected. */
export async function live(page) {
  await page.locator('.conn[data-state="online"]').first().waitFor({ timeout: 15000 });
}

/** Save a screenshot (see SCREENSHOTS). */
export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), ...options });
}

/**
 * Run axe-core on the page; returns the violations. The page's CSP refuses
 * an injected <script> (page.addScriptTag), as it should, so axe is
 * evaluated through the devtools protocol, which CSP does not govern.
 */
export async function axe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}

/** Assert that axe-core finds no violations on the page (`name` labels the failure). */
export async function checkAxe(page, name) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 2)}`);
}
