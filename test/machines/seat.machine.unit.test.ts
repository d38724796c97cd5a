import fc from 'fast-check';
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import { seatMachine, stepSeat, type SeatEvent, type SeatRecord } from '../../src/machines/seat.machine.js';

function seat(partial: Partial<SeatRecord> = {}): SeatRecord {
  return { seatNumber: 1, grade: 'VIP', price: 200_000, status: 'AVAILABLE', reservationId: null, userId: null, holdExpiresAtMs: 0, ...partial };
}

describe('seat machine', () => {
  it('given an available seat, when held, then it is TEMP_RESERVED by that reservation until its deadline', () => {
    const s = seat();
    expect(stepSeat(s, { type: 'seat.hold', reservationId: 'r1', userId: 'alice', holdExpiresAtMs: 300_000 })).toBeNull();
    expect(s).toMatchObject({ status: 'TEMP_RESERVED', reservationId: 'r1', userId: 'alice', holdExpiresAtMs: 300_000 });
  });

  it('given a held seat, when another reservation tries to hold it, then it is refused with a code', () => {
    const s = seat({ status: 'TEMP_RESERVED', reservationId: 'r1', userId: 'alice', holdExpiresAtMs: 300_000 });
    expect(stepSeat(s, { type: 'seat.hold', reservationId: 'r2', userId: 'bob', holdExpiresAtMs: 400_000 })).toBe('SEAT_NOT_AVAILABLE');
    expect(s.reservationId).toBe('r1');
  });

  it('given a held seat, when expiry comes one millisecond early, then it is refused; on time it is released', () => {
    const s = seat({ status: 'TEMP_RESERVED', reservationId: 'r1', userId: 'alice', holdExpiresAtMs: 300_000 });
    expect(stepSeat(s, { type: 'seat.expire', reservationId: 'r1', nowMs: 299_999 })).toBe('HOLD_NOT_DUE');
    expect(stepSeat(s, { type: 'seat.expire', reservationId: 'r1', nowMs: 300_000 })).toBeNull();
    expect(s).toMatchObject({ status: 'AVAILABLE', reservationId: null });
  });

  it('given a reserved seat, then nothing but its own booking\'s refund moves it: not a release, not an expiry, not a hold', () => {
    const s = seat({ status: 'TEMP_RESERVED', reservationId: 'r1', userId: 'alice', holdExpiresAtMs: 10 });
    expect(stepSeat(s, { type: 'seat.confirm', reservationId: 'r1' })).toBeNull();
    expect(s.status).toBe('RESERVED');
    expect(stepSeat(s, { type: 'seat.release', reservationId: 'r1' })).not.toBeNull();
    expect(stepSeat(s, { type: 'seat.expire', reservationId: 'r1', nowMs: 1e12 })).not.toBeNull();
    expect(stepSeat(s, { type: 'seat.hold', reservationId: 'r9', userId: 'x', holdExpiresAtMs: 1 })).not.toBeNull();
    expect(stepSeat(s, { type: 'seat.refund', reservationId: 'r9' })).toBe('SEAT_NOT_HELD_BY_RESERVATION');
    expect(s.status).toBe('RESERVED');
    expect(stepSeat(s, { type: 'seat.refund', reservationId: 'r1' })).toBeNull();
    expect(s).toMatchObject({ status: 'AVAILABLE', reservationId: null, userId: null });
  });

  it('property: the compiled table steps exactly like XState transition() on the machine', () => {
    const reservationId = fc.constantFrom('r1', 'r2');
    const event: fc.Arbitrary<SeatEvent> = fc.oneof(
      fc.record({ type: fc.constant('seat.hold' as const), reservationId, userId: fc.constant('u'), holdExpiresAtMs: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ type: fc.constant('seat.confirm' as const), reservationId }),
      fc.record({ type: fc.constant('seat.release' as const), reservationId }),
      fc.record({ type: fc.constant('seat.expire' as const), reservationId, nowMs: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ type: fc.constant('seat.refund' as const), reservationId }),
    );
    fc.assert(fc.property(fc.array(event, { maxLength: 12 }), (events) => {
      const record = seat();
      let snapshot = seatMachine.resolveState({ value: 'AVAILABLE', context: { reservationId: null, userId: null, holdExpiresAtMs: 0 } });
      for (const e of events) {
        const refused = stepSeat(record, e) !== null;
        const [next] = transition(seatMachine, snapshot, e);
        expect(refused).toBe(!snapshot.can(e));
        snapshot = next;
        expect(record.status).toBe(snapshot.value);
        expect(record.reservationId).toBe(snapshot.context.reservationId);
        expect(record.holdExpiresAtMs).toBe(snapshot.context.holdExpiresAtMs);
      }
    }));
  });
});
