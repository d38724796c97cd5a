/**
 * Sustained writes in process, to see the WAL rewind at work (bench/profile.md, section 0): 64 callers
 * hold and cancel seats back to back through createEngine for `seconds`, with the WAL checkpointer
 * worker as in production. Prints throughput, the transactions' tail, the event loop's longest gaps
 * (seen by a 10 ms interval timer) and the WAL file's peak size. `rewindAfterPages` of 1e12 turns the
 * rewind off (the behaviour before it: the WAL grows until the writer's own checkpoint inside a COMMIT).
 *
 * Usage: npx tsx bench/experiments/wal-stalls.ts [FULL|NORMAL] [seconds=30] [rewindAfterPages=1024]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SEATS_PER_SCHEDULE, createBenchEngine, createSchedules, holdCancel, slots } from '../workers/bench-engine.js';

const [durabilityArg = 'FULL', seconds = '30', rewindAfterPages = '1024'] = process.argv.slice(2);
const durability = durabilityArg === 'NORMAL' ? 'NORMAL' : 'FULL';
const CALLERS = 64;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wal-stalls-'));
  const dbPath = join(dir, 'booking.db');
  const engine = createBenchEngine(dbPath, durability, { walRewindAfterPages: Number(rewindAfterPages) });
  try {
    await engine.start();
    const callers = slots('fan', CALLERS, await createSchedules(engine, Math.ceil(CALLERS / SEATS_PER_SCHEDULE)));
    const transactionsMs: number[] = [];
    engine.observe({ committed: (batch) => transactionsMs.push(batch.durationMs) });
    let walPeak = 0;
    let lastTick = performance.now();
    const gaps: number[] = [];
    const monitor = setInterval(() => {
      const now = performance.now();
      if (now - lastTick - 10 > 20) gaps.push(Math.round(now - lastTick - 10));
      lastTick = now;
      walPeak = Math.max(walPeak, statSync(`${dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    }, 10);
    const startedAt = performance.now();
    const commands = await holdCancel(engine, callers, startedAt + Number(seconds) * 1000);
    clearInterval(monitor);
    const elapsed = (performance.now() - startedAt) / 1000;
    const longest = [...gaps].sort((a, b) => b - a).slice(0, 8);
    process.stdout.write(`${durability}, rewind after ${rewindAfterPages} pages: ${Math.round(commands / elapsed)} commands/s; `
      + `transaction p50 ${quantile(transactionsMs, 0.5).toFixed(2)} p99 ${quantile(transactionsMs, 0.99).toFixed(2)} max ${Math.max(...transactionsMs).toFixed(1)} ms; `
      + `event-loop gaps over 20 ms: ${gaps.length}, longest ${longest.join(', ') || '-'} ms; WAL file peak ${(walPeak / 1e6).toFixed(0)} MB\n`);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
