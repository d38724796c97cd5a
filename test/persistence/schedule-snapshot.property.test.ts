/**
 * A snapshot decodes to exactly the state its reservations would reach through the machines: for random
 * schedules (numbered and from a layout with a standing area; holdbacks, a presale code, offers) after random
 * holds, payments, cancellations, expiries and refunds, decodeSchedule (each reservation restored in one step)
 * equals replaying each reservation's hold, payment and refunds through evolveSchedule, seat by seat,
 * count by count, down to the venue's compact status, row summaries and free places.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSchedule, evolveSchedule, type ScheduleEvent, type ScheduleState } from '../../src/machines/schedule.js';
import { decodeSchedule, encodeSchedule } from '../../src/persistence/schedule-snapshot.js';
import { validateLayout } from '../../src/venues/layout.js';
import { VenuePlan } from '../../src/venues/venue-plan.js';

const valid = validateLayout({
  name: 'Small', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 300, rank: 1 }, { id: 'B', name: 'B', priceWon: 100, rank: 2 }],
  sections: [{ id: 'L', name: 'L', category: 'A', rows: [{ label: '1', seats: { from: 1, to: 6 } }, { label: '2', category: 'B', seats: { from: 1, to: 6 }, blocked: [3] }] }],
  generalAdmission: [{ id: 'FLOOR', name: 'Floor', category: 'B', capacity: 4 }],
});
if (!valid.ok) throw new Error('layout');
const PLAN = new VenuePlan('lay', valid.layout, '');

function created(venue: boolean): Extract<ScheduleEvent, { type: 'schedule.created' }> {
  return venue
    ? { type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: 9e12, bookingOpensAtMs: 0, seatCount: PLAN.seatCount, grades: [], layoutId: 'lay', holdbacks: [{ channel: 'press', seatNumbers: [5, 6] }] }
    : { type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: 9e12, bookingOpensAtMs: 0, seatCount: 12, grades: [{ grade: 'R', from: 1, to: 12, price: 150 }], holdbacks: [{ channel: 'press', seatNumbers: [11, 12] }] };
}

/** The way snapshots were decoded before: every reservation replayed through the machines. */
function replayDecode(state: ScheduleState, venue: boolean): ScheduleState {
  const replayed = createSchedule(created(venue), venue ? PLAN : undefined);
  for (const code of state.presaleCodes.values()) evolveSchedule(replayed, { type: 'presale.code_created', scheduleId: 'sch', code: code.code, maxUses: code.maxUses, atMs: code.createdAtMs, ...(code.channel === null ? {} : { channel: code.channel }) });
  for (const r of state.reservations.values()) {
    if (r.status !== 'HELD' && r.status !== 'CONFIRMED' && r.status !== 'REFUNDED') continue;
    evolveSchedule(replayed, {
      type: 'reservation.held', scheduleId: 'sch', reservationId: r.reservationId, userId: r.userId, seatNumbers: [...r.seatNumbers], atMs: r.heldAtMs, holdExpiresAtMs: r.holdExpiresAtMs,
      ...(r.offer === true ? { offer: true as const } : {}), ...(r.presaleCode === undefined ? {} : { presaleCode: r.presaleCode }),
    });
    if (r.payment !== null) evolveSchedule(replayed, { type: 'reservation.confirmed', scheduleId: 'sch', reservationId: r.reservationId, atMs: r.payment.paidAtMs, payment: r.payment });
    for (const refund of r.refunds) evolveSchedule(replayed, { type: 'reservation.refunded', scheduleId: 'sch', reservationId: r.reservationId, atMs: refund.refundedAtMs, refund });
  }
  return replayed;
}

const stepArb = fc.record({ kind: fc.constantFrom('hold', 'hold', 'pay', 'cancel', 'expire', 'refund'), pick: fc.nat(), count: fc.integer({ min: 1, max: 3 }), presale: fc.boolean(), offer: fc.boolean() });

