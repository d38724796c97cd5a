/**
 * The process shell end to end: a real `src/server.ts` process on a free port with a temp SQLite file.
 * Start-up refusals, readiness, demo seeding, graceful SIGTERM and a restart that keeps what was committed;
 * without HOST and secrets: loopback only, secrets generated once beside the database and kept across restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

interface RunningServer { child: ChildProcess; output: () => string; exited: Promise<number | null> }

const SERVER_ENTRY = ['--import', 'tsx', 'src/server.ts'];

function runServer(env: Record<string, string>): RunningServer {
  const child = spawn(process.execPath, SERVER_ENTRY, {
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function listeningUrl(server: RunningServer, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output());
    if (match?.[1] !== undefined) return match[1];
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start:\n${server.output()}`);
}

/** An address of this machine other than loopback, to show that nothing listens there; null when there is none. */
function externalIPv4(): string | null {
  const addresses = Object.values(networkInterfaces()).flat();
  return addresses.find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)?.address ?? null;
}

async function connectable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
  });
}

const PRINTED_ADMIN_KEY = /Admin key \(X-Admin-Key\), shown this once: (\S+)/g;

async function stop(server: RunningServer): Promise<number | null> {
  server.child.kill('SIGTERM');
  return server.exited;
}

async function untilReady(baseUrl: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/ready`);
    if (res.status === 200) return;
    expect(res.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server never became ready');
}

describe('server process', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('given a bad variable, when started, then it exits 1 with one line naming the variable', async () => {
    const server = runServer({ HOLD_TTL_SECONDS: 'five' });
    started.push(server.child);

    expect(await server.exited).toBe(1);
    expect(server.output().trim().split('\n')).toEqual(['Configuration error: HOLD_TTL_SECONDS: must be an integer between 1 and 86400, got "five"']);
  });

  it('given production without secrets, when started, then it refuses to start', async () => {
    const server = runServer({ NODE_ENV: 'production' });
    started.push(server.child);

    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('AUTH_SECRET: is required when NODE_ENV=production');
  });

  it('given a fresh database, when started, stopped with SIGTERM and restarted, then the seeded catalogue survives once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-server-'));
    dirs.push(dir);
    const env = { DB_PATH: join(dir, 'nested', 'booking.db') };

    const first = runServer(env);
    started.push(first.child);
    const firstUrl = await listeningUrl(first);
    await untilReady(firstUrl);
    const health = await fetch(`${firstUrl}/health`);
    const concerts = await (await fetch(`${firstUrl}/v1/concerts`)).json() as { concerts: unknown[] };
    first.child.kill('SIGTERM');
    const firstExit = await first.exited;

    expect(health.status).toBe(200);
    // The 50-seat hall's two concerts and the arena's, whose schedule comes back from its layout after the restart.
    expect(concerts.concerts).toHaveLength(3);
    expect(concerts.concerts).toContainEqual(expect.objectContaining({ title: 'Nova Arena Tour', venue: 'Demo Arena' }));
    expect(firstExit).toBe(0);
    expect(first.output()).toContain('shutdown complete');

    const second = runServer(env);
    started.push(second.child);
    const secondUrl = await listeningUrl(second);
    await untilReady(secondUrl);
    const again = await (await fetch(`${secondUrl}/v1/concerts`)).json() as { concerts: unknown[] };
    second.child.kill('SIGINT');

    expect(again.concerts).toEqual(concerts.concerts);
    expect(await second.exited).toBe(0);
  });
});

describe('server process without HOST and secrets', () => {
  const started: ChildProcess[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const child of started.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'booking-secrets-'));
    dirs.push(dir);
    return dir;
  }

  function start(env: Record<string, string>): RunningServer {
    // HOST='' counts as unset; AUTH_SECRET and ADMIN_KEY are not passed at all.
    const server = runServer({ NODE_ENV: 'development', HOST: '', ...env });
    started.push(server.child);
    return server;
  }

  it('given development without HOST, when started, then it listens on 127.0.0.1 and not on the machine\'s other addresses', async () => {
    const server = start({ DB_PATH: ':memory:' });
    const url = await listeningUrl(server);
    const port = Number(new URL(url).port);
    const external = externalIPv4();

    expect(await connectable('127.0.0.1', port)).toBe(true);
    if (external !== null) expect(await connectable(external, port)).toBe(false);
    expect(server.output()).not.toMatch(/Server listening at http:\/\/(?!127\.0\.0\.1)/);
    expect(await stop(server)).toBe(0);
  });

  it('given a new data directory, when started, restarted and restarted again, then the secrets are generated once into a 0600 file, the admin key is printed once, and a token minted before the restarts still works', async () => {
    const dir = tempDir();
    const env = { DB_PATH: join(dir, 'data', 'booking.db') };
    const secretsPath = join(dir, 'data', 'secrets.json');

    const first = start(env);
    const firstUrl = await listeningUrl(first);
    await untilReady(firstUrl);
    const minted = await fetch(`${firstUrl}/v1/auth/demo-token`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'alice' }),
    });
    const { token } = await minted.json() as { token: string };
    const printedKeys = [...first.output().matchAll(PRINTED_ADMIN_KEY)].map((match) => match[1]);
    const stored = JSON.parse(readFileSync(secretsPath, 'utf8')) as { authSecret: string; adminKey: string };
    const firstExit = await stop(first);

    expect(minted.status).toBe(200);
    expect(statSync(secretsPath).mode & 0o777).toBe(0o600);
    expect(printedKeys).toEqual([stored.adminKey]);
    expect(firstExit).toBe(0);

    for (const restart of [1, 2]) {
      const again = start(env);
      const url = await listeningUrl(again);
      await untilReady(url);
      const balance = await fetch(`${url}/v1/users/me/balance`, { headers: { authorization: `Bearer ${token}` } });
      const stats = await fetch(`${url}/v1/admin/stats`, { headers: { 'x-admin-key': stored.adminKey } });
      const exit = await stop(again);

      expect({ restart, balance: balance.status, stats: stats.status, exit }).toEqual({ restart, balance: 200, stats: 200, exit: 0 });
      expect(again.output()).toContain(`kept in ${secretsPath}`);
      expect(again.output()).not.toContain(stored.adminKey);
      expect(again.output()).not.toContain(stored.authSecret);
    }
    expect(first.output()).not.toContain(stored.authSecret);
    expect(first.output()).not.toContain(token);
    expect(JSON.parse(readFileSync(secretsPath, 'utf8'))).toEqual(stored);
  });

  it('given production without secrets, when started on a data directory, then it refuses and writes no secrets file', async () => {
    const dir = tempDir();
    const server = start({ NODE_ENV: 'production', DB_PATH: join(dir, 'booking.db'), HOST: '' });

    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('AUTH_SECRET: is required when NODE_ENV=production');
    expect(existsSync(join(dir, 'secrets.json'))).toBe(false);
  });
});
