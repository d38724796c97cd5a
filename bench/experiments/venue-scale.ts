/**
 * What an 80,000-seat venue costs the engine, in process, FULL durability, on this machine:
 *   1. hold+cancel on an 80,000-seat stadium vs on the 50-seat hall, alternated round by round (64 callers);
 *   2. best-available holds under load (64 callers, each hold paid) as the stadium fills: latency by fill band;
 *   3. heap per 80,000-seat schedule (10 schedules of one layout, after GC);
 *   4. a schedule's snapshot (bytes, encode and decode time) with 0 and 20,000 bookings, and its compact map;
 *   5. recovery of 100 stadium schedules with 200 bookings each, from a clean shutdown: time to ready, heap.
 *
 *   node --expose-gc --import tsx bench/experiments/venue-scale.ts [--rounds=3] [--seconds=3]
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
const ROUNDS = Number(arg('rounds') ?? 3);
const SECONDS = Number(arg('seconds') ?? 3);
const CALLERS = 64;
/** One part only: holdcancel, best, memory, snapshot or recovery. */
const ONLY = arg('only');
const part = (name: string): boolean => ONLY === undefined || ONLY === name;
const DAY_MS = 86_400_000;
const LIMITS: EngineLimits = { ...DEFAULT_LIMITS, queueMaxActive: 1_000_000, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS, holdTtlMs: 10 * 60_000 };
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

const stadiumLayout = demoStadiumLayout;

const pct = (xs: number[], p: number): number => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0; };
const median = (xs: number[]): number => pct(xs, 50);
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
  const layout = await engine.createLayout({ layout: stadiumLayout() });
  if (!layout.ok) throw new Error(layout.error.code);
  return layout.value.layoutId;
}

/** 1. hold+cancel, each caller on its own seat; the hall is two 50-seat schedules (64 callers need 64 seats). */
async function holdCancel(dir: string, venue: 'hall' | 'stadium', round: number): Promise<number> {
  const engine = await openEngine(join(dir, `hc-${venue}-${round}.db`));
  const scheduleIds = venue === 'hall' ? await scheduleOf(engine, { seatCount: 50 }, 2) : await scheduleOf(engine, { layoutId: await importStadium(engine) });
  const seatOf = (caller: number): [string, number] => (venue === 'hall' ? [scheduleIds[Math.floor(caller / 50)]!, (caller % 50) + 1] : [scheduleIds[0]!, caller * 1_237 + 11]);
  let commands = 0;
  const startedAt = performance.now();
  const deadline = startedAt + SECONDS * 1000;
  await Promise.all(Array.from({ length: CALLERS }, async (_, caller) => {
    const [scheduleId, seatNumber] = seatOf(caller);
    while (performance.now() < deadline) {
      const held = await engine.hold({ userId: `u${caller}`, scheduleId, seatNumbers: [seatNumber] });
      if (!held.ok) throw new Error(held.error.code);
      await engine.cancelReservation(`u${caller}`, held.value.reservationId);
      commands += 2;
    }
  }));
  const perSecond = commands / ((performance.now() - startedAt) / 1000);
  await engine.close();
  return perSecond;
}

/**
 * 2. best-available holds, each paid, until the stadium is 90% sold; hold latency by fill band. The baseline,
 * same stadium and callers: holds naming the next free seats by number (no search).
 */
async function bestAvailableUnderLoad(dir: string, mode: 'best' | 'numbers'): Promise<{ perSecond: number; p99: number }> {
  const engine = await openEngine(join(dir, `best-${mode}.db`));
  let nextSeat = 1;
  const [scheduleId] = await scheduleOf(engine, { layoutId: await importStadium(engine) });
  const target = 72_000;
  let sold = 0;
  let nextUser = 0;
  let refused = 0;
  const bands = new Map<number, number[]>();
  const startedAt = performance.now();
  let seed = 7;
  const random = (): number => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return seed / 2_147_483_648; };
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    while (sold < target && refused < 500) {
      const userId = `b${nextUser++}`;
      const charged = await engine.charge({ userId, amount: 1_000_000 });
      if (!charged.ok) throw new Error(charged.error.code);
      const quantity = 1 + Math.floor(random() * 3);
      const band = Math.min(8, Math.floor((sold / 80_000) * 10));
      const t = performance.now();
      const cap = random() < 0.3;
      const seats = Array.from({ length: quantity }, (_, k) => nextSeat + k);
      if (mode === 'numbers') nextSeat += quantity;
      const held = await engine.hold(mode === 'best'
        ? { userId, scheduleId: scheduleId!, bestAvailable: { quantity, ...(cap ? { maxPriceWon: 180_000 } : {}) } }
        : { userId, scheduleId: scheduleId!, seatNumbers: seats });
      (bands.get(band) ?? bands.set(band, []).get(band)!).push(performance.now() - t);
      if (!held.ok) { refused++; continue; }
      const paid = await engine.pay({ userId, reservationId: held.value.reservationId });
      if (!paid.ok) throw new Error(paid.error.code);
      sold += quantity;
    }
  }));
  const seconds = (performance.now() - startedAt) / 1000;
  console.log(`\n2. ${mode === 'best' ? 'best available' : 'seats by number (baseline)'} under load: ${sold.toLocaleString()} seats sold in ${nextUser.toLocaleString()} bookings (${refused} refused), ${seconds.toFixed(1)} s, ${Math.round(nextUser / seconds)} bookings/s (charge + hold + pay each)`);
  console.log('   fill     holds   median ms   p99 ms   max ms   (hold command, decide + group commit, 64 callers)');
  for (const [band, xs] of [...bands.entries()].sort((a, b) => a[0] - b[0])) {
    console.log(`   ${`${band * 10}-${band * 10 + 10}%`.padEnd(8)}${String(xs.length).padStart(6)}${median(xs).toFixed(2).padStart(12)}${pct(xs, 99).toFixed(2).padStart(9)}${Math.max(...xs).toFixed(2).padStart(9)}`);
  }
  await engine.close();
  return { perSecond: nextUser / seconds, p99: pct([...bands.values()].flat(), 99) };
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
  const valid = validateLayout(stadiumLayout());
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
    const results: Record<'hall' | 'stadium', number[]> = { hall: [], stadium: [] };
    for (let round = 1; round <= (part('holdcancel') ? ROUNDS : 0); round++) {
      const order = round % 2 === 1 ? (['hall', 'stadium'] as const) : (['stadium', 'hall'] as const);
      for (const venue of order) {
        const value = await holdCancel(dir, venue, round);
        results[venue].push(value);
        process.stderr.write(`round ${round} ${venue}: ${Math.round(value)} commands/s\n`);
      }
    }
    const ratios = results.stadium.map((value, i) => value / results.hall[i]!);
    if (part('holdcancel')) console.log(`1. hold+cancel: 50-seat hall ${Math.round(median(results.hall))}, 80,000-seat stadium ${Math.round(median(results.stadium))} commands/s (medians); `
      + `stadium/hall per round ${ratios.map((r) => r.toFixed(2)).join(' · ')}; median ${median(ratios).toFixed(2)}`);
    if (part('best')) {
      const numbers = await bestAvailableUnderLoad(dir, 'numbers');
      const best = await bestAvailableUnderLoad(dir, 'best');
      console.log(`   best available / by number: bookings/s ${(best.perSecond / numbers.perSecond).toFixed(2)}, hold p99 ${best.p99.toFixed(2)} vs ${numbers.p99.toFixed(2)} ms`);
    }
    if (part('memory')) await memoryPerSchedule(dir);
    if (part('snapshot')) snapshots();
    if (part('recovery')) await recovery(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
