/**
 * Worker for scenario 7 (and the durable join rate of scenario 6): builds a database through the
 * engine, as production would fill it: N schedules via createConcert, then M fans joining the waiting
 * room via issueQueueToken, then close. Measures heap per schedule actor and per waiting token on the
 * way. Needs --expose-gc.
 *
 * Usage: node --expose-gc --import tsx bench/workers/recovery-build.ts '{"dbPath":..,"schedules":10000,"tokens":1000000}'
 */
import { statSync } from 'node:fs';
import { settledHeapBytes, workerMain } from '../lib/worker.js';
import { createBenchEngine, createSchedules } from './bench-engine.js';

export interface RecoveryBuildArgs { dbPath: string; schedules: number; tokens: number; joinConcurrency: number }

export interface RecoveryBuildResult {
  schedules: number;
  tokens: number;
  scheduleBuildMs: number;
  heapBytesPerSchedule: number;
  /** Durable joins (issueQueueToken resolved after commit) per second. */
  joinsPerSecond: number;
  heapBytesPerToken: number;
  dbBytes: number;
  closeMs: number;
}

/** The contract's default: the line stays a line (only 100 ACTIVE). */
const QUEUE_MAX_ACTIVE = 100;

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function main(args: RecoveryBuildArgs): Promise<RecoveryBuildResult> {
  const engine = createBenchEngine(args.dbPath, 'FULL', { queueMaxActive: QUEUE_MAX_ACTIVE });
  await engine.start();
  const heapStarted = settledHeapBytes();

  const schedulesStartedAt = performance.now();
  await createSchedules(engine, args.schedules);
  const scheduleBuildMs = performance.now() - schedulesStartedAt;
  const heapWithSchedules = settledHeapBytes();
  process.stderr.write(`${args.schedules} schedules in ${Math.round(scheduleBuildMs)} ms\n`);

  const joinsStartedAt = performance.now();
  for (let made = 0; made < args.tokens; made += args.joinConcurrency) {
    const count = Math.min(args.joinConcurrency, args.tokens - made);
    await Promise.all(Array.from({ length: count }, async (_, i) => {
      const result = await engine.issueQueueToken(`fan-${made + i}`);
      if (!result.ok) throw new Error(`join: ${result.error.code}`);
    }));
    if ((made + count) % 100_000 === 0) process.stderr.write(`${made + count} joined\n`);
  }
  const joinMs = performance.now() - joinsStartedAt;
  const heapWithTokens = settledHeapBytes();

  const closeStartedAt = performance.now();
  await engine.close();
  const closeMs = performance.now() - closeStartedAt;
  return {
    schedules: args.schedules,
    tokens: args.tokens,
    scheduleBuildMs: Math.round(scheduleBuildMs),
    heapBytesPerSchedule: Math.round((heapWithSchedules - heapStarted) / args.schedules),
    joinsPerSecond: Math.round(args.tokens / (joinMs / 1000)),
    heapBytesPerToken: Math.round((heapWithTokens - heapWithSchedules) / args.tokens),
    dbBytes: fileBytes(args.dbPath) + fileBytes(`${args.dbPath}-wal`),
    closeMs: Math.round(closeMs),
  };
}

void workerMain(main);
