/**
 * The process shell end to end: a real `src/server.ts` process on a free port with a temp SQLite file.
 * Start-up refusals, readiness, demo seeding, graceful SIGTERM and a restart that keeps what was committed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
    expect(concerts.concerts).toHaveLength(2);
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
