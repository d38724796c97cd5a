/**
 * Builds engines for tests: a temp SQLite file, a ManualClock, deterministic ids, and a fail-stop
 * hook that records instead of exiting. `reopen()` closes and reopens on the same file (a restart).
 * The WAL checkpointer worker is off (its own test covers it): these engines are opened by the hundred.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../src/actors/clock.js';
import { createEngine } from '../../src/actors/engine.js';
import type { EngineOptions } from '../../src/actors/engine-options.js';
import { DEMO_SEAT_MAP } from '../../src/domain/demo-catalogue.js';
import { DEFAULT_LIMITS, type BookingEngine, type EngineLimits } from '../../src/domain/engine.js';

export const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

export interface Harness {
  engine: BookingEngine;
  clock: ManualClock;
  dbPath: string;
  fatal: unknown[];
  reopen(): Promise<BookingEngine>;
  /**
   * A kill -9: the database files are copied as they are on disk right now (committed transactions only,
   * no shutdown checkpoint), the old engine is discarded, and a new one recovers from the copy.
   */
  crash(): Promise<BookingEngine>;
  /** Moves the clock and lets the group commit run. */
  advance(ms: number): Promise<void>;
  dispose(): Promise<void>;
}

export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Engine options a test may set beyond the harness's own. */
export type HarnessEngineOptions = Pick<EngineOptions, 'queueLoadOffThreadMinTokens' | 'webhookRetry'>;

export async function openHarness(limits: Partial<EngineLimits> = {}, startMs = T0, engineOptions: HarnessEngineOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'booking-test-'));
  let dbPath = join(dir, 'booking.db');
  let crashes = 0;
  const clock = new ManualClock(startMs);
  const fatal: unknown[] = [];
  let counter = 0;
  const randomBytes = (size: number): Buffer => {
    const buffer = Buffer.alloc(size);
    buffer.writeUInt32BE(++counter, size - 4);
    buffer.writeUInt32BE(Math.floor(Math.random() * 0xffffffff), 0);
    return buffer;
  };
  const make = (): BookingEngine => createEngine({ dbPath, limits: { ...DEFAULT_LIMITS, ...limits }, clock, randomBytes, onFatal: (e) => fatal.push(e), walCheckpointIntervalMs: 0, ...engineOptions });
  const harness: Harness = {
    engine: make(),
    clock,
    dbPath,
    fatal,
    async reopen() {
      await harness.engine.close();
      harness.engine = make();
      await harness.engine.start();
      return harness.engine;
    },
    async crash() {
      const crashedPath = join(dir, `crash-${++crashes}.db`);
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(dbPath + suffix)) copyFileSync(dbPath + suffix, crashedPath + suffix);
      }
      await harness.engine.close();
      dbPath = crashedPath;
      harness.dbPath = crashedPath;
      harness.engine = make();
      await harness.engine.start();
      return harness.engine;
    },
    async advance(ms: number) {
      clock.advance(ms);
      await settle();
    },
    async dispose() {
      await harness.engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await harness.engine.start();
  return harness;
}

/** A concert with one schedule open for booking now and starting in a week. */
export async function createOpenSchedule(engine: BookingEngine, nowMs: number): Promise<{ concertId: string; scheduleId: string }> {
  const created = await engine.createConcert({
    title: 'Test Concert',
    venue: 'Hall',
    schedules: [{ startsAt: new Date(nowMs + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(nowMs - 1_000).toISOString(), seatMap: DEMO_SEAT_MAP }],
  });
  if (!created.ok) throw new Error(created.error.message);
  const schedule = created.value.schedules[0];
  if (schedule === undefined) throw new Error('no schedule');
  return { concertId: created.value.concertId, scheduleId: schedule.scheduleId };
}

/** Issues a queue token and ticks until it is ACTIVE. */
export async function admit(h: Harness, userId: string): Promise<string> {
  const issued = await h.engine.issueQueueToken(userId);
  if (!issued.ok) throw new Error(issued.error.message);
  for (let i = 0; i < 5 && h.engine.checkQueueAccess(userId, issued.value.status.token).ok !== true; i++) await h.advance(1_000);
  return issued.value.status.token;
}
