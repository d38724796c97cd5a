/**
 * A schedule created from a layout, driven by random commands (holds by best available, label, standing
 * quantity and number; payments, cancellations, expiries, refunds, a holdback release): after every step
 * no seat belongs to two live bookings, the venue's compact status and row summaries equal ones rebuilt from
 * the seat records, each standing area's free places equal its free seat records, a best-available block is
 * adjacent seats of one row that were free, and a snapshot decodes to the same venue.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveSelection, type SeatSelection } from '../../src/machines/schedule-venue.js';
import { createSchedule, decideHold, evolveSchedule, seatAt, type ScheduleState } from '../../src/machines/schedule.js';
import { decideRefund } from '../../src/machines/refund.js';
import { decideReleaseHoldback } from '../../src/machines/presale.js';
import { decodeSchedule, encodeSchedule } from '../../src/persistence/schedule-snapshot.js';
import { createAvailabilityIndex } from '../../src/venues/availability-index.js';
import { adjacent } from '../../src/venues/availability-index.js';
import type { LayoutJson } from '../../src/venues/layout-format.js';
import { validateLayout } from '../../src/venues/layout.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';
import { VenuePlan } from '../../src/venues/venue-plan.js';

const HOUR = 3_600_000;

const LAYOUT: LayoutJson = {
  name: 'Small arena', version: 1,
  categories: [{ id: 'A', name: 'A', priceWon: 300, rank: 1 }, { id: 'B', name: 'B', priceWon: 200, rank: 2 }, { id: 'F', name: 'Floor', priceWon: 50, rank: 3 }],
  sections: [
    { id: 'L', name: 'Left', category: 'A', rows: [
      { label: '1', seats: { from: 1, to: 8 }, wheelchair: [1], companion: [2] },
      { label: '2', seats: { from: 1, to: 8, except: [5] }, blocked: [3] },
      { label: '3', category: 'B', seats: { from: 1, to: 8 } },
    ] },
    { id: 'R', name: 'Right', category: 'B', rows: [
      { label: '1', seats: { from: 1, to: 6 }, restrictedView: [6] },
      { label: '2', seats: { from: 1, to: 6 } },
    ] },
  ],
  generalAdmission: [{ id: 'FLOOR', name: 'Floor', category: 'F', capacity: 6 }],
};

function plan(): VenuePlan {
  const valid = validateLayout(LAYOUT);
  if (!valid.ok) throw new Error(JSON.stringify(valid.errors));
  return new VenuePlan('lay_small', valid.layout, JSON.stringify(LAYOUT));
}

function arenaSchedule(venue: VenuePlan): ScheduleState {
  return createSchedule({
    type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: 100 * HOUR, bookingOpensAtMs: 0,
    seatCount: venue.seatCount, grades: [], layoutId: venue.layoutId, refundCutoffMs: 0,
    holdbacks: [{ channel: 'press', seatNumbers: [16, 17] }],
  }, venue);
}

type Command =
  | { kind: 'hold'; user: number; selection: SeatSelection }
  | { kind: 'pay' | 'cancel' | 'expire' | 'refund'; pick: number }
  | { kind: 'release' };

const selectionArb: fc.Arbitrary<SeatSelection> = fc.oneof(
  fc.record({ quantity: fc.integer({ min: 1, max: 4 }), categoryId: fc.option(fc.constantFrom('A', 'B'), { nil: undefined }), need: fc.option(fc.constant('WHEELCHAIR' as const), { nil: undefined }) })
    .map((request) => ({ kind: 'best' as const, request: Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) as { quantity: number } })),
  fc.integer({ min: 1, max: 4 }).map((quantity) => ({ kind: 'standing' as const, areaId: 'FLOOR', quantity })),
  fc.uniqueArray(fc.constantFrom('L-1-3', 'L-1-4', 'L-2-4', 'L-2-6', 'R-1-1', 'R-1-2', 'R-2-6', 'L-3-8'), { minLength: 1, maxLength: 3 }).map((seatLabels) => ({ kind: 'labels' as const, seatLabels })),
  fc.uniqueArray(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 3 }).map((seatNumbers) => ({ kind: 'numbers' as const, seatNumbers })),
);

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('hold' as const), user: fc.integer({ min: 0, max: 7 }), selection: selectionArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('pay' as const, 'cancel' as const, 'expire' as const, 'refund' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'release' as const }) },
);

function checkInvariants(state: ScheduleState, venue: VenuePlan): void {
  const owner = new Map<number, string>();
  for (const r of state.reservations.values()) {
    if (r.status !== 'HELD' && r.status !== 'CONFIRMED') continue;
    const refunded = new Set(r.refunds.flatMap((f) => f.seatNumbers));
    for (const n of r.seatNumbers) {
      if (refunded.has(n)) continue;
      expect(owner.get(n), `seat ${n} in ${owner.get(n)} and ${r.reservationId}`).toBeUndefined();
      owner.set(n, r.reservationId);
      expect(seatAt(state, n)?.reservationId).toBe(r.reservationId);
    }
  }
  const v = state.venue!;
  const expected = new Uint8Array(venue.layout.seatCount);
  for (let n = 1; n <= venue.layout.seatCount; n++) {
    const seat = seatAt(state, n)!;
    expected[n - 1] = venue.isBlocked(n) ? SEAT_STATUS.BLOCKED
      : seat.status !== 'AVAILABLE' ? SEAT_STATUS.TAKEN
        : state.heldBack.has(n) ? SEAT_STATUS.HELD_BACK : SEAT_STATUS.AVAILABLE;
  }
  expect(v.availability.status).toEqual(expected);
  const rebuilt = createAvailabilityIndex(venue.layout, expected.slice());
  expect(v.availability.rowMaxRunAll).toEqual(rebuilt.rowMaxRunAll);
  expect(v.availability.rowMaxRunGeneral).toEqual(rebuilt.rowMaxRunGeneral);
  const area = venue.areas[0]!;
  let free = 0;
  for (let n = area.firstSeatNumber; n < area.firstSeatNumber + area.capacity; n++) if (seatAt(state, n)!.status === 'AVAILABLE') free++;
  expect(v.areaFree[0]!.total()).toBe(free);
  expect(state.availableCount).toBe(expected.filter((c) => c === SEAT_STATUS.AVAILABLE).length + free);
}

describe('a schedule sold from a venue layout', () => {
  it('keeps its venue in step with its seats through any sequence of holds, payments, cancellations, expiries, refunds and a release', () => {
    const venue = plan();
    fc.assert(fc.property(fc.array(commandArb, { maxLength: 40 }), (commands) => {
      const state = arenaSchedule(venue);
      let nowMs = HOUR;
      let ids = 0;
      for (const command of commands) {
        nowMs += 1_000;
        const live = [...state.reservations.values()];
        if (command.kind === 'hold') {
          const userId = `u${command.user}`;
          if (live.some((r) => r.userId === userId && r.status === 'HELD')) continue;
          const before = command.selection.kind === 'best' ? state.venue!.availability.status.slice() : null;
          const seats = resolveSelection(state.venue, command.selection);
          if (!seats.ok) continue;
          if (command.selection.kind === 'best') {
            const n = seats.value;
            for (const s of n) expect(before![s - 1]).toBe(SEAT_STATUS.AVAILABLE);
            for (let k = 1; k < n.length; k++) expect(adjacent(venue.layout, n[k - 1]! - 1, n[k]! - 1)).toBe(true);
          }
          const decision = decideHold(state, { reservationId: `r${++ids}`, userId, seatNumbers: seats.value, nowMs, holdTtlMs: 60_000, heldElsewhere: null, seatsOwned: 0 });
          if (command.selection.kind !== 'numbers' && command.selection.kind !== 'labels') expect(decision.ok, JSON.stringify(decision)).toBe(true);
          if (decision.ok) for (const event of decision.value) evolveSchedule(state, event);
        } else if (command.kind === 'release') {
          const decision = decideReleaseHoldback(state, 'press', nowMs);
          if (decision.ok) for (const event of decision.value) evolveSchedule(state, event);
        } else {
          const wanted = command.kind === 'refund' ? 'CONFIRMED' : 'HELD';
          const candidates = live.filter((r) => r.status === wanted);
          const r = candidates[command.pick % Math.max(1, candidates.length)];
          if (r === undefined) continue;
          if (command.kind === 'pay') {
            evolveSchedule(state, { type: 'reservation.confirmed', scheduleId: 'sch', reservationId: r.reservationId, atMs: nowMs, payment: { paymentId: `p${r.reservationId}`, amount: r.totalPrice, paidAtMs: nowMs, balanceBefore: r.totalPrice, balanceAfter: 0, queueTokenExpired: false } });
          } else if (command.kind === 'cancel' || command.kind === 'expire') {
            evolveSchedule(state, { type: command.kind === 'cancel' ? 'reservation.cancelled' : 'reservation.expired', scheduleId: 'sch', reservationId: r.reservationId, atMs: command.kind === 'expire' ? r.holdExpiresAtMs : nowMs });
          } else {
            const refund = decideRefund(state, r, { seatNumbers: [r.seatNumbers[0]!], nowMs });
            if (refund.ok) evolveSchedule(state, refund.value);
          }
        }
        checkInvariants(state, venue);
      }
      const restored = decodeSchedule(encodeSchedule(state), (layoutId) => {
        expect(layoutId).toBe(venue.layoutId);
        return venue;
      });
      expect(restored.venue!.availability.status).toEqual(state.venue!.availability.status);
      expect(restored.venue!.areaFree[0]!.total()).toBe(state.venue!.areaFree[0]!.total());
      expect(restored.availableCount).toBe(state.availableCount);
      checkInvariants(restored, venue);
    }), { numRuns: 300 });
  });
});
