// Starts splants-server as a child process for the browser tests: a temporary SQLite database,
// the local upstream as its OpenAI-compatible provider (priced, so spend is real), a small
// budget, an admin key and a webhook publishing account.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ADMIN_KEY = 'dashboard-admin-key-0001';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The release server binary: `SPLANTS_SERVER_BIN`, else the cargo target dir's. */
export function serverBinary() {
  if (process.env.SPLANTS_SERVER_BIN) return process.env.SPLANTS_SERVER_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(repo, 'target');
  const bin = join(target, 'release', 'splants-server');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build --release -p splants --features server,postgres,redis --bin splants-server`);
  return bin;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Resident memory of `pid` in KiB (Linux). */
export function rssKiB(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmRSS:\s+(\d+)\s+kB/m);
  return m ? Number(m[1]) : NaN;
}

/** Starts the server against the upstream on `upstreamPort`; resolves once it answers. */
export async function startServer(upstreamPort, extraEnv = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'splants-dash-'));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    HOST: '127.0.0.1',
    PORT: String(port),
    API_KEY: ADMIN_KEY,
    DATABASE_URL: `sqlite://${join(dir, 'splants.db')}`,
    SPLANTS_PROVIDER: 'compatible',
    OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}/v1`,
    SPLANTS_MODEL: 'dash-model',
    SPLANTS_PRICES: JSON.stringify({ 'dash-model': { input: 2, output: 8 } }),
    MONTHLY_AI_BUDGET: '5',
    SPLANTS_RATE_STANDARD_PER_HOUR: '100000',
    SPLANTS_RATE_PER_MINUTE: '0',
    SPLANTS_PUBLISH_ACCOUNTS: JSON.stringify({ cms: { kind: 'webhook', url: `http://127.0.0.1:${upstreamPort}/hook` } }),
    SPLANTS_SCHEDULE_POLL_SECS: '0.2',
    SPLANTS_WORKER_THREADS: '2',
    ALLOWED_ORIGINS: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child = spawn(serverBinary(), [], { env, cwd: dir, stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    process.stderr.write(d);
  });
  const base = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`splants-server exited with ${child.exitCode}: ${stderr}`);
    try {
      const r = await fetch(`${base}/health/live`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) throw new Error(`splants-server did not start in 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    pid: child.pid,
    startedMs: Date.now() - started,
    /** Calls the API with the admin key (or `key`). */
    async api(method, path, body, key = ADMIN_KEY) {
      const r = await fetch(base + path, {
        method,
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
