/**
 * Seat-map fan-out: one seat change delivered to N connected WebSockets (default 10,000).
 *
 * The server (real engine on SQLite, real app, system clock) runs in this process; the N clients run in
 * a forked child so that client work and memory do not count against the server. Measured:
 * - delivery: from the moment the change is submitted (engine.hold / engine.cancelReservation) to the
 *   arrival of the delta at the first, median, 99th percentile and last socket, per round;
 * - ackMs: submit -> the caller's await resumes (the delta is published at the commit, just before);
 * - serverCpuMs: CPU time (user + system) the server process spent from the submit to the last delivery:
 *   the commit plus writing the delta to every socket, a figure less at the mercy of a busy machine;
 * - memory per connected socket on the server: (after connecting - before) / N, after a full GC.
 * Times across the two processes use performance.timeOrigin + performance.now() (same machine clock).
 *
 * Run: npx tsx bench/ws-fanout.ts [--sockets 10000] [--rounds 6] [--json]
 * Or import { runWsFanout } from a benchmark runner.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { SystemClock } from '../src/actors/clock.js';
import { createEngine } from '../src/actors/engine.js';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import type { BookingEngine } from '../src/domain/engine.js';

export interface WsFanoutOptions {
  sockets: number;
  /** Changes measured: holds and cancellations alternate. */
  rounds: number;
  /** Sockets the client process opens at once while connecting. */
  connectConcurrency: number;
  log: (message: string) => void;
}

export interface FanoutRound {
  change: 'hold' | 'cancel';
  version: number;
  ackMs: number;
  serverCpuMs: number;
  firstDeliveryMs: number;
  p50DeliveryMs: number;
  p99DeliveryMs: number;
  lastDeliveryMs: number;
  delivered: number;
}

export interface WsFanoutResult {
  sockets: number;
  connectSeconds: number;
  rounds: FanoutRound[];
  medianLastDeliveryMs: number;
  maxLastDeliveryMs: number;
  medianServerCpuMs: number;
  loadAverage1m: number;
  memory: { heapAndExternalBytesPerSocket: number; rssBytesPerSocket: number; rssBeforeMb: number; rssAfterMb: number };
  node: string;
}

const DEFAULTS: WsFanoutOptions = { sockets: 10_000, rounds: 6, connectConcurrency: 200, log: (m) => process.stderr.write(`[ws-fanout] ${m}\n`) };

// ---------------------------------------------------------------- messages between the two processes

type ToClients =
  | { kind: 'connect'; urls: string[]; concurrency: number }
  | { kind: 'expect'; version: number }
  | { kind: 'exit' };
type FromClients =
  | { kind: 'connected'; sockets: number; failed: number }
  | { kind: 'delivered'; version: number; arrivalsMs: number[] };

function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

// ---------------------------------------------------------------- server side (this process)

function fullGc(): () => void {
  setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  return () => {
    gc();
    gc();
  };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] as number;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

