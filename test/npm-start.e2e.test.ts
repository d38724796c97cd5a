/**
 * `npm start` as a process manager runs it: npm, then scripts/start.mjs and the server in one process.
 * A SIGTERM to npm (what most managers signal), to the whole process group (systemd's default, or Ctrl-C's
 * SIGINT) or to the server process must end in a clean shutdown, exit code 0 from npm, no process left
 * behind, and a database that reopens with what was committed and nothing to replay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from './reliability/support/server-process.js';

const ADMIN_KEY = 'npm-start-admin-key-0123456789';
const AUTH_SECRET = 'npm-start-auth-secret-0123456789abcdef-0123456789';
const START_TIMEOUT_MS = 60_000;

interface Run { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

function run(command: string, args: string[], dbPath: string, detached = false): Run {
  const child = spawn(command, args, {
    cwd: REPO_ROOT,
    detached,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? tmpdir(),
      NODE_ENV: 'production',
      AUTH_SECRET,
      ADMIN_KEY,
      // Ed25519 PKCS8 DER in base64: production requires a ticket-signing key (tests only).
      TICKET_SIGNING_KEY: 'MC4CAQAwBQYDK2VwBCIEIAkvDTL82ERpt9kmO065rQmoUR39dvzWiMeEuNBjbdR+',
      HOST: '127.0.0.1',
      PORT: '0',
      DB_PATH: dbPath,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, output: () => output, exited };
}

async function readyUrl(server: Run): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(server.output())?.[1];
    if (url !== undefined) {
      const ready = await fetch(`${url}/ready`).catch(() => null);
      if (ready?.status === 200) return url;
    }
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not ready:\n${server.output()}`);
}

/** The pids whose parent is `pid` (Linux /proc): the process `npm start` runs under npm. */
function childrenOf(pid: number): number[] {
  const path = `/proc/${pid}/task/${pid}/children`;
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function createConcert(url: string, title: string): Promise<number> {
  const res = await fetch(`${url}/v1/admin/concerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-admin-key': ADMIN_KEY },
    body: JSON.stringify({ title, venue: 'Hall', schedules: [{ startsAt: new Date(Date.now() + 86_400_000).toISOString() }] }),
  });
  return res.status;
}

type Target = 'the npm process' | 'the process group' | 'the server process';

describe('npm start', () => {
  const dirs: string[] = [];
  const runs: Run[] = [];
  const serverPids: number[] = [];
  beforeAll(() => ensureBuilt(), 200_000);
  afterEach(() => {
    for (const { child } of runs.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // A failing run may leave the server orphaned (the bug this file guards against): never leave it running.
    for (const pid of serverPids.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });
  afterAll(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it.each<[Target, NodeJS.Signals]>([
    ['the npm process', 'SIGTERM'],
    ['the process group', 'SIGTERM'],
    ['the process group', 'SIGINT'],
    ['the server process', 'SIGTERM'],
  ])('given a running `npm start`, when %s gets %s, then the server shuts down cleanly, npm exits 0 and the database reopens with nothing to replay', async (target, signal) => {
    const dir = mkdtempSync(join(tmpdir(), 'booking-npm-start-'));
    dirs.push(dir);
    const dbPath = join(dir, 'booking.db');
    const npm = run('npm', ['start'], dbPath, target === 'the process group');
    runs.push(npm);
    const url = await readyUrl(npm);
    const created = await createConcert(url, 'Before the stop');
    const [server] = childrenOf(npm.child.pid!);
    if (server !== undefined) serverPids.push(server);

    if (target === 'the npm process') npm.child.kill(signal);
    if (target === 'the process group') process.kill(-npm.child.pid!, signal);
    if (target === 'the server process') process.kill(server!, signal);
    const exit = await npm.exited;

    expect(created).toBe(201);
    expect(server).toBeDefined();
    expect(exit).toEqual({ code: 0, signal: null });
    expect(npm.output()).toContain('shutdown complete');
    expect(npm.output()).not.toContain('without a clean shutdown');
    expect(alive(server!)).toBe(false);

    const reopened = run(process.execPath, ['dist/server.js'], dbPath);
    runs.push(reopened);
    const again = await readyUrl(reopened);
    const { concerts } = await (await fetch(`${again}/v1/concerts`)).json() as { concerts: { title: string }[] };
    reopened.child.kill('SIGTERM');
    const reopenedExit = await reopened.exited;

    expect(concerts.map((concert) => concert.title)).toEqual(['Before the stop']);
    expect(reopened.output()).toMatch(/"replayedEvents":0[,}]/);
    expect(reopenedExit.code).toBe(0);
  });
});
