/**
 * How the engine's hold+cancel rate changes once it has sold many seats (bench/profile.md, section 0): a
 * fresh engine runs hold+cancel with 64 callers, then `sales` seats are charged, held and paid through it,
 * then the same hold+cancel runs again. Uses the compiled build (npm run build first), like the bench's
 * workers. Add --trace-gc to node's flags to see the scavenges of each phase.
 *
 * Usage: npx tsx bench/experiments/grown-engine.ts [NORMAL|FULL] [sales=200000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBenchEngine, createSchedules, holdCancel, slots, unwrapOk, SEATS_PER_SCHEDULE } from '../workers/bench-engine.js';

const [durabilityArg = 'NORMAL', salesArg = '200000'] = process.argv.slice(2);
const durability = durabilityArg === 'FULL' ? 'FULL' : 'NORMAL';
const SALES = Number(salesArg);
const CALLERS = 64;
const RUN_MS = 4_000;

const dir = mkdtempSync(join(tmpdir(), 'grown-engine-'));
const engine = createBenchEngine(join(dir, 'engine.db'), durability);
await engine.start();
const callers = slots('hc', CALLERS, await createSchedules(engine, Math.ceil(CALLERS / SEATS_PER_SCHEDULE)));
const rate = async (): Promise<number> => {
  const startedAt = performance.now();
  const commands = await holdCancel(engine, callers, startedAt + RUN_MS);
  return Math.round(commands / ((performance.now() - startedAt) / 1000));
};
const heapMb = (): number => Math.round(process.memoryUsage().heapUsed / 1e6);

await rate(); // warm-up
console.log(`fresh: ${await rate()} · ${await rate()} commands/s, heap ${heapMb()} MB`);
const buyers = slots('buyer', SALES, await createSchedules(engine, Math.ceil(SALES / SEATS_PER_SCHEDULE)));
for (let i = 0; i < buyers.length; i += 1_000) {
  await Promise.all(buyers.slice(i, i + 1_000).map(async (b) => unwrapOk('charge', await engine.charge({ userId: b.userId, amount: 1_000_000 }))));
}
let next = 0;
await Promise.all(Array.from({ length: CALLERS }, async () => {
  while (next < buyers.length) {
    const buyer = buyers[next++];
    if (buyer === undefined) break;
    const held = unwrapOk('hold', await engine.hold({ userId: buyer.userId, scheduleId: buyer.scheduleId, seatNumbers: [buyer.seatNumber] }));
    unwrapOk('pay', await engine.pay({ userId: buyer.userId, reservationId: held.reservationId }));
  }
}));
console.log(`after ${SALES} sales: ${await rate()} · ${await rate()} commands/s, heap ${heapMb()} MB`);
await engine.close();
rmSync(dir, { recursive: true, force: true });
