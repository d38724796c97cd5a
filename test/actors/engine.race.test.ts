/**
 * Races on one schedule and one wallet: fast-check's scheduler releases concurrent commands, clock
 * advances (hold expiries) and commits in random interleavings. Whatever the order: at most one holder
 * per seat, and money is never spent twice.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenSchedule, openHarness, settle, type Harness } from '../support/engine-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

type Op =
  | { kind: 'hold'; user: string; seats: number[] }
  | { kind: 'pay'; user: string }
  | { kind: 'charge'; user: string; amount: number }
  | { kind: 'advance'; ms: number };

const USERS = ['u1', 'u2', 'u3', 'u4', 'u5'];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('hold' as const), user: fc.constantFrom(...USERS), seats: fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('pay' as const), user: fc.constantFrom(...USERS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('charge' as const), user: fc.constantFrom(...USERS), amount: fc.constantFrom(150_000, 300_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 5_000, 10_000) }) },
);

describe('engine under concurrent commands', () => {
  it('never lets two reservations own a seat, nor spends a balance twice', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 5, maxLength: 30 }), async (s, ops) => {
        await h?.dispose();
        h = await openHarness({ holdTtlMs: 10_000, balanceMax: 1e12, monthlyChargeMax: 1e12 });
        const harness = h;
        const { scheduleId } = await createOpenSchedule(harness.engine, harness.clock.now());
        const held = new Map<string, string>();
        let charged = 0;
        let paid = 0;
        const run = async (o: Op): Promise<void> => {
          const engine = harness.engine;
          if (o.kind === 'hold') {
            const out = await engine.hold({ userId: o.user, scheduleId, seatNumbers: o.seats });
            if (out.ok) held.set(o.user, out.value.reservationId);
          } else if (o.kind === 'pay') {
            const reservationId = held.get(o.user);
            if (reservationId === undefined) return;
            const out = await engine.pay({ userId: o.user, reservationId });
            if (out.ok) paid += out.value.amount;
          } else if (o.kind === 'charge') {
            const out = await engine.charge({ userId: o.user, amount: o.amount });
            if (out.ok) charged += o.amount;
          } else {
            harness.clock.advance(o.ms);
            await settle();
          }
        };
        const all = Promise.all(ops.map((o) => s.schedule(Promise.resolve(o)).then(run)));
        await s.waitAll();
        await all;
        await settle();

        // At most one live reservation per seat, and the seat map agrees with the reservations.
        const owners = new Map<number, string>();
        for (const [user, reservationId] of held) {
          const r = harness.engine.getReservation(user, reservationId);
          if (!r.ok || (r.value.status !== 'HELD' && r.value.status !== 'CONFIRMED')) continue;
          for (const seat of r.value.seats) {
            expect(owners.has(seat.seatNumber), `seat ${seat.seatNumber} owned twice`).toBe(false);
            owners.set(seat.seatNumber, reservationId);
          }
        }
        const map = harness.engine.getSeatMap(scheduleId);
        if (!map.ok) throw new Error('no seat map');
        for (const seat of map.value.seats) expect(seat.status !== 'AVAILABLE').toBe(owners.has(seat.seatNumber));

        // Money: every balance equals its ledger, none is negative, and charges - payments is what is left.
        let total = 0;
        for (const user of USERS) {
          const balance = harness.engine.getBalance(user).balance;
          expect(balance).toBeGreaterThanOrEqual(0);
          expect(harness.engine.balanceHistory(user).entries.reduce((sum, e) => sum + (e.kind === 'PAYMENT' ? -e.amount : e.amount), 0)).toBe(balance);
          total += balance;
        }
        expect(total).toBe(charged - paid);
        const reopened = await harness.reopen();
        expect(USERS.reduce((sum, u) => sum + reopened.getBalance(u).balance, 0)).toBe(charged - paid);
        expect(harness.fatal).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
