/**
 * What the outbox costs the hot path, A/B in one process: the engine as built before the outbox (a build of
 * an earlier commit, `--before=<its dist directory>`) and as built now (./dist), alternated round by round on
 * the same machine, 64 callers in process, FULL durability: hold+cancel (now one event per cancel) and
 * hold+pay (one event per payment). Paired per-round ratios cancel most of a noisy machine's drift.
 *
 *   git worktree add /tmp/before <commit> && ln -s $PWD/node_modules /tmp/before/ && (cd /tmp/before && npm run build)
 *   npm run build && npx tsx bench/experiments/outbox-ab.ts --before=/tmp/before/dist [--rounds=5] [--seconds=4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BookingEngine, EngineLimits } from '../../src/domain/engine.js';

type CreateEngine = (options: { dbPath: string; durability: 'FULL'; limits: EngineLimits }) => BookingEngine;

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const ROUNDS = Number(arg('rounds') ?? 5);
const SECONDS = Number(arg('seconds') ?? 4);
const CALLERS = 64;
const DAY_MS = 86_400_000;

async function load(distDir: string): Promise<{ createEngine: CreateEngine; limits: EngineLimits }> {
  const engineModule = await import(pathToFileURL(join(distDir, 'actors/engine.js')).href) as { createEngine: CreateEngine };
  const domain = await import(pathToFileURL(join(distDir, 'domain/engine.js')).href) as { DEFAULT_LIMITS: EngineLimits };
  return { createEngine: engineModule.createEngine, limits: { ...domain.DEFAULT_LIMITS, queueMaxActive: 1_000_000, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS } };
}

async function run(build: { createEngine: CreateEngine; limits: EngineLimits }, dbPath: string, workload: 'hold+cancel' | 'hold+pay'): Promise<number> {
  const engine = build.createEngine({ dbPath, durability: 'FULL', limits: build.limits });
  await engine.start();
  const scheduleIds: string[] = [];
  // 40,000 seats: enough for a few seconds of purchases at this machine's pace.
  for (let c = 0; c < (workload === 'hold+pay' ? 8 : 1); c++) {
    const concert = await engine.createConcert({
      title: `AB ${c}`, venue: 'Hall', schedules: Array.from({ length: 100 }, (_, i) => ({ startsAt: new Date(Date.now() + 30 * DAY_MS + (c * 100 + i) * 60_000).toISOString() })),
    });
    if (!concert.ok) throw new Error(concert.error.code);
    scheduleIds.push(...concert.value.schedules.map((s) => s.scheduleId));
  }
  // Money first, outside the timed run, as scenario 5 does.
  const buyers = workload === 'hold+pay' ? scheduleIds.length * 50 : CALLERS;
  for (let i = 0; i < buyers; i += 500) await Promise.all(Array.from({ length: Math.min(500, buyers - i) }, (_, j) => engine.charge({ userId: `u${i + j}`, amount: 1_000_000 })));
  let commands = 0;
  let next = 0;
  const startedAt = performance.now();
  const deadline = startedAt + SECONDS * 1000;
  await Promise.all(Array.from({ length: CALLERS }, async (_, caller) => {
    while (performance.now() < deadline) {
      if (workload === 'hold+cancel') {
        const userId = `u${caller}`;
        const held = await engine.hold({ userId, scheduleId: scheduleIds[Math.floor(caller / 50)]!, seatNumbers: [(caller % 50) + 1] });
        if (!held.ok) throw new Error(held.error.code);
        await engine.cancelReservation(userId, held.value.reservationId);
      } else {
        const i = next++;
        if (i >= buyers || i >= scheduleIds.length * 50) throw new Error('out of buyers or seats: shorten --seconds');
        const userId = `u${i}`;
        const held = await engine.hold({ userId, scheduleId: scheduleIds[Math.floor(i / 50)]!, seatNumbers: [(i % 50) + 1] });
        if (!held.ok) throw new Error(held.error.code);
        await engine.pay({ userId, reservationId: held.value.reservationId });
      }
      commands += 2;
    }
  }));
  const perSecond = commands / ((performance.now() - startedAt) / 1000);
  await engine.close();
  return perSecond;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const beforeDir = arg('before');
  if (beforeDir === undefined) throw new Error('--before=<dist directory of the build before the outbox> is required');
  const builds = { before: await load(resolve(beforeDir)), after: await load(resolve('dist')) };
  const dir = mkdtempSync(join(tmpdir(), 'outbox-ab-'));
  const results: Record<string, number[]> = {};
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const workload of ['hold+cancel', 'hold+pay'] as const) {
        // Alternate which build goes first, so neither always runs on a warmer machine.
        const order = round % 2 === 1 ? (['before', 'after'] as const) : (['after', 'before'] as const);
        for (const name of order) {
          const value = await run(builds[name], join(dir, `${name}-${workload}-${round}.db`), workload);
          (results[`${workload} ${name}`] ??= []).push(value);
          process.stderr.write(`round ${round} ${workload} ${name}: ${Math.round(value)} commands/s\n`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const workload of ['hold+cancel', 'hold+pay']) {
    const before = results[`${workload} before`]!;
    const after = results[`${workload} after`]!;
    const ratios = after.map((value, i) => value / before[i]!);
    process.stdout.write(`${workload}: before ${Math.round(median(before))}, after ${Math.round(median(after))} commands/s (medians); `
      + `after/before per round ${ratios.map((r) => r.toFixed(2)).join(' · ')}; median ${median(ratios).toFixed(2)}\n`);
  }
}

await main();