describe('schedule snapshots', () => {
  it('decode each reservation in one step to exactly what replaying it through the machines reaches', () => {
    fc.assert(fc.property(fc.boolean(), fc.array(stepArb, { maxLength: 40 }), (venue, steps) => {
      const state = createSchedule(created(venue), venue ? PLAN : undefined);
      evolveSchedule(state, { type: 'presale.code_created', scheduleId: 'sch', code: 'CODE', maxUses: 100, atMs: 0, channel: 'press' });
      let ids = 0;
      for (const step of steps) {
        const live = [...state.reservations.values()];
        if (step.kind === 'hold') {
          const free = state.seats.filter((seat) => seat.status === 'AVAILABLE' && !(venue && PLAN.isBlocked(seat.seatNumber))).map((seat) => seat.seatNumber);
          if (free.length === 0) continue;
          const start = step.pick % free.length;
          const seatNumbers = free.slice(start, start + step.count);
          evolveSchedule(state, {
            type: 'reservation.held', scheduleId: 'sch', reservationId: `r${++ids}`, userId: `u${ids}`, seatNumbers, atMs: ids, holdExpiresAtMs: ids + 1_000,
            ...(step.offer ? { offer: true as const } : {}), ...(step.presale ? { presaleCode: 'CODE' } : {}),
          });
          continue;
        }
        const wanted = step.kind === 'refund' ? 'CONFIRMED' : 'HELD';
        const candidates = live.filter((r) => r.status === wanted);
        const r = candidates[step.pick % Math.max(1, candidates.length)];
        if (r === undefined) continue;
        if (step.kind === 'pay') {
          evolveSchedule(state, { type: 'reservation.confirmed', scheduleId: 'sch', reservationId: r.reservationId, atMs: 5, payment: { paymentId: `p${r.reservationId}`, amount: r.totalPrice, paidAtMs: 5, balanceBefore: r.totalPrice, balanceAfter: 0, queueTokenExpired: false } });
        } else if (step.kind === 'cancel' || step.kind === 'expire') {
          evolveSchedule(state, { type: step.kind === 'cancel' ? 'reservation.cancelled' : 'reservation.expired', scheduleId: 'sch', reservationId: r.reservationId, atMs: r.holdExpiresAtMs });
        } else {
          const left = r.seatNumbers.filter((n) => !r.refunds.some((f) => f.seatNumbers.includes(n)));
          const seatNumbers = left.slice(0, 1 + (step.pick % left.length));
          evolveSchedule(state, { type: 'reservation.refunded', scheduleId: 'sch', reservationId: r.reservationId, atMs: 6, refund: { refundId: `f${++ids}`, seatNumbers, amount: 1, refundedAtMs: 6, reason: 'USER' } });
        }
      }
      const decoded = decodeSchedule(encodeSchedule(state), () => PLAN);
      const reference = replayDecode(state, venue);
      expect(decoded.seats).toEqual(reference.seats);
      expect([...decoded.reservations.entries()]).toEqual([...reference.reservations.entries()]);
      expect([decoded.availableCount, decoded.heldBackCount, decoded.heldCount, decoded.reservedCount]).toEqual([reference.availableCount, reference.heldBackCount, reference.heldCount, reference.reservedCount]);
      expect(decoded.presaleCodes.get('CODE')?.used).toBe(reference.presaleCodes.get('CODE')?.used);
      if (venue) {
        expect(decoded.venue!.availability.status).toEqual(reference.venue!.availability.status);
        expect(decoded.venue!.availability.rowMaxRunAll).toEqual(reference.venue!.availability.rowMaxRunAll);
        expect(decoded.venue!.availability.rowMaxRunGeneral).toEqual(reference.venue!.availability.rowMaxRunGeneral);
        expect(decoded.venue!.areaFree[0]!.total()).toBe(reference.venue!.areaFree[0]!.total());
      }
    }), { numRuns: 400 });
  });

  it('refuses a snapshot with a seat in two bookings or a refund of a seat the booking does not have', () => {
    const state = createSchedule(created(false));
    evolveSchedule(state, { type: 'reservation.held', scheduleId: 'sch', reservationId: 'r1', userId: 'u1', seatNumbers: [1, 2], atMs: 1, holdExpiresAtMs: 9 });
    const image = JSON.parse(encodeSchedule(state)) as { reservations: Array<Record<string, unknown>> };
    const twice = { ...image, reservations: [...image.reservations, { ...image.reservations[0]!, id: 'r2' }] };
    expect(() => decodeSchedule(JSON.stringify(twice), () => PLAN)).toThrow(/seat 1 of sch in r2 and r1/);
    const badRefund = { ...image, reservations: [{ ...image.reservations[0]!, payment: { paymentId: 'p', amount: 300, paidAtMs: 2, balanceBefore: 300, balanceAfter: 0, queueTokenExpired: false }, refunds: [{ refundId: 'f', seatNumbers: [7], amount: 150, refundedAtMs: 3, reason: 'USER' }] }] };
    expect(() => decodeSchedule(JSON.stringify(badRefund), () => PLAN)).toThrow(/seat 7 refunded twice or not a seat of r1/);
  });
});
