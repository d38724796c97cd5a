/**
 * Presale codes and their uses survive restarts, from the journal (a kill -9) and from the snapshot (a clean
 * shutdown's checkpoint): a single-use code that bought stays used, one whose hold ran out is free again.
 * Held-back seats stay held back across restarts, and their release is a live seat-map change that feeds
 * the waitlist of a show sold out to the public.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SEAT_MAP } from '../../src/domain/demo-catalogue.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

const HOUR_MS = 3_600_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('presale codes across restarts', () => {
  it('given a code that bought and one whose hold expired, when killed -9 and then restarted cleanly, then their uses are as they were', async () => {
    h = await openHarness({ holdTtlMs: 60_000 });
    const now = h.clock.now();
    const created = await h.engine.createConcert({
      title: 'Presale', venue: 'Hall',
      schedules: [{ startsAt: new Date(now + 30 * 24 * HOUR_MS).toISOString(), presaleOpensAt: new Date(now - HOUR_MS).toISOString(), bookingOpensAt: new Date(now + 24 * HOUR_MS).toISOString(), seatMap: DEMO_SEAT_MAP }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    for (const code of ['BOUGHT', 'LAPSED']) expect((await h.engine.createPresaleCode({ scheduleId, code, maxUses: 1 })).ok).toBe(true);
    await h.engine.charge({ userId: 'buyer', amount: 1_000_000 });
    const bought = await h.engine.hold({ userId: 'buyer', scheduleId, seatNumbers: [1], presaleCode: 'bought' });
    if (!bought.ok) throw new Error(bought.error.code);
    expect((await h.engine.pay({ userId: 'buyer', reservationId: bought.value.reservationId })).ok).toBe(true);
    expect((await h.engine.hold({ userId: 'lapser', scheduleId, seatNumbers: [2], presaleCode: 'LAPSED' })).ok).toBe(true);

    for (const restart of [() => h!.crash(), () => h!.reopen()]) {
      const engine = await restart();
      const codes = engine.listPresaleCodes(scheduleId);
      expect(codes.ok && codes.value.map((c) => [c.code, c.used])).toEqual([['BOUGHT', 1], ['LAPSED', 1]]);
      const refused = await engine.hold({ userId: 'other', scheduleId, seatNumbers: [3], presaleCode: 'BOUGHT' });
      expect(refused.ok ? 'held' : refused.error.code).toBe('PRESALE_CODE_USED_UP');
    }
    await h.advance(60_000);
    const engine = await h.crash();
    const codes = engine.listPresaleCodes(scheduleId);
    expect(codes.ok && codes.value.map((c) => c.used)).toEqual([1, 0]);
    expect((await engine.hold({ userId: 'other', scheduleId, seatNumbers: [3], presaleCode: 'LAPSED' })).ok).toBe(true);
  });

  it('given seats held back for a channel, when killed -9 and reopened, then they stay held back; when released while the public sold out, they go live and to the waitlist', async () => {
    h = await openHarness({ holdTtlMs: 60_000 });
    const now = h.clock.now();
    const created = await h.engine.createConcert({
      title: 'Holdback', venue: 'Hall',
      schedules: [{
        startsAt: new Date(now + 30 * 24 * HOUR_MS).toISOString(), bookingOpensAt: new Date(now - HOUR_MS).toISOString(),
        seatMap: { seatCount: 4, grades: [{ grade: 'R', from: 1, to: 4, price: 100 }] }, holdbacks: [{ channel: 'sponsors', seatNumbers: [3, 4] }],
      }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const { concertId } = created.value;
    const scheduleId = created.value.schedules[0]!.scheduleId;
    expect((await h.engine.hold({ userId: 'public', scheduleId, seatNumbers: [1, 2] })).ok).toBe(true);
    expect((await h.engine.joinWaitlist({ userId: 'waiting', scheduleId, quantity: 2 })).ok).toBe(true);

    for (const restart of [() => h!.crash(), () => h!.reopen()]) {
      const engine = await restart();
      const map = engine.getSeatMap(scheduleId);
      expect(map.ok && map.value.seats.map((seat) => seat.status)).toEqual(['TEMP_RESERVED', 'TEMP_RESERVED', 'RESERVED', 'RESERVED']);
      const listed = engine.listSchedules(concertId, { includeSoldOut: true });
      expect(listed.ok && listed.value.schedules[0]!.availableSeatCount).toBe(0);
      expect(engine.listHoldbacks(scheduleId)).toMatchObject({ ok: true, value: [{ channel: 'sponsors', seatNumbers: [3, 4], availableSeatNumbers: [3, 4] }] });
    }
    const deltas: unknown[] = [];
    h.engine.subscribeSeatMap(scheduleId, (delta) => deltas.push(delta.changes));
    expect((await h.engine.releaseHoldback({ scheduleId, channel: 'sponsors' })).ok).toBe(true);
    // Released while sold out to the public: the seats go live, then straight to the first fan on the waitlist.
    expect(deltas).toEqual([
      [{ seatNumber: 3, status: 'AVAILABLE' }, { seatNumber: 4, status: 'AVAILABLE' }],
      [{ seatNumber: 3, status: 'TEMP_RESERVED' }, { seatNumber: 4, status: 'TEMP_RESERVED' }],
    ]);
    expect(h.engine.getWaitlist('waiting').offers.map((offer) => offer.seats.map((seat) => seat.seatNumber))).toEqual([[3, 4]]);
    const engine = await h.crash();
    expect(engine.listHoldbacks(scheduleId)).toMatchObject({ ok: true, value: [] });
  });
});
