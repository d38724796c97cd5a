import { describe, expect, it } from 'vitest';
import { createSchedule, evolveSchedule, type ScheduleEvent, type ScheduleState } from '../../src/machines/schedule.js';
import { decideJoinWaitlist, decideLeaveWaitlist, decideOffers, waitlistPosition, type OfferContext } from '../../src/machines/waitlist.js';
import { decodeSchedule, encodeSchedule } from '../../src/persistence/schedule-snapshot.js';
import { validateLayout } from '../../src/venues/layout.js';
import { VenuePlan } from '../../src/venues/venue-plan.js';

const NOW = 1_000_000;

function schedule(seatCount = 4): ScheduleState {
  return createSchedule({
    type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: NOW + 86_400_000, bookingOpensAtMs: 0,
    seatCount, grades: [{ grade: 'R', from: 1, to: seatCount, price: 100 }],
  });
}

function apply(state: ScheduleState, events: ScheduleEvent[]): void {
  for (const event of events) evolveSchedule(state, event);
}

function join(state: ScheduleState, userId: string, quantity: number): void {
  const decided = decideJoinWaitlist(state, { userId, quantity, nowMs: NOW, seatsOwned: 0, maxEntries: 100 });
  if (!decided.ok) throw new Error(decided.error.code);
  apply(state, decided.value);
}

let ids = 0;
const ctx = (overrides: Partial<OfferContext> = {}): OfferContext => ({
  nowMs: NOW, offerTtlMs: 60_000, newReservationId: () => `res${++ids}`, holdsElsewhere: () => false, seatsOwned: () => 0, ...overrides,
});

