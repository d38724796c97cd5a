/**
 * What an 80,000-seat venue costs besides time per command (which scenario 13 of `npm run bench` measures
 * against baselines, bench/workers/venue-holds.ts), in process, FULL durability:
 *   3. heap per 80,000-seat schedule (10 schedules of one layout, after GC);
 *   4. a schedule's snapshot (bytes, encode and decode time) with 0 and 20,000 bookings, and its compact map;
 *   5. recovery of 100 stadium schedules with 200 bookings each, from a clean shutdown: time to ready, heap.
 *
 *   node --expose-gc --import tsx bench/experiments/venue-scale.ts [--only=memory|snapshot|recovery]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/actors/engine.js';
import { compactStatusOf } from '../../src/actors/views.js';
import { DEFAULT_LIMITS, type BookingEngine, type EngineLimits } from '../../src/domain/engine.js';
import { createSchedule, evolveSchedule } from '../../src/machines/schedule.js';
import { decodeSchedule, encodeSchedule } from '../../src/persistence/schedule-snapshot.js';
import { demoStadiumLayout } from '../../src/venues/demo-layouts.js';
import { validateLayout } from '../../src/venues/layout.js';
import { VenuePlan } from '../../src/venues/venue-plan.js';

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
/** One part only: memory, snapshot or recovery. */
const ONLY = arg('only');
const part = (name: string): boolean => ONLY === undefined || ONLY === name;
const DAY_MS = 86_400_000;
const LIMITS: EngineLimits = { ...DEFAULT_LIMITS, queueMaxActive: 1_000_000, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS, holdTtlMs: 10 * 60_000 };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);
const heapUsed = (): number => { gc(); gc(); return process.memoryUsage().heapUsed; };

async function openEngine(dbPath: string): Promise<BookingEngine> {
  const engine = createEngine({ dbPath, durability: 'FULL', limits: LIMITS });
  await engine.start();
  return engine;
}

async function scheduleOf(engine: BookingEngine, schedule: { layoutId: string } | { seatCount: number }, count = 1): Promise<string[]> {
  const startsAt = (i: number): string => new Date(Date.now() + 30 * DAY_MS + i * 60_000).toISOString();
  const created = await engine.createConcert({
    title: 'Bench', venue: 'Bench',
    schedules: Array.from({ length: count }, (_, i) => ('layoutId' in schedule
      ? { startsAt: startsAt(i), layoutId: schedule.layoutId }
      : { startsAt: startsAt(i), seatMap: { seatCount: schedule.seatCount, grades: [{ grade: 'R', from: 1, to: schedule.seatCount, price: 100_000 }] } })),
  });
  if (!created.ok) throw new Error(created.error.code);
  return created.value.schedules.map((s) => s.scheduleId);
}

async function importStadium(engine: BookingEngine): Promise<string> {
  const layout = await engine.createLayout({ layout: demoStadiumLayout() });
  if (!layout.ok) throw new Error(layout.error.code);
  return layout.value.layoutId;
}

/** 3. heap per schedule of 80,000 seats. */
async function memoryPerSchedule(dir: string): Promise<void> {
  const engine = await openEngine(join(dir, 'memory.db'));
  const layoutId = await importStadium(engine);
  await scheduleOf(engine, { layoutId });
  const before = heapUsed();
  await scheduleOf(engine, { layoutId }, 10);
  const after = heapUsed();
  const hallBefore = heapUsed();
  await scheduleOf(engine, { seatCount: 50 }, 100);
  const hallAfter = heapUsed();
  console.log(`\n3. heap per schedule: 80,000-seat stadium ${mib((after - before) / 10)} MiB (${Math.round((after - before) / 10 / 80_000)} B a seat); 50-seat hall ${((hallAfter - hallBefore) / 100 / 1024).toFixed(1)} KiB`);
  await engine.close();
}

/** 4. a schedule's snapshot and compact map, pure (no engine). */
function snapshots(): void {
  const valid = validateLayout(demoStadiumLayout());
  if (!valid.ok) throw new Error('stadium invalid');
  const plan = new VenuePlan('lay_bench', valid.layout, '');
  const state = createSchedule({ type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: 9e12, bookingOpensAtMs: 0, seatCount: plan.seatCount, grades: [], layoutId: plan.layoutId }, plan);
  const measure = (label: string): void => {
    let t = performance.now();
    const image = encodeSchedule(state);
    const encodeMs = performance.now() - t;
    t = performance.now();
    decodeSchedule(image, () => plan);
    const decodeMs = performance.now() - t;
    t = performance.now();
    const compact = compactStatusOf(state);
    const compactMs = performance.now() - t;
    console.log(`   ${label.padEnd(22)} snapshot ${image.length.toLocaleString().padStart(10)} B, encode ${encodeMs.toFixed(1).padStart(6)} ms, decode ${decodeMs.toFixed(1).padStart(6)} ms; compact map ${compact.length.toLocaleString()} B base64 in ${compactMs.toFixed(2)} ms`);
  };
  console.log('\n4. one 80,000-seat schedule');
  measure('no bookings');
  for (let i = 0; i < 20_000; i++) {
    const first = i * 4 + 1;
    evolveSchedule(state, { type: 'reservation.held', scheduleId: 'sch', reservationId: `res_${i}`, userId: `u${i}`, seatNumbers: [first, first + 1, first + 2], atMs: 1, holdExpiresAtMs: 9e12 });
    evolveSchedule(state, { type: 'reservation.confirmed', scheduleId: 'sch', reservationId: `res_${i}`, atMs: 2, payment: { paymentId: `pay_${i}`, amount: 330_000, paidAtMs: 2, balanceBefore: 330_000, balanceAfter: 0, queueTokenExpired: false } });
  }
  measure('20,000 paid bookings');
}

/** 5. recovery of 100 stadium schedules, 200 bookings each, after a clean shutdown. */
async function recovery(dir: string): Promise<void> {
  const dbPath = join(dir, 'recovery.db');
  const engine = await openEngine(dbPath);
  const layoutId = await importStadium(engine);
  const scheduleIds = await scheduleOf(engine, { layoutId }, 100);
  let user = 0;
  for (const scheduleId of scheduleIds) {
    await Promise.all(Array.from({ length: 200 }, async (_, k) => {
      const userId = `r${user++}`;
      await engine.charge({ userId, amount: 1_000_000 });
      const held = await engine.hold({ userId, scheduleId, seatNumbers: [k * 3 + 1, k * 3 + 2] });
      if (!held.ok) throw new Error(held.error.code);
      const paid = await engine.pay({ userId, reservationId: held.value.reservationId });
      if (!paid.ok) throw new Error(paid.error.code);
    }));
  }
  await engine.close();
  const before = heapUsed();
  const t = performance.now();
  const again = await openEngine(dbPath);
  const readyMs = performance.now() - t;
  const after = heapUsed();
  const map = again.getCompactSeatMap(scheduleIds[99]!);
  const taken = map.ok ? map.value.seatCount : 0;
  console.log(`\n5. recovery: 100 schedules x 80,000 seats, 20,000 bookings: ready in ${(readyMs / 1000).toFixed(2)} s, heap +${mib(after - before)} MiB (${mib((after - before) / 100)} MiB a schedule); last schedule answers a ${taken.toLocaleString()}-seat compact map`);
  await again.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'venue-scale-'));
  try {
    if (part('memory')) await memoryPerSchedule(dir);
    if (part('snapshot')) snapshots();
    if (part('recovery')) await recovery(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
