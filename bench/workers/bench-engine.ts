/** Engine set-up shared by the in-process workers: limits that never get in a benchmark's way, catalogue helpers. */
import type { BookingEngine } from '../../src/domain/engine.js';
import { shipped } from './shipped.js';

const { createEngine } = await shipped<typeof import('../../src/actors/engine.js')>('actors/engine.js');
const { DEFAULT_LIMITS } = await shipped<typeof import('../../src/domain/engine.js')>('domain/engine.js');

const DAY_MS = 86_400_000;
const SCHEDULES_PER_CONCERT_MAX = 100;

export function createBenchEngine(
  dbPath: string,
  durability: 'FULL' | 'NORMAL',
  { queueMaxActive = 1_000_000, walRewindAfterPages }: { queueMaxActive?: number; walRewindAfterPages?: number } = {},
): BookingEngine {
  return createEngine({
    dbPath,
    durability,
    walRewindAfterPages,
    limits: { ...DEFAULT_LIMITS, queueMaxActive, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS },
    onFatal: (error) => {
      process.stderr.write(`engine commit failed: ${String(error)}\n`);
      process.exit(1);
    },
  });
}

/** `count` 50-seat schedules (default seat map), booking open now, in concerts of up to 100 schedules. */
export async function createSchedules(engine: BookingEngine, count: number): Promise<string[]> {
  const startsAtMs = Date.now() + 30 * DAY_MS;
  const ids: string[] = [];
  for (let made = 0; made < count; made += SCHEDULES_PER_CONCERT_MAX) {
    const size = Math.min(SCHEDULES_PER_CONCERT_MAX, count - made);
    const result = await engine.createConcert({
      title: `Bench ${made / SCHEDULES_PER_CONCERT_MAX + 1}`,
      venue: 'Bench hall',
      schedules: Array.from({ length: size }, (_, i) => ({ startsAt: new Date(startsAtMs + (made + i) * 60_000).toISOString() })),
    });
    if (!result.ok) throw new Error(`createConcert: ${result.error.code}`);
    ids.push(...result.value.schedules.map((s) => s.scheduleId));
  }
  return ids;
}

export const SEATS_PER_SCHEDULE = 50;

/** One simulated caller: a user and the seat they hold. */
export interface Slot { userId: string; scheduleId: string; seatNumber: number }

/** `count` callers named `${prefix}-${i}`, 50 to a schedule, each on a seat of their own. */
export function slots(prefix: string, count: number, scheduleIds: readonly string[]): Slot[] {
  return Array.from({ length: count }, (_, i) => ({ userId: `${prefix}-${i}`, scheduleId: scheduleIds[Math.floor(i / SEATS_PER_SCHEDULE)] as string, seatNumber: (i % SEATS_PER_SCHEDULE) + 1 }));
}

/** Each caller holds its own seat, then cancels it, back to back until the deadline; returns the commands run. */
export async function holdCancel(engine: BookingEngine, callers: readonly Slot[], deadline: number): Promise<number> {
  let commands = 0;
  await Promise.all(callers.map(async (slot) => {
    while (performance.now() < deadline) {
      const held = unwrapOk('hold', await engine.hold({ userId: slot.userId, scheduleId: slot.scheduleId, seatNumbers: [slot.seatNumber] }));
      unwrapOk('cancel', await engine.cancelReservation(slot.userId, held.reservationId));
      commands += 2;
    }
  }));
  return commands;
}

export function unwrapOk<T>(what: string, result: { ok: true; value: T } | { ok: false; error: { code: string } }): T {
  if (!result.ok) throw new Error(`${what}: ${result.error.code}`);
  return result.value;
}
