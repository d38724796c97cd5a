/**
 * Worker for scenario 5: durable commands per second through createEngine (no HTTP), with group commit,
 * against raw better-sqlite3 batched inserts into the same journal table at the same synchronous
 * setting and the same batch size the engine reached. Runs alternate: engine hold+cancel, raw, engine
 * hold+pay, per round.
 *
 * Usage: node --import tsx bench/workers/engine-commands.ts '{"dbDir":..,"durability":"FULL",...}'
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { BookingEngine } from '../../src/domain/engine.js';
import { openDatabase } from '../../src/persistence/database.js';
import { workerMain } from '../lib/worker.js';
import { SEATS_PER_SCHEDULE, createBenchEngine, createSchedules, holdCancel, slots, unwrapOk, type Slot } from './bench-engine.js';
import { recordWrites, replayWrites, type ReplayRun } from './sql-replay.js';

export interface EngineCommandsArgs {
  dbDir: string;
  durability: 'FULL' | 'NORMAL';
  rounds: number;
  durationMs: number;
  warmupMs: number;
  /** Commands in flight at once (one per simulated caller). */
  concurrency: number;
  /** Also record the engine's writes and replay them raw (WriteFloor). */
  writeFloor: boolean;
}

export interface CommandRun {
  commandsPerSecond: number;
  commands: number;
  seconds: number;
  commits: number;
  meanCommandsPerCommit: number;
  /** The transaction (the event loop is blocked that long). */
  meanCommitMs: number;
  /** From the start of the transaction to the acknowledgement: adds the WAL flush at FULL. */
  meanAcknowledgedMs: number;
  /** The longest the event loop was held up during the run (perf_hooks event-loop delay, max). */
  maxLoopDelayMs: number;
  /** The largest size of the database's WAL file seen during the run, sampled every 50 ms. */
  walPeakBytes: number;
}

export interface RawRun { rowsPerSecond: number; rows: number; seconds: number; batchSize: number; rowBytes: number }

/** The engine's own writes replayed raw (sql-replay.ts), each round beside raw inserts of the same batch and row size. */
export interface WriteFloor {
  holdCancel: ReplayRun[];
  purchase: ReplayRun[];
  raw: RawRun[];
  /** Statements per command in the recorded windows. */
  statementsPerCommand: { holdCancel: number; purchase: number };
}

export interface EngineCommandsResult {
  durability: 'FULL' | 'NORMAL';
  concurrency: number;
  holdCancel: CommandRun[];
  purchase: CommandRun[];
  raw: RawRun[];
  floor: WriteFloor | null;
}

const BALANCE = 1_000_000;

class CommitMeter {
  commits = 0;
  commands = 0;
  commitMs = 0;
  acknowledgedMs = 0;
  constructor(engine: BookingEngine) {
    engine.observe({ committed: (batch) => {
      this.commits++;
      this.commands += batch.commands;
      this.commitMs += batch.durationMs;
      this.acknowledgedMs += batch.acknowledgedMs;
    } });
  }
  reset(): void {
    this.commits = 0;
    this.commands = 0;
    this.commitMs = 0;
    this.acknowledgedMs = 0;
  }
}

async function timed(meter: CommitMeter, walPath: string, body: (deadline: number) => Promise<number>, durationMs: number): Promise<CommandRun> {
  meter.reset();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  let walPeakBytes = 0;
  const sampler = setInterval(() => {
    walPeakBytes = Math.max(walPeakBytes, statSync(walPath, { throwIfNoEntry: false })?.size ?? 0);
  }, 50);
  loopDelay.enable();
  const startedAt = performance.now();
  const commands = await body(startedAt + durationMs);
  const seconds = (performance.now() - startedAt) / 1000;
  loopDelay.disable();
  clearInterval(sampler);
  return {
    commandsPerSecond: Math.round(commands / seconds),
    commands,
    seconds: Math.round(seconds * 100) / 100,
    commits: meter.commits,
    meanCommandsPerCommit: meter.commits === 0 ? 0 : Math.round((meter.commands / meter.commits) * 10) / 10,
    meanCommitMs: meter.commits === 0 ? 0 : Math.round((meter.commitMs / meter.commits) * 1000) / 1000,
    meanAcknowledgedMs: meter.commits === 0 ? 0 : Math.round((meter.acknowledgedMs / meter.commits) * 1000) / 1000,
    maxLoopDelayMs: Math.round(loopDelay.max / 1e5) / 10,
    walPeakBytes,
  };
}

