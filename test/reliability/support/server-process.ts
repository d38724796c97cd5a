/**
 * The real server as a child process (`node dist/server.js`, the `npm start` path without the build
 * step), on a temp database and a free port, so a test can kill -9, stop and continue it like an
 * operating system would.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HttpClient, sleep } from './http-client.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SERVER_ENTRY = join(REPO_ROOT, 'dist/server.js');
const BUILD_LOCK = join(REPO_ROOT, 'dist/.reliability-build.lock');
const READY_TIMEOUT_MS = 30_000;

export const RELIABILITY_AUTH_SECRET = 'reliability-auth-secret-0123456789abcdef-0123456789';
export const RELIABILITY_ADMIN_KEY = 'reliability-admin-key-0123456789';
/** Ed25519 PKCS8 DER in base64: production requires a ticket-signing key (tests only). */
export const RELIABILITY_TICKET_SIGNING_KEY = 'MC4CAQAwBQYDK2VwBCIEIAkvDTL82ERpt9kmO065rQmoUR39dvzWiMeEuNBjbdR+';

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function distIsStale(): boolean {
  return !existsSync(SERVER_ENTRY) || newestMtimeMs(join(REPO_ROOT, 'src')) > statSync(SERVER_ENTRY).mtimeMs;
}

/**
 * Builds dist/ when it is missing or older than src/ (CI builds before testing, so there it is a no-op).
 * Several suites may ask at once: a lock directory makes one build and the others wait for it.
 */
export async function ensureBuilt(): Promise<void> {
  if (!distIsStale()) return;
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`build lock ${BUILD_LOCK} held for 3 minutes`);
      // A lock older than the longest build is left over from a killed run.
      try {
        if (Date.now() - statSync(BUILD_LOCK).mtimeMs > 170_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      await sleep(500);
    }
  }
  try {
    if (!distIsStale()) return;
    const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServerOptions {
  dbPath: string;
  /** Extra environment (HOLD_TTL_SECONDS, QUEUE_MAX_ACTIVE, ...). */
  env?: Record<string, string>;
  /** Server stdout/stderr are appended here (kept for a failing run). */
  logPath: string;
}

/** One server process at a time on a fixed database and port; start() again after a kill is a restart. */
export class ServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private exitedEarly = false;
  readonly http: HttpClient;
  starts = 0;

  private constructor(readonly port: number, private readonly options: ServerOptions) {
    this.http = new HttpClient(`http://127.0.0.1:${port}`);
  }

  static async create(options: ServerOptions): Promise<ServerProcess> {
    await ensureBuilt();
    mkdirSync(dirname(options.dbPath), { recursive: true });
    return new ServerProcess(await freePort(), options);
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the process and waits until /ready answers 200 (recovery done). */
  async start(): Promise<void> {
    this.spawn();
    await this.waitReady();
  }

  /** Starts the process without waiting (to kill it in the middle of start-up and recovery). */
  spawn(): void {
    if (this.child !== null) throw new Error('server already running');
    const log = openSync(this.options.logPath, 'a');
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        AUTH_SECRET: RELIABILITY_AUTH_SECRET,
        ADMIN_KEY: RELIABILITY_ADMIN_KEY,
        TICKET_SIGNING_KEY: RELIABILITY_TICKET_SIGNING_KEY,
        HOST: '127.0.0.1',
        PORT: String(this.port),
        DB_PATH: this.options.dbPath,
        LOG_LEVEL: 'warn',
        RATE_LIMIT_TOKENS_PER_MINUTE: '1000000',
        ...this.options.env,
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.child = child;
    this.starts++;
    this.exitedEarly = false;
    this.exited = new Promise((resolveExit) => child.once('exit', () => {
      this.exitedEarly = true;
      resolveExit();
    }));
  }

  async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (this.exitedEarly) {
        this.child = null;
        throw new Error(`server exited during start-up (see ${this.options.logPath})`);
      }
      try {
        const ready = await this.http.call('GET', '/ready', { timeoutMs: 1_000 });
        if (ready.status === 200) return;
      } catch { /* not listening yet */ }
      if (Date.now() > deadline) throw new Error(`server not ready within ${READY_TIMEOUT_MS} ms (see ${this.options.logPath})`);
      await sleep(25);
    }
  }

  /** kill -9: no shutdown hook runs, nothing is flushed that was not committed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGKILL');
    await this.exited;
    this.child = null;
  }

  /** SIGSTOP: the process keeps its sockets but runs nothing (no timers, no answers). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** SIGTERM and wait: the graceful path. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }
}
