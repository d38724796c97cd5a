/**
 * Server processes under test: the real server (`node dist/server.js`) and the bare Fastify ceiling
 * (`bench/bare-server.ts`), each in its own process so the load generator never shares their core.
 * Every process started here is stopped by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const BENCH_AUTH_SECRET = 'bench-auth-secret-0123456789abcdef-0123456789';
export const BENCH_ADMIN_KEY = 'bench-admin-key-0123456789';
/** Ed25519 PKCS8 DER in base64: production requires a ticket-signing key (benchmarks only). */
export const BENCH_TICKET_SIGNING_KEY = 'MC4CAQAwBQYDK2VwBCIEIP0dUZ+J4wgZSYlUgk47cU2mEc9kskEUtuN0MGvQfYPt';

const CLOCK_TICKS_PER_SECOND = 100;
const READY_POLL_MS = 20;
const STOP_GRACE_MS = 20_000;
const KEPT_OUTPUT_LINES = 200;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly baseUrl: string;
  /** Wall time from spawn to the first 200 on the readiness path. */
  readonly startupMs: number;
  /** Recent stdout/stderr lines (JSON log lines for the real server). */
  readonly output: string[];
  /** Every output line that matched StartOptions.capture, however long ago. */
  readonly captured: string[];
  /** utime + stime of the process so far, from /proc (Linux). */
  cpuSeconds(): number;
  /** Resident set size now, from /proc (Linux). */
  rssBytes(): number;
  stop(): Promise<void>;
  /** SIGKILL, as a crash: no shutdown code runs. */
  kill(): Promise<void>;
}

export interface StartOptions {
  name: string;
  /** Node arguments before the script, e.g. ['--import', 'tsx']. */
  nodeArgs: string[];
  script: string;
  env: Record<string, string>;
  cwd: string;
  readyPath: string;
  readyTimeoutMs: number;
  /** Directory for --cpu-prof output, or null for no profile. */
  profileDir: string | null;
  /** Output lines to keep however many lines follow them. */
  capture?: RegExp;
}

function procStat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

async function probe(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

export async function startProcess(options: StartOptions): Promise<ServerProcess> {
  const port = await freePort();
  // One directory per process: a process with loader hooks (tsx) profiles two threads.
  const profileArgs = options.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, `${options.name}-${Date.now()}`)}`];
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env, PORT: String(port), HOST: '127.0.0.1' };
  delete env.NODE_OPTIONS;
  const startedAt = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...profileArgs, ...options.nodeArgs, options.script], {
    cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const captured: string[] = [];
  /** Whole lines only: a chunk may end in the middle of a line. */
  const lineReader = (): ((chunk: Buffer) => void) => {
    let partial = '';
    return (chunk) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') continue;
        if (options.capture?.test(line) === true) captured.push(line);
        output.push(line);
        if (output.length > KEPT_OUTPUT_LINES) output.shift();
      }
    };
  };
  child.stdout?.on('data', lineReader());
  child.stderr?.on('data', lineReader());
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => {
    exitCode = code;
    resolve();
  }));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.name}: spawn failed`);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = startedAt + options.readyTimeoutMs;
  let startupMs = -1;
  while (performance.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${options.name} exited with ${exitCode} before ready:\n${output.slice(-20).join('\n')}`);
    if (await probe(`${baseUrl}${options.readyPath}`) === 200) {
      startupMs = performance.now() - startedAt;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  if (startupMs < 0) {
    child.kill('SIGKILL');
    throw new Error(`${options.name} not ready within ${options.readyTimeoutMs} ms:\n${output.slice(-20).join('\n')}`);
  }

  return {
    name: options.name, pid, port, baseUrl, startupMs, output, captured,
    cpuSeconds: () => {
      const fields = procStat(pid);
      return fields === null ? 0 : (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    },
    rssBytes: () => {
      const fields = procStat(pid);
      return fields === null ? 0 : Number(fields[21]) * 4096;
    },
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface RealServerOptions {
  name: string;
  dbPath: string;
  durability: 'FULL' | 'NORMAL';
  extraEnv?: Record<string, string>;
  readyTimeoutMs?: number;
  capture?: RegExp;
}

export interface BenchPaths { rootDir: string; serverEntry: string; profileDir: string | null }

/** The real server exactly as deployed: production mode (no demo seed, JSON logs), explicit secrets. */
export function startRealServer(paths: BenchPaths, options: RealServerOptions): Promise<ServerProcess> {
  return startProcess({
    name: options.name,
    nodeArgs: [],
    script: join(paths.rootDir, paths.serverEntry),
    cwd: paths.rootDir,
    env: {
      NODE_ENV: 'production',
      AUTH_SECRET: BENCH_AUTH_SECRET,
      ADMIN_KEY: BENCH_ADMIN_KEY,
      TICKET_SIGNING_KEY: BENCH_TICKET_SIGNING_KEY,
      LOG_LEVEL: 'warn',
      DB_PATH: options.dbPath,
      DB_SYNCHRONOUS: options.durability,
      QUEUE_MAX_ACTIVE: '1000000',
      QUEUE_ACTIVE_TTL_SECONDS: '86400',
      QUEUE_WAITING_IDLE_SECONDS: '86400',
      ...options.extraEnv,
    },
    readyPath: '/ready',
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    profileDir: paths.profileDir,
    ...(options.capture === undefined ? {} : { capture: options.capture }),
  });
}

/** The bare Fastify ceiling with the same logger level and HTTP settings as the real server. */
export function startBareServer(paths: BenchPaths): Promise<ServerProcess> {
  return startProcess({
    name: 'bare',
    nodeArgs: ['--import', 'tsx'],
    script: join(paths.rootDir, 'bench', 'bare-server.ts'),
    cwd: paths.rootDir,
    env: { NODE_ENV: 'production', AUTH_SECRET: BENCH_AUTH_SECRET, ADMIN_KEY: BENCH_ADMIN_KEY, TICKET_SIGNING_KEY: BENCH_TICKET_SIGNING_KEY, LOG_LEVEL: 'warn' },
    readyPath: '/ready',
    readyTimeoutMs: 60_000,
    profileDir: paths.profileDir,
  });
}
