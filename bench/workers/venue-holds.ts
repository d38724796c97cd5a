/**
 * Worker for the venues scenario: the shipped engine in process (dist/), FULL durability, 64 callers.
 * Per round, alternated: hold+cancel on the 50-seat hall and on the 80,000-seat stadium (each caller on its
 * own seat), then bookings (charge, hold, pay) on a fresh stadium naming the next free seats by number and
 * asking for the best available, the same number of bookings each.
 *
 * Usage: node --import tsx bench/workers/venue-holds.ts '{"dbDir":..,"rounds":5,"durationMs":4000,...}'
 */
import { join } from 'node:path';
import type { BookingEngine, EngineLimits } from '../../src/domain/engine.js';
import type { LayoutJson } from '../../src/venues/layout-format.js';
import { percentile } from '../lib/stats.js';
import { workerMain } from '../lib/worker.js';
import { shipped } from './shipped.js';

export interface VenueHoldsArgs {
  dbDir: string;
  rounds: number;
  durationMs: number;
  concurrency: number;
  /** Bookings per booking run (each of 1 to 3 seats). */
  bookings: number;
}

export interface HoldCancelRun { commandsPerSecond: number }
export interface BookingRun { bookingsPerSecond: number; seatsSold: number; holdP50Ms: number; holdP99Ms: number }

export interface VenueHoldsResult {
  hall: HoldCancelRun[];
  stadium: HoldCancelRun[];
  byNumber: BookingRun[];
  bestAvailable: BookingRun[];
}

const DAY_MS = 86_400_000;

type EngineModule = typeof import('../../src/actors/engine.js');
type DomainModule = typeof import('../../src/domain/engine.js');
type LayoutsModule = typeof import('../../src/venues/demo-layouts.js');

async function main(args: VenueHoldsArgs): Promise<VenueHoldsResult> {
  const { createEngine } = await shipped<EngineModule>('actors/engine.js');
  const { DEFAULT_LIMITS } = await shipped<DomainModule>('domain/engine.js');
  const { demoStadiumLayout } = await shipped<LayoutsModule>('venues/demo-layouts.js');
  const limits: EngineLimits = { ...DEFAULT_LIMITS, queueMaxActive: 1_000_000, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS, holdTtlMs: 10 * 60_000 };
  let files = 0;
  const open = async (): Promise<BookingEngine> => {
    const engine = createEngine({ dbPath: join(args.dbDir, `venue-${files++}.db`), durability: 'FULL', limits });
    await engine.start();
    return engine;
  };
  const schedule = async (engine: BookingEngine, kind: 'hall' | 'stadium', layout: LayoutJson): Promise<string[]> => {
    const startsAt = (i: number): string => new Date(Date.now() + 30 * DAY_MS + i * 60_000).toISOString();
    let layoutId: string | undefined;
    if (kind === 'stadium') {
      const created = await engine.createLayout({ layout });
      if (!created.ok) throw new Error(created.error.code);
      layoutId = created.value.layoutId;
    }
    const concert = await engine.createConcert({
      title: 'Bench', venue: 'Bench',
      schedules: kind === 'hall'
        ? [0, 1].map((i) => ({ startsAt: startsAt(i), seatMap: { seatCount: 50, grades: [{ grade: 'R', from: 1, to: 50, price: 100_000 }] } }))
        : [{ startsAt: startsAt(0), layoutId: layoutId! }],
    });
    if (!concert.ok) throw new Error(concert.error.code);
    return concert.value.schedules.map((s) => s.scheduleId);
  };

  const holdCancel = async (kind: 'hall' | 'stadium'): Promise<HoldCancelRun> => {
    const engine = await open();
    const ids = await schedule(engine, kind, demoStadiumLayout());
    const seatOf = (caller: number): [string, number] => (kind === 'hall' ? [ids[Math.floor(caller / 50)]!, (caller % 50) + 1] : [ids[0]!, caller * 1_237 + 11]);
    let commands = 0;
    const startedAt = performance.now();
    const deadline = startedAt + args.durationMs;
    await Promise.all(Array.from({ length: args.concurrency }, async (_, caller) => {
      const [scheduleId, seatNumber] = seatOf(caller);
      while (performance.now() < deadline) {
        const held = await engine.hold({ userId: `u${caller}`, scheduleId, seatNumbers: [seatNumber] });
        if (!held.ok) throw new Error(held.error.code);
        await engine.cancelReservation(`u${caller}`, held.value.reservationId);
        commands += 2;
      }
    }));
    const seconds = (performance.now() - startedAt) / 1000;
    await engine.close();
    return { commandsPerSecond: commands / seconds };
  };

  const bookings = async (mode: 'numbers' | 'best', round: number): Promise<BookingRun> => {
    const engine = await open();
    const [scheduleId] = await schedule(engine, 'stadium', demoStadiumLayout());
    let seed = 7 + round;
    const random = (): number => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return seed / 2_147_483_648; };
    const plan = Array.from({ length: args.bookings }, () => ({ quantity: 1 + Math.floor(random() * 3), capped: random() < 0.3 }));
    for (let i = 0; i < plan.length; i += 500) {
      await Promise.all(plan.slice(i, i + 500).map((_, k) => engine.charge({ userId: `b${i + k}`, amount: 1_000_000 })));
    }
    let next = 0;
    let nextSeat = 1;
    let sold = 0;
    const holdMs: number[] = [];
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: args.concurrency }, async () => {
      for (let i = next++; i < plan.length; i = next++) {
        const { quantity, capped } = plan[i]!;
        const seatNumbers = Array.from({ length: quantity }, (_, k) => nextSeat + k);
        if (mode === 'numbers') nextSeat += quantity;
        const t = performance.now();
        const held = await engine.hold(mode === 'best'
          ? { userId: `b${i}`, scheduleId: scheduleId!, bestAvailable: { quantity, ...(capped ? { maxPriceWon: 180_000 } : {}) } }
          : { userId: `b${i}`, scheduleId: scheduleId!, seatNumbers });
        holdMs.push(performance.now() - t);
        if (!held.ok) throw new Error(`${mode}: ${held.error.code}`);
        const paid = await engine.pay({ userId: `b${i}`, reservationId: held.value.reservationId });
        if (!paid.ok) throw new Error(paid.error.code);
        sold += quantity;
      }
    }));
    const seconds = (performance.now() - startedAt) / 1000;
    await engine.close();
    return { bookingsPerSecond: plan.length / seconds, seatsSold: sold, holdP50Ms: percentile(holdMs, 50), holdP99Ms: percentile(holdMs, 99) };
  };

  const result: VenueHoldsResult = { hall: [], stadium: [], byNumber: [], bestAvailable: [] };
  for (let round = 1; round <= args.rounds; round++) {
    // Alternate which goes first, so neither always runs on a warmer machine.
    for (const kind of round % 2 === 1 ? (['hall', 'stadium'] as const) : (['stadium', 'hall'] as const)) {
      const run = await holdCancel(kind);
      result[kind].push(run);
      process.stderr.write(`round ${round} hold+cancel ${kind}: ${Math.round(run.commandsPerSecond)} commands/s\n`);
    }
    for (const mode of round % 2 === 1 ? (['numbers', 'best'] as const) : (['best', 'numbers'] as const)) {
      const run = await bookings(mode, round);
      (mode === 'best' ? result.bestAvailable : result.byNumber).push(run);
      process.stderr.write(`round ${round} bookings ${mode}: ${Math.round(run.bookingsPerSecond)} bookings/s, hold p99 ${run.holdP99Ms.toFixed(2)} ms\n`);
    }
  }
  return result;
}

await workerMain(main);