/** Each caller buys with a fresh user and seat (hold, then pay) until the deadline or the slots run out. */
async function purchase(engine: BookingEngine, pool: readonly Slot[], concurrency: number, deadline: number): Promise<number> {
  let commands = 0;
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline && next < pool.length) {
      const slot = pool[next++] as Slot;
      const held = unwrapOk('hold', await engine.hold({ userId: slot.userId, scheduleId: slot.scheduleId, seatNumbers: [slot.seatNumber] }));
      unwrapOk('pay', await engine.pay({ userId: slot.userId, reservationId: held.reservationId }));
      commands += 2;
    }
  }));
  return commands;
}

async function purchasePool(engine: BookingEngine, tag: string, count: number): Promise<Slot[]> {
  const scheduleIds = await createSchedules(engine, Math.ceil(count / SEATS_PER_SCHEDULE));
  const pool = slots(tag, count, scheduleIds);
  for (let i = 0; i < pool.length; i += 1_000) {
    await Promise.all(pool.slice(i, i + 1_000).map(async (slot) => unwrapOk('charge', await engine.charge({ userId: slot.userId, amount: BALANCE }))));
  }
  return pool;
}

/** The engine's own journal rows, for the raw baseline's row size. */
function meanJournalRowBytes(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const bytes = db.prepare('SELECT AVG(LENGTH(data) + LENGTH(stream) + LENGTH(type)) FROM (SELECT data, stream, type FROM journal ORDER BY seq DESC LIMIT 10000)').pluck().get() as number | null;
    return Math.max(32, Math.round(bytes ?? 200));
  } finally {
    db.close();
  }
}

/** Raw better-sqlite3: one transaction per batch of `batchSize` journal inserts, back to back. */
function rawInserts(dbPath: string, durability: 'FULL' | 'NORMAL', batchSize: number, rowBytes: number, durationMs: number, startSeq: number): RawRun & { lastSeq: number } {
  const db = openDatabase(dbPath, durability);
  try {
    const insert = db.prepare('INSERT INTO journal (seq, at_ms, stream, type, data) VALUES (?, ?, ?, ?, ?)');
    const data = JSON.stringify({ pad: 'x'.repeat(Math.max(0, rowBytes - 40)) });
    let seq = startSeq;
    const batch = db.transaction((count: number) => {
      const atMs = Date.now();
      for (let i = 0; i < count; i++) insert.run(++seq, atMs, 'schedule:sch_rawRawRawRaw12', 'reservation.held', data);
    });
    const startedAt = performance.now();
    const deadline = startedAt + durationMs;
    let rows = 0;
    while (performance.now() < deadline) {
      batch(batchSize);
      rows += batchSize;
    }
    const seconds = (performance.now() - startedAt) / 1000;
    return { rowsPerSecond: Math.round(rows / seconds), rows, seconds: Math.round(seconds * 100) / 100, batchSize, rowBytes, lastSeq: seq };
  } finally {
    db.close();
  }
}

const FLOOR_RUN_MS = 2_000;

/**
 * Records a fresh engine's writes over a hold+cancel run and a hold+pay run (64 callers, as timed), then
 * replays each window on fresh databases, alternating with raw inserts of the window's batch and row size.
 */