describe('the waitlist machine', () => {
  it('keeps fans in join order; joining again keeps the first place; leaving closes the gap', () => {
    const state = schedule();
    for (const user of ['a', 'b', 'c']) join(state, user, 1);
    join(state, 'a', 3);
    expect(state.waitlist.map((e) => [e.userId, e.quantity])).toEqual([['a', 1], ['b', 1], ['c', 1]]);
    const left = decideLeaveWaitlist(state, 'b', NOW);
    if (!left.ok) throw new Error(left.error.code);
    apply(state, left.value);
    expect([waitlistPosition(state, 'a'), waitlistPosition(state, 'b'), waitlistPosition(state, 'c')]).toEqual([1, 0, 2]);
    expect(decideLeaveWaitlist(state, 'b', NOW)).toMatchObject({ ok: false, error: { code: 'WAITLIST_ENTRY_NOT_FOUND' } });
  });

  it('offers the AVAILABLE seats to the first fans whose number fits, lowest seats first, skipping fans who hold elsewhere or would pass the cap', () => {
    const state = schedule(4);
    join(state, 'four', 4);
    join(state, 'busy', 1);
    join(state, 'two', 2);
    join(state, 'one', 1);
    join(state, 'last', 1);
    apply(state, [{ type: 'reservation.held', scheduleId: 'sch', reservationId: 'h', userId: 'x', seatNumbers: [1], atMs: NOW, holdExpiresAtMs: NOW + 1 }]);
    const events = decideOffers(state, ctx({ holdsElsewhere: (user) => user === 'busy' }));
    const offered = events.filter((e) => e.type === 'reservation.held').map((e) => [e.type === 'reservation.held' && e.userId, e.type === 'reservation.held' && e.seatNumbers]);
    expect(offered).toEqual([['two', [2, 3]], ['one', [4]]]);
    apply(state, events);
    expect(state.waitlist.map((e) => e.userId)).toEqual(['four', 'busy', 'last']);
    expect([...state.reservations.values()].filter((r) => r.offer === true).map((r) => r.holdExpiresAtMs)).toEqual([NOW + 60_000, NOW + 60_000]);
  });

  it('makes no offer once the schedule is cancelled or the show has started, and a cancellation empties the list', () => {
    const state = schedule(2);
    join(state, 'a', 1);
    expect(decideOffers(state, ctx({ nowMs: state.startsAtMs }))).toEqual([]);
    apply(state, [{ type: 'schedule.cancelled', scheduleId: 'sch', atMs: NOW, reason: null, bookingsRefunded: 0, refundedAmount: 0, holdsReleased: 0 }]);
    expect(state.waitlist).toEqual([]);
    expect(decideOffers(state, ctx())).toEqual([]);
    expect(decideJoinWaitlist(state, { userId: 'b', quantity: 1, nowMs: NOW, seatsOwned: 0, maxEntries: 100 })).toMatchObject({ ok: false, error: { code: 'SCHEDULE_CANCELLED' } });
  });

  it('refuses a join past the purchase cap or past a full list', () => {
    const capped = createSchedule({
      type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: NOW + 1_000, bookingOpensAtMs: 0,
      seatCount: 4, grades: [{ grade: 'R', from: 1, to: 4, price: 100 }], maxSeatsPerFan: 2,
    });
    expect(decideJoinWaitlist(capped, { userId: 'a', quantity: 1, nowMs: NOW, seatsOwned: 2, maxEntries: 100 })).toMatchObject({ ok: false, error: { code: 'PURCHASE_LIMIT_REACHED' } });
    join(capped, 'a', 1);
    expect(decideJoinWaitlist(capped, { userId: 'b', quantity: 1, nowMs: NOW, seatsOwned: 0, maxEntries: 1 })).toMatchObject({ ok: false, error: { code: 'WAITLIST_FULL', details: { limit: 1 } } });
  });

  it('survives a snapshot round trip: the list in order and the offers marked', () => {
    const state = schedule(3);
    for (const user of ['a', 'b', 'c']) join(state, user, 1);
    apply(state, decideOffers(state, ctx()).slice(0, 2));
    const restored = decodeSchedule(encodeSchedule(state), (layoutId) => { throw new Error(`no layout ${layoutId}`); });
    expect(restored.waitlist).toEqual(state.waitlist);
    expect([...restored.reservations.values()].map((r) => [r.userId, r.offer])).toEqual([['a', true]]);
    expect(encodeSchedule(restored)).toBe(encodeSchedule(state));
  });

  it('in a venue, offers a fan the first free seats side by side when some are, not the lowest numbers apart', () => {
    const valid = validateLayout({
      name: 'Two rows', version: 1, categories: [{ id: 'R', name: 'R', priceWon: 100, rank: 1 }],
      sections: [{ id: 'A', name: 'A', category: 'R', rows: [{ label: '1', seats: { from: 1, to: 4 } }, { label: '2', seats: { from: 1, to: 4 } }] }],
    });
    if (!valid.ok) throw new Error('layout');
    const plan = new VenuePlan('lay', valid.layout, '');
    const state = createSchedule({
      type: 'schedule.created', atMs: 0, scheduleId: 'sch', concertId: 'con', startsAtMs: NOW + 86_400_000, bookingOpensAtMs: 0, seatCount: 8, grades: [], layoutId: 'lay',
    }, plan);
    const holds: Array<[string, number[]]> = [['r1', [1]], ['r2', [2, 3, 4, 5]], ['r3', [6, 7]], ['r4', [8]]];
    for (const [reservationId, seatNumbers] of holds) {
      apply(state, [{ type: 'reservation.held', scheduleId: 'sch', reservationId, userId: reservationId, seatNumbers, atMs: NOW, holdExpiresAtMs: NOW + 1 }]);
    }
    join(state, 'pair', 2);
    join(state, 'single', 1);
    apply(state, ['r1', 'r3'].map((reservationId) => ({ type: 'reservation.expired' as const, scheduleId: 'sch', reservationId, atMs: NOW + 1 })));

    const offers = decideOffers(state, ctx({ nowMs: NOW + 1 })).filter((e) => e.type === 'reservation.held');

    // The pair gets row 2's seats 2-3 (numbers 6, 7), together; the single fan after them gets seat 1 of row 1.
    expect(offers.map((e) => [e.userId, e.seatNumbers])).toEqual([['pair', [6, 7]], ['single', [1]]]);
  });
});
