// Start the real release server on a free port with a temporary SQLite
// database, and stop it when the test file is done.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.BACKCHANNEL_BIN
  ? resolve(process.env.BACKCHANNEL_BIN)
  : resolve(here, '../../../target/release/backchannel');

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitReady(url, child, log) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${log.join('')}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready in 30 s:\n${log.join('')}`);
}

/**
 * Start a server (with `extraArgs` added to its command line); returns
 * {url, adminToken, api(method, path, token, body), stop()}.
 */
export async function startServer(extraArgs = []) {
  if (!existsSync(BIN)) throw new Error(`no server binary at ${BIN}: build it with cargo build --release (or set BACKCHANNEL_BIN)`);
  const dir = mkdtempSync(join(tmpdir(), 'backchannel-e2e-'));
  const port = await freePort();
  const adminToken = `e2e-admin-${randomBytes(16).toString('hex')}`;
  const args = [
    '--bind', `127.0.0.1:${port}`,
    '--database-url', `sqlite://${join(dir, 'e2e.db')}`,
    '--admin-token', adminToken,
    ...extraArgs,
  ];
  const log = [];
  const keep = (chunk) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  const url = `http://127.0.0.1:${port}`;
  let child;
  async function launch() {
    child = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' } });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    await waitReady(url, child, log);
  }
  await launch();

  async function api(method, path, token, body) {
    const headers = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${url}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return data;
  }

  /** Stop the process (SIGTERM: a graceful shutdown), keeping the database. */
  async function halt() {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill('SIGKILL');
          r();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Stop and start again on the same port and database. */
  async function restart() {
    await halt();
    await launch();
  }

  async function stop() {
    await halt();
    rmSync(dir, { recursive: true, force: true });
  }

  return { url, adminToken, api, stop, restart, log };
}
