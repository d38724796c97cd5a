/**
 * The waitlist in the engine: seats freed after sell-out become offers to its fans in order, an unpaid
 * offer passes to the next fan, and the list and its offers survive a kill -9 and a clean restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

const HOLD_TTL_MS = 300_000;
const OFFER_TTL_MS = 600_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function twoSeatSchedule(engine: BookingEngine, nowMs: number): Promise<string> {
  const created = await engine.createConcert({
    title: 'Small room', venue: 'Cellar',
    schedules: [{
      startsAt: new Date(nowMs + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(nowMs - 1_000).toISOString(),
      seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 1_000 }] },
    }],
  });
  if (!created.ok) throw new Error(created.error.code);
  return created.value.schedules[0]!.scheduleId;
}

function statuses(engine: BookingEngine, scheduleId: string): string[] {
  const map = engine.getSeatMap(scheduleId);
  if (!map.ok) throw new Error(map.error.code);
  return map.value.seats.map((seat) => seat.status);
}

describe('waitlist offers', () => {
  it('given a sold-out schedule, when a hold expires, then its seats are offered to the first fan whose number fits; unpaid, the offer passes on', async () => {
    h = await openHarness({ holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: OFFER_TTL_MS });
    const scheduleId = await twoSeatSchedule(h.engine, h.clock.now());
    const held = await h.engine.hold({ userId: 'holder', scheduleId, seatNumbers: [1, 2] });
    expect(held.ok).toBe(true);
    for (const [userId, quantity] of [['pair', 2], ['single', 1], ['late', 1]] as const) {
      const joined = await h.engine.joinWaitlist({ userId, scheduleId, quantity });
      expect(joined.ok && joined.value.created).toBe(true);
    }
    expect(h.engine.getWaitlistEntry('single', scheduleId)).toMatchObject({ ok: true, value: { position: 2, length: 3, quantity: 1 } });

    await h.advance(HOLD_TTL_MS);
    const pairOffer = h.engine.getWaitlist('pair').offers[0];
    expect(pairOffer).toMatchObject({ status: 'HELD', waitlistOffer: true, seats: [{ seatNumber: 1 }, { seatNumber: 2 }] });
    expect(Date.parse(pairOffer!.holdExpiresAt) - h.clock.now()).toBe(OFFER_TTL_MS);
    expect(statuses(h.engine, scheduleId)).toEqual(['TEMP_RESERVED', 'TEMP_RESERVED']);
    expect(h.engine.getWaitlist('pair').entries).toEqual([]);
    expect(h.engine.getWaitlistEntry('single', scheduleId)).toMatchObject({ ok: true, value: { position: 1, length: 2 } });

    // Unpaid: the pair's offer expires and passes to the next fans whose numbers fit, one seat each.
    await h.advance(OFFER_TTL_MS);
    expect(h.engine.getWaitlist('pair').offers).toEqual([]);
    expect(h.engine.getWaitlist('single').offers.map((o) => o.seats.map((s) => s.seatNumber))).toEqual([[1]]);
    expect(h.engine.getWaitlist('late').offers.map((o) => o.seats.map((s) => s.seatNumber))).toEqual([[2]]);

    // Paid without any queue token; the other expires with nobody left, so its seat goes back to the public.
    await h.engine.charge({ userId: 'single', amount: 1_000 });
    const offer = h.engine.getWaitlist('single').offers[0]!;
    const paid = await h.engine.pay({ userId: 'single', reservationId: offer.reservationId, queueToken: null });
    expect(paid.ok ? paid.value.amount : paid.error).toBe(1_000);
    await h.advance(OFFER_TTL_MS);
    expect(statuses(h.engine, scheduleId)).toEqual(['RESERVED', 'AVAILABLE']);
  });

  it('given seats free for the public, then the waitlist takes nothing from them; a refund after sell-out is offered', async () => {
    h = await openHarness({ holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: OFFER_TTL_MS });
    const scheduleId = await twoSeatSchedule(h.engine, h.clock.now());
    await h.engine.charge({ userId: 'buyer', amount: 2_000 });
    const first = await h.engine.hold({ userId: 'buyer', scheduleId, seatNumbers: [1] });
    if (!first.ok) throw new Error(first.error.code);
    await h.engine.joinWaitlist({ userId: 'waiter', scheduleId, quantity: 1 });
    // Seat 2 is AVAILABLE: cancelling seat 1's hold gives it back to the public, not to the list.
    await h.engine.cancelReservation('buyer', first.value.reservationId);
    expect(h.engine.getWaitlist('waiter').offers).toEqual([]);

    const both = await h.engine.hold({ userId: 'buyer', scheduleId, seatNumbers: [1, 2] });
    if (!both.ok) throw new Error(both.error.code);
    expect((await h.engine.pay({ userId: 'buyer', reservationId: both.value.reservationId })).ok).toBe(true);
    const refund = await h.engine.refund({ userId: 'buyer', reservationId: both.value.reservationId, seatNumbers: [2] });
    expect(refund.ok).toBe(true);
    expect(h.engine.getWaitlist('waiter').offers.map((o) => o.seats.map((s) => s.seatNumber))).toEqual([[2]]);
  });

  it('given a fan holding seats elsewhere, then they are passed over and keep their place', async () => {
    h = await openHarness({ holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: OFFER_TTL_MS });
    const scheduleId = await twoSeatSchedule(h.engine, h.clock.now());
    const other = await twoSeatSchedule(h.engine, h.clock.now());
    expect((await h.engine.hold({ userId: 'holder', scheduleId, seatNumbers: [1, 2] })).ok).toBe(true);
    await h.engine.joinWaitlist({ userId: 'busy', scheduleId, quantity: 1 });
    await h.engine.joinWaitlist({ userId: 'free', scheduleId, quantity: 1 });
    await h.advance(HOLD_TTL_MS - 60_000);
    expect((await h.engine.hold({ userId: 'busy', scheduleId: other, seatNumbers: [1] })).ok).toBe(true);
    await h.advance(60_000);
    expect(h.engine.getWaitlist('free').offers).toHaveLength(1);
    expect(h.engine.getWaitlist('busy')).toMatchObject({ offers: [], entries: [{ position: 1 }] });
    expect(h.engine.listReservations('busy', 'HELD').map((r) => r.scheduleId)).toEqual([other]);
  });

  it('refuses a join that would pass the purchase cap, for a show that started or was cancelled, and a leave of no entry', async () => {
    h = await openHarness();
    const now = h.clock.now();
    const created = await h.engine.createConcert({
      title: 'Capped', venue: 'Hall',
      schedules: [{ startsAt: new Date(now + 86_400_000).toISOString(), bookingOpensAt: new Date(now - 1_000).toISOString(), seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 1 }] }, maxSeatsPerFan: 1 }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    const code = (result: { ok: boolean; error?: { code: string } }): string => (result.ok ? 'ok' : result.error!.code);
    expect(code(await h.engine.joinWaitlist({ userId: 'fan', scheduleId, quantity: 2 }))).toBe('PURCHASE_LIMIT_REACHED');
    expect(code(await h.engine.joinWaitlist({ userId: 'fan', scheduleId, quantity: 0 }))).toBe('VALIDATION_ERROR');
    expect(code(await h.engine.joinWaitlist({ userId: 'fan', scheduleId: 'sch_nope', quantity: 1 }))).toBe('SCHEDULE_NOT_FOUND');
    expect(code(await h.engine.leaveWaitlist({ userId: 'fan', scheduleId }))).toBe('WAITLIST_ENTRY_NOT_FOUND');
    expect(code(await h.engine.joinWaitlist({ userId: 'fan', scheduleId, quantity: 1 }))).toBe('ok');
    const again = await h.engine.joinWaitlist({ userId: 'fan', scheduleId, quantity: 1 });
    expect(again.ok && again.value.created).toBe(false);
    await h.engine.cancelSchedule({ scheduleId });
    expect(code(h.engine.getWaitlistEntry('fan', scheduleId))).toBe('WAITLIST_ENTRY_NOT_FOUND');
    expect(code(await h.engine.joinWaitlist({ userId: 'fan', scheduleId, quantity: 1 }))).toBe('SCHEDULE_CANCELLED');
  });

  it('given a list and an open offer, when killed -9 and then restarted cleanly, then both are as they were and the offer still passes on', async () => {
    h = await openHarness({ holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: OFFER_TTL_MS });
    const scheduleId = await twoSeatSchedule(h.engine, h.clock.now());
    expect((await h.engine.hold({ userId: 'holder', scheduleId, seatNumbers: [1, 2] })).ok).toBe(true);
    await h.engine.joinWaitlist({ userId: 'first', scheduleId, quantity: 2 });
    await h.engine.joinWaitlist({ userId: 'second', scheduleId, quantity: 2 });
    await h.engine.joinWaitlist({ userId: 'third', scheduleId, quantity: 1 });
    await h.advance(HOLD_TTL_MS);
    const offer = h.engine.getWaitlist('first').offers[0]!;

    for (const restart of [() => h!.crash(), () => h!.reopen()]) {
      const engine = await restart();
      expect(engine.getWaitlist('first').offers).toEqual([offer]);
      expect(engine.getWaitlistEntry('second', scheduleId)).toMatchObject({ ok: true, value: { position: 1, length: 2, quantity: 2 } });
      expect(engine.getWaitlistEntry('third', scheduleId)).toMatchObject({ ok: true, value: { position: 2 } });
    }
    await h.advance(OFFER_TTL_MS);
    expect(h.engine.getWaitlist('second').offers.map((o) => o.seats.length)).toEqual([2]);
    // The lapsed offer is archived by the clean shutdown's checkpoint and still reads as an offer.
    const reopened = await h.reopen();
    expect(reopened.getReservation('first', offer.reservationId)).toMatchObject({ ok: true, value: { status: 'EXPIRED', waitlistOffer: true } });
    const engine = await h.crash();
    expect(engine.getWaitlist('second').offers.map((o) => o.waitlistOffer)).toEqual([true]);
    expect(engine.getWaitlistEntry('third', scheduleId)).toMatchObject({ ok: true, value: { position: 1, length: 1 } });
  });
});
