/**
 * A schedule's purchase cap survives restarts, from the journal (a kill -9) and from the snapshot (a clean
 * shutdown's checkpoint), and goes on counting the seats the fan bought before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SEAT_MAP } from '../../src/domain/demo-catalogue.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('purchase caps across restarts', () => {
  it('given a cap of 2 and a fan who bought 2, when killed -9 and then restarted cleanly, then the cap still refuses a third seat', async () => {
    h = await openHarness();
    const now = h.clock.now();
    const created = await h.engine.createConcert({
      title: 'Capped', venue: 'Hall',
      schedules: [{ startsAt: new Date(now + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 1_000).toISOString(), seatMap: DEMO_SEAT_MAP, maxSeatsPerFan: 2 }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const { concertId } = created.value;
    const scheduleId = created.value.schedules[0]!.scheduleId;
    expect(created.value.schedules[0]!.maxSeatsPerFan).toBe(2);
    await h.engine.charge({ userId: 'fan', amount: 1_000_000 });
    const held = await h.engine.hold({ userId: 'fan', scheduleId, seatNumbers: [1, 2] });
    if (!held.ok) throw new Error(held.error.code);
    expect((await h.engine.pay({ userId: 'fan', reservationId: held.value.reservationId })).ok).toBe(true);

    for (const restart of [() => h!.crash(), () => h!.reopen()]) {
      const engine = await restart();
      const listed = engine.listSchedules(concertId);
      expect(listed.ok && listed.value.schedules[0]!.maxSeatsPerFan).toBe(2);
      const third = await engine.hold({ userId: 'fan', scheduleId, seatNumbers: [3] });
      expect(third.ok ? 'held' : third.error).toMatchObject({ code: 'PURCHASE_LIMIT_REACHED', details: { limit: 2, owned: 2, requested: 1 } });
      expect((await engine.hold({ userId: 'other', scheduleId, seatNumbers: [3, 4] })).ok).toBe(true);
      const mine = engine.listReservations('other', 'HELD')[0]!;
      await engine.cancelReservation('other', mine.reservationId);
    }
  });
});