async function admitUsers(engine: BookingEngine, app: Awaited<ReturnType<typeof buildApp>>, count: number): Promise<Array<{ userId: string; userToken: string; queueToken: string }>> {
  const users: Array<{ userId: string; userToken: string; queueToken: string }> = [];
  const chunk = 1_000;
  for (let start = 0; start < count; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, count - start) }, (_, i) => `fan${start + i}`);
    const issued = await Promise.all(ids.map((userId) => engine.issueQueueToken(userId)));
    issued.forEach((result, i) => {
      if (!result.ok) throw new Error(`issueQueueToken: ${result.error.code}`);
      const userId = ids[i] as string;
      users.push({ userId, userToken: app.issueUserToken(userId, 3_600).token, queueToken: result.value.status.token });
    });
  }
  // Admission happens on the queue's one-second tick.
  const deadline = Date.now() + 30_000;
  while (users.some((user) => !engine.checkQueueAccess(user.userId, user.queueToken).ok)) {
    if (Date.now() > deadline) throw new Error('users were not admitted within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return users;
}

function send(child: ChildProcess, message: ToClients): void {
  child.send(message);
}

function nextMessage<K extends FromClients['kind']>(child: ChildProcess, kind: K, timeoutMs: number): Promise<Extract<FromClients, { kind: K }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`client process: no '${kind}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: FromClients): void => {
      if (message.kind !== kind) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message as Extract<FromClients, { kind: K }>);
    };
    child.on('message', onMessage);
  });
}

export async function runWsFanout(overrides: Partial<WsFanoutOptions> = {}): Promise<WsFanoutResult> {
  const options = { ...DEFAULTS, ...overrides };
  const { log } = options;
  const gc = fullGc();
  const tempDir = mkdtempSync(join(tmpdir(), 'ws-fanout-'));
  const base = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DB_PATH: join(tempDir, 'booking.db'), QUEUE_MAX_ACTIVE: String(options.sockets + 10) });
  const config: Config = { ...base, ws: { ...base.ws, maxSubscribersPerSchedule: options.sockets + 10 } };
  const engine = createEngine({ dbPath: config.dbPath, limits: config.limits, durability: config.durability, clock: new SystemClock() });
  const app = await buildApp({ config, engine, logger: false });
  let child: ChildProcess | undefined;
  try {
    await app.ready();
    await engine.start();
    const created = await engine.createConcert({
      title: 'Fan-out', venue: 'Bench Hall',
      schedules: [{ startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(Date.now() - 86_400_000).toISOString() }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('not listening');

    log(`admitting ${options.sockets} users`);
    const users = await admitUsers(engine, app, options.sockets);
    const bookerId = users[0]!.userId;
    const urls = users.map((user) => `ws://127.0.0.1:${address.port}/v1/schedules/${scheduleId}/seats/ws?token=${user.userToken}&queueToken=${user.queueToken}`);

    child = fork(fileURLToPath(import.meta.url), ['--clients'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    gc();
    const before = process.memoryUsage();
    log(`connecting ${options.sockets} sockets`);
    const connectStarted = Date.now();
    send(child, { kind: 'connect', urls, concurrency: options.connectConcurrency });
    const connected = await nextMessage(child, 'connected', 300_000);
    const connectSeconds = (Date.now() - connectStarted) / 1000;
    if (connected.failed > 0) throw new Error(`${connected.failed} sockets failed to connect`);
    gc();
    const after = process.memoryUsage();
    log(`connected ${connected.sockets} in ${connectSeconds.toFixed(1)} s; rss ${(before.rss / 1e6).toFixed(0)} -> ${(after.rss / 1e6).toFixed(0)} MB`);

    const rounds: FanoutRound[] = [];
    let reservationId: string | undefined;
    for (let round = 0; round < options.rounds; round++) {
      const version = (engine.getSeatMap(scheduleId) as { ok: true; value: { version: number } }).value.version + 1;
      send(child, { kind: 'expect', version });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const change: FanoutRound['change'] = reservationId === undefined ? 'hold' : 'cancel';
      const cpuBefore = process.cpuUsage();
      const startedAt = wallClockMs();
      if (reservationId === undefined) {
        const held = await engine.hold({ userId: bookerId, scheduleId, seatNumbers: [1 + (round % 50)] });
        if (!held.ok) throw new Error(`hold: ${held.error.code}`);
        reservationId = held.value.reservationId;
      } else {
        const cancelled = await engine.cancelReservation(bookerId, reservationId);
        if (!cancelled.ok) throw new Error(`cancel: ${cancelled.error.code}`);
        reservationId = undefined;
      }
      const committedAt = wallClockMs();
      const delivered = await nextMessage(child, 'delivered', 60_000);
      const cpu = process.cpuUsage(cpuBefore);
      const arrivals = delivered.arrivalsMs.map((at) => at - startedAt).sort((a, b) => a - b);
      rounds.push({
        change, version,
        ackMs: round2(committedAt - startedAt),
        serverCpuMs: round2((cpu.user + cpu.system) / 1000),
        firstDeliveryMs: round2(arrivals[0] ?? Number.NaN),
        p50DeliveryMs: round2(percentile(arrivals, 0.5)),
        p99DeliveryMs: round2(percentile(arrivals, 0.99)),
        lastDeliveryMs: round2(arrivals[arrivals.length - 1] ?? Number.NaN),
        delivered: arrivals.length,
      });
      log(`round ${round + 1} (${change}): last delivery ${rounds[rounds.length - 1]!.lastDeliveryMs} ms to ${arrivals.length} sockets`);
    }

    const lasts = rounds.map((round) => round.lastDeliveryMs);
    return {
      sockets: connected.sockets,
      connectSeconds: round2(connectSeconds),
      rounds,
      medianLastDeliveryMs: round2(median(lasts)),
      maxLastDeliveryMs: round2(Math.max(...lasts)),
      medianServerCpuMs: round2(median(rounds.map((round) => round.serverCpuMs))),
      loadAverage1m: round2(loadavg()[0] ?? 0),
      memory: {
        heapAndExternalBytesPerSocket: Math.round((after.heapUsed + after.external - before.heapUsed - before.external) / connected.sockets),
        rssBytesPerSocket: Math.round((after.rss - before.rss) / connected.sockets),
        rssBeforeMb: round2(before.rss / 1e6),
        rssAfterMb: round2(after.rss / 1e6),
      },
      node: process.version,
    };
  } finally {
    if (child !== undefined && child.connected) {
      send(child, { kind: 'exit' });
      await new Promise((resolve) => child!.once('exit', resolve));
    }
    await app.close();
    await engine.close();
    rmSync(tempDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- client side (the forked process)

function runClients(): void {
  const sockets: WebSocket[] = [];
  let expected: { version: number; marker: Buffer; arrivalsMs: number[] } | undefined;

  const onMessage = (data: WebSocket.RawData): void => {
    const at = wallClockMs();
    const current = expected;
    // Matching bytes instead of parsing JSON keeps the client's own cost out of the figures.
    if (current === undefined || !(data as Buffer).includes(current.marker)) return;
    current.arrivalsMs.push(at);
    if (current.arrivalsMs.length === sockets.length) {
      expected = undefined;
      process.send?.({ kind: 'delivered', version: current.version, arrivalsMs: current.arrivalsMs } satisfies FromClients);
    }
  };

  async function connectAll(urls: string[], concurrency: number): Promise<number> {
    let next = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < urls.length) {
        const url = urls[next++] as string;
        await new Promise<void>((resolve) => {
          const socket = new WebSocket(url);
          socket.once('message', () => {
            // The first message is the snapshot: the socket is subscribed.
            socket.on('message', onMessage);
            sockets.push(socket);
            resolve();
          });
          socket.once('error', () => {
            failed++;
            resolve();
          });
        });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return failed;
  }

  process.on('message', (message: ToClients) => {
    if (message.kind === 'connect') {
      void connectAll(message.urls, message.concurrency).then((failed) => {
        process.send?.({ kind: 'connected', sockets: sockets.length, failed } satisfies FromClients);
      });
    } else if (message.kind === 'expect') {
      expected = { version: message.version, marker: Buffer.from(`"version":${message.version},`), arrivalsMs: [] };
    } else {
      for (const socket of sockets) socket.terminate();
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- entry point

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const isEntryPoint = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isEntryPoint && process.argv.includes('--clients')) {
  runClients();
} else if (isEntryPoint) {
  const result = await runWsFanout({
    sockets: Number(argument('--sockets') ?? DEFAULTS.sockets),
    rounds: Number(argument('--rounds') ?? DEFAULTS.rounds),
  });
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(`sockets ${result.sockets} (connected in ${result.connectSeconds} s), node ${result.node}\n`);
    for (const round of result.rounds) {
      process.stdout.write(`  v${round.version} ${round.change.padEnd(6)} ack ${round.ackMs} ms, server CPU ${round.serverCpuMs} ms, `
        + `delivered first ${round.firstDeliveryMs} / p50 ${round.p50DeliveryMs} / p99 ${round.p99DeliveryMs} / last ${round.lastDeliveryMs} ms\n`);
    }
    process.stdout.write(`change -> last delivery: median ${result.medianLastDeliveryMs} ms, max ${result.maxLastDeliveryMs} ms; `
      + `server CPU per fan-out: median ${result.medianServerCpuMs} ms (1-minute load average ${result.loadAverage1m})\n`);
    process.stdout.write(`server memory per connected socket: ${(result.memory.heapAndExternalBytesPerSocket / 1024).toFixed(1)} KiB heap+external, `
      + `${(result.memory.rssBytesPerSocket / 1024).toFixed(1)} KiB RSS (rss ${result.memory.rssBeforeMb} -> ${result.memory.rssAfterMb} MB)\n`);
  }
}