async function writeFloor(args: EngineCommandsArgs): Promise<WriteFloor> {
  const recordPath = join(args.dbDir, `record-${args.durability}.db`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${recordPath}${suffix}`, { force: true });
  const engine = createBenchEngine(recordPath, args.durability);
  await engine.start();
  const { recording, stop } = recordWrites(engine);
  const callers = slots(`floor-${args.durability}`, args.concurrency, await createSchedules(engine, Math.ceil(args.concurrency / SEATS_PER_SCHEDULE)));
  const hcFrom = recording.commitEnds.length;
  const hcCommands = await holdCancel(engine, callers, performance.now() + FLOOR_RUN_MS);
  const hcTo = recording.commitEnds.length;
  const rowBytes = meanJournalRowBytes(recordPath);
  const pool = await purchasePool(engine, `floor-buy-${args.durability}`, 40_000);
  const buyFrom = recording.commitEnds.length;
  const buyCommands = await purchase(engine, pool, args.concurrency, performance.now() + FLOOR_RUN_MS);
  const buyTo = recording.commitEnds.length;
  stop();
  await engine.close();
  const statements = (from: number, to: number, commands: number): number =>
    Math.round((((recording.commitEnds[to - 1] ?? 0) - (recording.commitEnds[from - 1] ?? 0)) / commands) * 100) / 100;
  const batchSize = Math.max(1, Math.round(hcCommands / Math.max(1, hcTo - hcFrom)));
  const floor: WriteFloor = { holdCancel: [], purchase: [], raw: [], statementsPerCommand: { holdCancel: statements(hcFrom, hcTo, hcCommands), purchase: statements(buyFrom, buyTo, buyCommands) } };
  const replayPath = join(args.dbDir, `replay-${args.durability}.db`);
  const rawPath = join(args.dbDir, `floor-raw-${args.durability}.db`);
  let rawSeq = 0;
  for (let round = 0; round < args.rounds; round++) {
    const hc = replayWrites(recording, replayPath, args.durability, { fromCommit: hcFrom, toCommit: hcTo });
    floor.holdCancel.push(hc);
    const raw = rawInserts(rawPath, args.durability, batchSize, rowBytes, FLOOR_RUN_MS, rawSeq);
    rawSeq = raw.lastSeq;
    floor.raw.push({ rowsPerSecond: raw.rowsPerSecond, rows: raw.rows, seconds: raw.seconds, batchSize: raw.batchSize, rowBytes: raw.rowBytes });
    const buy = replayWrites(recording, replayPath, args.durability, { fromCommit: buyFrom, toCommit: buyTo });
    floor.purchase.push(buy);
    process.stderr.write(`r${round + 1} engine writes replayed raw ${args.durability}: hold+cancel ${hc.commandsPerSecond} commands/s, hold+pay ${buy.commandsPerSecond} commands/s; raw inserts ${raw.rowsPerSecond} rows/s\n`);
  }
  return floor;
}

async function main(args: EngineCommandsArgs): Promise<EngineCommandsResult> {
  const enginePath = join(args.dbDir, `engine-${args.durability}.db`);
  const rawPath = join(args.dbDir, `raw-${args.durability}.db`);
  const engine = createBenchEngine(enginePath, args.durability);
  await engine.start();
  const meter = new CommitMeter(engine);
  const callers = slots(`hc-${args.durability}`, args.concurrency, await createSchedules(engine, Math.ceil(args.concurrency / SEATS_PER_SCHEDULE)));

  const result: Omit<EngineCommandsResult, 'floor'> = { durability: args.durability, concurrency: args.concurrency, holdCancel: [], purchase: [], raw: [] };
  const warm = await timed(meter, `${enginePath}-wal`, (deadline) => holdCancel(engine, callers, deadline), args.warmupMs);
  let rawSeq = 0;
  rawSeq = rawInserts(rawPath, args.durability, Math.max(1, Math.round(warm.meanCommandsPerCommit)), 200, args.warmupMs, rawSeq).lastSeq;
  const warmPool = await purchasePool(engine, `warm-${args.durability}`, args.concurrency * 4);
  await timed(meter, `${enginePath}-wal`, (deadline) => purchase(engine, warmPool, args.concurrency, deadline), args.warmupMs);

  for (let round = 0; round < args.rounds; round++) {
    const hc = await timed(meter, `${enginePath}-wal`, (deadline) => holdCancel(engine, callers, deadline), args.durationMs);
    result.holdCancel.push(hc);
    process.stderr.write(`r${round + 1} engine hold+cancel ${args.durability}: ${hc.commandsPerSecond} commands/s, ${hc.meanCommandsPerCommit} per commit, ${hc.meanCommitMs} ms per transaction, ${hc.meanAcknowledgedMs} ms to its acknowledgement\n`);

    const raw = rawInserts(rawPath, args.durability, Math.max(1, Math.round(hc.meanCommandsPerCommit)), meanJournalRowBytes(enginePath), args.durationMs, rawSeq);
    rawSeq = raw.lastSeq;
    result.raw.push({ rowsPerSecond: raw.rowsPerSecond, rows: raw.rows, seconds: raw.seconds, batchSize: raw.batchSize, rowBytes: raw.rowBytes });
    process.stderr.write(`r${round + 1} raw inserts ${args.durability}: ${raw.rowsPerSecond} rows/s in batches of ${raw.batchSize} (${raw.rowBytes} B)\n`);

    const wanted = Math.round((hc.commandsPerSecond / 2) * (args.durationMs / 1000) * 1.3);
    const pool = await purchasePool(engine, `buy-${args.durability}-${round}`, Math.min(200_000, Math.max(args.concurrency * 4, wanted)));
    const buy = await timed(meter, `${enginePath}-wal`, (deadline) => purchase(engine, pool, args.concurrency, deadline), args.durationMs);
    result.purchase.push(buy);
    process.stderr.write(`r${round + 1} engine hold+pay ${args.durability}: ${buy.commandsPerSecond} commands/s, ${buy.meanCommandsPerCommit} per commit\n`);
  }
  await engine.close();
  return { ...result, floor: args.writeFloor ? await writeFloor(args) : null };
}

void workerMain(main);
