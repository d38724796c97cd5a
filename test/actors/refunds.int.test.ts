/**
 * Refunds and an organiser's cancellation in the engine, across restarts and kill -9: the cancellation
 * is one atomic step (one commit), so a crash before its commit leaves every buyer unrefunded and the
 * schedule selling (a retry then refunds each exactly once), and a crash after it leaves every buyer
 * refunded once. Recovery rebuilds both from the journal tail (after a kill -9) and from snapshots
 * (after a clean shutdown's checkpoint).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

const FUNDS = 1_000_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function paid(engine: BookingEngine, userId: string, scheduleId: string, seatNumbers: number[]): Promise<string> {
  expect((await engine.charge({ userId, amount: FUNDS })).ok).toBe(true);
  const held = await engine.hold({ userId, scheduleId, seatNumbers });
  if (!held.ok) throw new Error(held.error.code);
  const payment = await engine.pay({ userId, reservationId: held.value.reservationId });
  if (!payment.ok) throw new Error(payment.error.code);
  return held.value.reservationId;
}

/** Five buyers, one of whom refunded a seat, and a running hold. */
async function soldSchedule(engine: BookingEngine, nowMs: number): Promise<{ scheduleId: string; buyers: Array<{ userId: string; reservationId: string }> }> {
  const { scheduleId } = await createOpenSchedule(engine, nowMs);
  const buyers = [];
  for (let i = 0; i < 5; i++) buyers.push({ userId: `buyer${i}`, reservationId: await paid(engine, `buyer${i}`, scheduleId, [i * 2 + 1, i * 2 + 2]) });
  expect((await engine.refund({ userId: 'buyer0', reservationId: buyers[0]!.reservationId, seatNumbers: [2] })).ok).toBe(true);
  expect((await engine.hold({ userId: 'holder', scheduleId, seatNumbers: [30] })).ok).toBe(true);
  return { scheduleId, buyers };
}

/** Everything a refund or cancellation touches, as the engine shows it. */
function picture(engine: BookingEngine, scheduleId: string, userIds: string[]): unknown {
  return {
    users: userIds.map((userId) => ({
      balance: engine.getBalance(userId).balance,
      ledger: engine.balanceHistory(userId).entries,
      reservations: engine.listReservations(userId),
    })),
    seats: engine.getSeatMap(scheduleId),
    cancellation: engine.getScheduleCancellation(scheduleId),
    stats: engine.stats(),
  };
}

function refundsOf(engine: BookingEngine, userId: string): number {
  return engine.balanceHistory(userId).entries.filter((entry) => entry.kind === 'REFUND').length;
}

describe('refunds and cancellations through restarts', () => {
  it('given refunds and a cancelled schedule acknowledged, when killed -9 and then restarted cleanly, then each recovery shows exactly what was acknowledged', async () => {
    h = await openHarness();
    const { scheduleId, buyers } = await soldSchedule(h.engine, h.clock.now());
    const cancelled = await h.engine.cancelSchedule({ scheduleId, reason: 'storm' });
    expect(cancelled.ok && cancelled.value).toMatchObject({ status: 'COMPLETED', bookingsRefunded: 5, holdsReleased: 1 });
    const userIds = [...buyers.map((b) => b.userId), 'holder'];
    const before = picture(h.engine, scheduleId, userIds);

    const afterCrash = picture(await h.crash(), scheduleId, userIds);
    const afterRestart = picture(await h.reopen(), scheduleId, userIds);

    expect(afterCrash).toEqual(before);
    expect(afterRestart).toEqual(before);
    for (const { userId } of buyers) expect(h.engine.getBalance(userId).balance).toBe(FUNDS);
    expect(refundsOf(h.engine, 'buyer0')).toBe(2);
  });

  it('given a cancellation decided but not yet committed, when killed -9, then no buyer was refunded and the schedule still sells; cancelled again, each buyer is refunded once', async () => {
    h = await openHarness();
    const { scheduleId, buyers } = await soldSchedule(h.engine, h.clock.now());
    const paidBalances = buyers.map(({ userId }) => h!.engine.getBalance(userId).balance);

    // Decided now, in memory; its commit waits for a later turn of the event loop: the copy is taken before it.
    const inFlight = h.engine.cancelSchedule({ scheduleId });
    const engine = await h.crash();
    await inFlight.catch(() => undefined);

    expect(engine.getScheduleCancellation(scheduleId)).toMatchObject({ ok: true, value: { status: 'NOT_CANCELLED' } });
    expect(buyers.map(({ userId }) => engine.getBalance(userId).balance)).toEqual(paidBalances);
    expect(buyers.map(({ userId }) => refundsOf(engine, userId))).toEqual([1, 0, 0, 0, 0]);

    const retried = await engine.cancelSchedule({ scheduleId });
    expect(retried.ok && retried.value).toMatchObject({ status: 'COMPLETED', bookingsRefunded: 5 });
    const again = await (await h.crash()).cancelSchedule({ scheduleId });
    expect(again).toEqual(retried);
    expect(buyers.map(({ userId }) => h!.engine.getBalance(userId).balance)).toEqual(buyers.map(() => FUNDS));
    expect(buyers.map(({ userId }) => refundsOf(h!.engine, userId))).toEqual([2, 1, 1, 1, 1]);
  });

  it('given a fan\'s refund and the organiser\'s cancellation sent in the same instant, then the booking is refunded once, by whichever came first', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const reservationId = await paid(h.engine, 'racer', scheduleId, [7, 8]);

    const [fan, organiser] = await Promise.all([
      h.engine.refund({ userId: 'racer', reservationId }),
      h.engine.cancelSchedule({ scheduleId }),
    ]);

    expect(fan.ok).toBe(true);
    expect(organiser.ok && organiser.value.bookingsRefunded).toBe(0);
    expect(h.engine.getBalance('racer').balance).toBe(FUNDS);
    expect(refundsOf(h.engine, 'racer')).toBe(1);
  });
});
