/**
 * What webhook delivery costs the hot path: the embedded engine in process (FULL durability, 64 callers)
 * running holds and payments, in three set-ups alternated round by round:
 *   none:    no endpoint (events are still written to the outbox: that cost is in every set-up);
 *   healthy: one endpoint for every type, delivered by the dispatcher in this process to a receiver in
 *            another process that answers 200 at once;
 *   broken:  one endpoint whose receiver never answers (every request waits out its timeout) and one whose
 *            port refuses connections.
 * Reports commands per second per set-up, the ratio to `none`, and how far delivery lagged at the end.
 *
 *   npx tsx bench/experiments/webhook-hot-path.ts [--rounds=3] [--seconds=4]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine } from '../../src/actors/engine.js';
import { DEFAULT_LIMITS, type BookingEngine } from '../../src/domain/engine.js';
import { EVENT_TYPES } from '../../src/domain/webhooks.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';

const CALLERS = 64;
const DAY_MS = 86_400_000;
const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const ROUNDS = arg('rounds', 3);
const SECONDS = arg('seconds', 4);
const silent = { warn: () => undefined, error: () => undefined };

const RECEIVER = `
const http = require('node:http');
const mode = process.argv[1];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { if (mode === 'ok') res.writeHead(200).end(); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function receiver(mode: 'ok' | 'hang'): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', RECEIVER, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout!.once('data', (data: Buffer) => resolve(data.toString().trim())));
  return { url: `http://127.0.0.1:${port}/hooks`, child };
}

type Setup = 'none' | 'healthy' | 'broken';

interface RunResult { commandsPerSecond: number; lagEvents: number; cpuMicrosPerCommand: number; mainThreadBusy: number }

async function run(setup: Setup, urls: Record<'ok' | 'hang', string>, dir: string, round: number): Promise<RunResult> {
  const engine: BookingEngine = createEngine({
    dbPath: join(dir, `${setup}-${round}.db`), durability: 'FULL',
    limits: { ...DEFAULT_LIMITS, queueMaxActive: 1_000_000, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS },
  });
  await engine.start();
  const concert = await engine.createConcert({
    title: 'Bench', venue: 'Hall',
    schedules: Array.from({ length: 100 }, (_, i) => ({ startsAt: new Date(Date.now() + 30 * DAY_MS + i * 60_000).toISOString() })),
  });
  if (!concert.ok) throw new Error(concert.error.code);
  const scheduleIds = concert.value.schedules.map((s) => s.scheduleId);
  const targets = setup === 'none' ? [] : setup === 'healthy' ? [urls.ok] : [urls.hang, 'http://127.0.0.1:9/dead'];
  for (const url of targets) await engine.createWebhookEndpoint({ url, events: [...EVENT_TYPES] });
  const dispatcher = new WebhookDispatcher({ engine, logger: silent, timeoutMs: 10_000 });
  dispatcher.start();

  let commands = 0;
  let next = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const startedAt = performance.now();
  // The receiver is another process on the same two cores: throughput alone would charge its work to the
  // engine. This process's CPU (both threads) per command, and how busy the engine's thread was, do not.
  const cpuAtStart = process.cpuUsage();
  const loopAtStart = performance.eventLoopUtilization();
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (performance.now() < deadline) {
      const i = next++;
      const scheduleId = scheduleIds[Math.floor(i / 50) % scheduleIds.length]!;
      const userId = `u${i}`;
      const seat = (i % 50) + 1;
      await engine.charge({ userId, amount: 1_000_000 });
      const held = await engine.hold({ userId, scheduleId, seatNumbers: [seat] });
      if (!held.ok) continue;
      // Every other one is paid (payment.completed), the rest cancelled (reservation.cancelled), so seats run out slowly.
      if (i % 2 === 0) await engine.pay({ userId, reservationId: held.value.reservationId });
      else await engine.cancelReservation(userId, held.value.reservationId);
      commands += 3;
    }
  }));
  const seconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const mainThreadBusy = performance.eventLoopUtilization(loopAtStart).utilization;
  // Events committed and not yet attempted (at most 1,000 counted).
  const lagEvents = setup === 'healthy' ? engine.eventRefsAfter(engine.listWebhookEndpoints()[0]?.deliveredThrough ?? 0, 1_000).length : 0;
  await dispatcher.stop();
  await engine.close();
  return { commandsPerSecond: commands / seconds, lagEvents, cpuMicrosPerCommand: (cpu.user + cpu.system) / commands, mainThreadBusy };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-bench-'));
  const ok = await receiver('ok');
  const hang = await receiver('hang');
  const results: Record<Setup, number[]> = { none: [], healthy: [], broken: [] };
  const cpuPerCommand: Record<Setup, number[]> = { none: [], healthy: [], broken: [] };
  const busy: Record<Setup, number[]> = { none: [], healthy: [], broken: [] };
  const lags: number[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const setup of ['none', 'healthy', 'broken'] as const) {
        const { commandsPerSecond, lagEvents, cpuMicrosPerCommand, mainThreadBusy } = await run(setup, { ok: ok.url, hang: hang.url }, dir, round);
        results[setup].push(commandsPerSecond);
        cpuPerCommand[setup].push(cpuMicrosPerCommand);
        busy[setup].push(mainThreadBusy);
        if (setup === 'healthy') lags.push(lagEvents);
        process.stderr.write(`round ${round} ${setup}: ${Math.round(commandsPerSecond)} commands/s, ${cpuMicrosPerCommand.toFixed(1)} µs CPU a command, engine thread ${(mainThreadBusy * 100).toFixed(0)}% busy${setup === 'healthy' ? `, delivery ${lagEvents} events behind at the end` : ''}\n`);
      }
    }
  } finally {
    ok.child.kill();
    hang.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(results.none);
  for (const setup of ['none', 'healthy', 'broken'] as const) {
    const ratios = results[setup].map((value, i) => value / (results.none[i] ?? value));
    process.stdout.write(`${setup}: median ${Math.round(median(results[setup]))} commands/s; per-round ratio to none ${ratios.map((r) => r.toFixed(2)).join(' · ')}; median ratio ${median(ratios).toFixed(2)}; `
      + `process CPU ${median(cpuPerCommand[setup]).toFixed(1)} µs a command; engine thread ${(median(busy[setup]) * 100).toFixed(0)}% busy\n`);
  }
  process.stdout.write(`healthy: delivery lag at the end of each round (events): ${lags.join(' · ')}; none: ${Math.round(base)} commands/s\n`);
}

await main();
