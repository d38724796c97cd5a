import { describe, expect, it } from 'vitest';
import { DEMO_SEAT_MAP } from '../../src/domain/demo-catalogue.js';
import { createSchedule, decideHold, evolveSchedule, refusalForSettled, type ScheduleState } from '../../src/machines/schedule.js';

const NOW = 1_000_000;
const TTL = 300_000;

function schedule(): ScheduleState {
  return createSchedule({ type: 'schedule.created', atMs: 0, scheduleId: 's1', concertId: 'c1', startsAtMs: NOW + 86_400_000, bookingOpensAtMs: NOW - 1, seatCount: 50, grades: [...DEMO_SEAT_MAP.grades] });
}

function hold(state: ScheduleState, reservationId: string, seatNumbers: number[], nowMs = NOW) {
  const decision = decideHold(state, { reservationId, userId: `u-${reservationId}`, seatNumbers, nowMs, holdTtlMs: TTL, heldElsewhere: null, seatsOwned: 0 });
  if (decision.ok) for (const event of decision.value) evolveSchedule(state, event);
  return decision;
}

describe('schedule', () => {
  it('given seats 12 and 13 free, when held together, then both are TEMP_RESERVED at their grade prices', () => {
    const state = schedule();
    expect(hold(state, 'r1', [12, 13]).ok).toBe(true);
    expect(state.seats[11]?.status).toBe('TEMP_RESERVED');
    expect(state.reservations.get('r1')?.totalPrice).toBe(300_000);
    expect([state.availableCount, state.heldCount]).toEqual([48, 2]);
  });

  it('given seat 13 taken, when 12 and 13 are held, then nothing is held and 13 is named', () => {
    const state = schedule();
    hold(state, 'r1', [13]);
    const refused = hold(state, 'r2', [12, 13]);
    expect(refused).toMatchObject({ ok: false, error: { code: 'SEAT_UNAVAILABLE', details: { seatNumbers: [13] } } });
    expect(state.seats[11]?.status).toBe('AVAILABLE');
  });

  it('refuses seats out of range or repeated, and holds outside the booking window', () => {
    const state = schedule();
    expect(hold(state, 'r1', [0, 51])).toMatchObject({ ok: false, error: { code: 'INVALID_SEAT' } });
    expect(hold(state, 'r1', [3, 3])).toMatchObject({ ok: false, error: { code: 'INVALID_SEAT', details: { seatNumbers: [3] } } });
    expect(hold(state, 'r1', [3], NOW - 2)).toMatchObject({ ok: false, error: { code: 'BOOKING_NOT_OPEN' } });
    expect(hold(state, 'r1', [3], NOW + 86_400_000)).toMatchObject({ ok: false, error: { code: 'BOOKING_NOT_OPEN' } });
  });

  it('given a hold past its deadline whose timer has not fired, when another fan holds the seat, then the old hold expires in the same batch', () => {
    const state = schedule();
    hold(state, 'r1', [7]);
    const decision = hold(state, 'r2', [7], NOW + TTL);
    expect(decision.ok && decision.value.map((e) => e.type)).toEqual(['reservation.expired', 'reservation.held']);
    expect(state.reservations.get('r1')?.status).toBe('EXPIRED');
    expect(state.seats[6]?.reservationId).toBe('r2');
  });

  it('given a past-deadline hold of two seats, when another fan holds both, then it expires once', () => {
    const state = schedule();
    hold(state, 'r1', [8, 9]);
    const decision = hold(state, 'r2', [9, 8], NOW + TTL);
    expect(decision.ok && decision.value.map((e) => e.type)).toEqual(['reservation.expired', 'reservation.held']);
    expect(state.seats.slice(7, 9).map((seat) => seat.reservationId)).toEqual(['r2', 'r2']);
  });

  it('refuses in precedence order: bad seats, then the window, then the hold limit, then taken seats', () => {
    const state = schedule();
    hold(state, 'r1', [5]);
    const request = { reservationId: 'r2', userId: 'u2', nowMs: NOW, holdTtlMs: TTL, heldElsewhere: 'r0', seatsOwned: 0 };
    expect(decideHold(state, { ...request, seatNumbers: [5, 5] })).toMatchObject({ ok: false, error: { code: 'INVALID_SEAT' } });
    expect(decideHold(state, { ...request, seatNumbers: [5], nowMs: NOW - 2 })).toMatchObject({ ok: false, error: { code: 'BOOKING_NOT_OPEN' } });
    expect(decideHold(state, { ...request, seatNumbers: [5] })).toMatchObject({ ok: false, error: { code: 'HOLD_LIMIT_REACHED', details: { reservationId: 'r0' } } });
    expect(decideHold(state, { ...request, seatNumbers: [5], heldElsewhere: null })).toMatchObject({ ok: false, error: { code: 'SEAT_UNAVAILABLE' } });
  });

  it('given a purchase cap of 4, then a fan owning 3 may hold 1 more but not 2, after the hold limit and before taken seats; without a cap nothing is counted', () => {
    const capped = createSchedule({ type: 'schedule.created', atMs: 0, scheduleId: 's2', concertId: 'c1', startsAtMs: NOW + 86_400_000, bookingOpensAtMs: NOW - 1, seatCount: 50, grades: [...DEMO_SEAT_MAP.grades], maxSeatsPerFan: 4 });
    hold(capped, 'r1', [5]);
    const request = { reservationId: 'r2', userId: 'u2', nowMs: NOW, holdTtlMs: TTL, heldElsewhere: null, seatsOwned: 3 };
    expect(decideHold(capped, { ...request, seatNumbers: [6] }).ok).toBe(true);
    expect(decideHold(capped, { ...request, seatNumbers: [6, 7] })).toMatchObject({ ok: false, error: { code: 'PURCHASE_LIMIT_REACHED', details: { limit: 4, owned: 3, requested: 2 } } });
    expect(decideHold(capped, { ...request, seatNumbers: [5, 6] })).toMatchObject({ ok: false, error: { code: 'PURCHASE_LIMIT_REACHED' } });
    expect(decideHold(capped, { ...request, seatNumbers: [6, 7], heldElsewhere: 'r0' })).toMatchObject({ ok: false, error: { code: 'HOLD_LIMIT_REACHED' } });
    expect(decideHold(schedule(), { ...request, seatNumbers: [1, 2, 3, 4], seatsOwned: 400 }).ok).toBe(true);
  });

  it('a reservation is payable strictly before its deadline, not at it', () => {
    const state = schedule();
    hold(state, 'r1', [1]);
    const r = state.reservations.get('r1');
    if (r === undefined) throw new Error('missing');
    expect(refusalForSettled(r, NOW + TTL - 1, 'pay').ok).toBe(true);
    expect(refusalForSettled(r, NOW + TTL, 'pay')).toMatchObject({ ok: false, error: { code: 'RESERVATION_EXPIRED' } });
  });
});
