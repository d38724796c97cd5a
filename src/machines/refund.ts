/**
 * Refunds and an organiser's cancellation of a schedule, decided as pure functions of the schedule's
 * state (no I/O, no clock reads: `nowMs` comes in). A refund gives back seats of a CONFIRMED booking and
 * the sum of their prices; an organiser's cancellation refunds every booking in full and releases every
 * hold, all as one batch. Refund ids are derived from the booking (its n-th refund), so a decision is the
 * same on every replica of the command log and needs no random draw.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { RefundReason } from '../domain/views.js';
import { seatAt, type RefundRecord, type Reservation, type ScheduleEvent, type ScheduleState } from './schedule.js';

export interface RefundRequest {
  /** The seats to refund; omitted, every seat still booked. */
  seatNumbers?: readonly number[];
  /** Seats of the booking whose ticket was admitted at the door: those are not refunded. */
  usedSeats?: readonly number[];
  nowMs: number;
}

/** The seats of a booking not refunded yet, in booking order. */
export function bookedSeats(reservation: Reservation): number[] {
  if (reservation.refunds.length === 0) return [...reservation.seatNumbers];
  return reservation.seatNumbers.filter((n) => !reservation.refunds.some((r) => r.seatNumbers.includes(n)));
}

export function refundIdOf(reservationId: string, ordinal: number): string {
  return `rfd_${ordinal}_${reservationId}`;
}

/** The instant fans' refunds close for this schedule. */
export function refundCutoffAtMs(state: ScheduleState): number {
  return state.startsAtMs - state.refundCutoffMs;
}

function refundEvent(state: ScheduleState, reservation: Reservation, seatNumbers: number[], nowMs: number, reason: RefundReason): Extract<ScheduleEvent, { type: 'reservation.refunded' }> {
  const refund: RefundRecord = {
    refundId: refundIdOf(reservation.reservationId, reservation.refunds.length + 1),
    seatNumbers,
    amount: seatNumbers.reduce((sum, n) => sum + (seatAt(state, n)?.price ?? 0), 0),
    refundedAtMs: nowMs,
    reason,
  };
  return { type: 'reservation.refunded', scheduleId: state.scheduleId, reservationId: reservation.reservationId, atMs: nowMs, refund };
}

/**
 * A fan's refund of their booking (the caller checked it is theirs). Refusals in precedence order: the
 * booking is not paid (RESERVATION_NOT_CONFIRMED), it was refunded in full (ALREADY_REFUNDED), a seat named
 * is not the booking's or is named twice (SEAT_NOT_IN_RESERVATION), a seat named was refunded already
 * (ALREADY_REFUNDED), a seat's ticket was used at the door (TICKET_ALREADY_USED), the schedule's refund
 * cutoff has passed (REFUND_CUTOFF_PASSED).
 */
export function decideRefund(state: ScheduleState, reservation: Reservation, request: RefundRequest): Result<Extract<ScheduleEvent, { type: 'reservation.refunded' }>> {
  if (reservation.status === 'REFUNDED') {
    return fail('ALREADY_REFUNDED', { reservationId: reservation.reservationId, refundIds: reservation.refunds.map((r) => r.refundId) });
  }
  if (reservation.status !== 'CONFIRMED') return fail('RESERVATION_NOT_CONFIRMED', { status: reservation.status });
  const booked = bookedSeats(reservation);
  const asked = request.seatNumbers === undefined ? booked : [...request.seatNumbers];
  const foreign = asked.filter((n, index) => !reservation.seatNumbers.includes(n) || asked.indexOf(n) < index);
  if (foreign.length > 0) return fail('SEAT_NOT_IN_RESERVATION', { seatNumbers: foreign, reservationSeatNumbers: [...reservation.seatNumbers] });
  const refunded = asked.filter((n) => !booked.includes(n));
  if (refunded.length > 0) return fail('ALREADY_REFUNDED', { seatNumbers: refunded });
  const used = asked.filter((n) => request.usedSeats?.includes(n) === true);
  if (used.length > 0) return fail('TICKET_ALREADY_USED', { seatNumbers: used }, 'A seat to refund was already admitted at the door.');
  const cutoffMs = refundCutoffAtMs(state);
  if (request.nowMs >= cutoffMs) {
    return fail('REFUND_CUTOFF_PASSED', { refundCutoffAt: new Date(cutoffMs).toISOString(), startsAt: new Date(state.startsAtMs).toISOString() });
  }
  return ok(refundEvent(state, reservation, asked, request.nowMs, 'USER'));
}

/**
 * The organiser cancels the schedule: every HELD reservation is cancelled (its seats released), every
 * CONFIRMED one refunded in full for the seats it still has, whatever the refund cutoff, then the
 * schedule is marked cancelled with the totals. One batch: a schedule's reservations are bounded by its
 * seats. An already cancelled schedule yields no event.
 */
export function decideScheduleCancellation(state: ScheduleState, nowMs: number, reason: string | null): ScheduleEvent[] {
  if (state.cancellation !== null) return [];
  const events: ScheduleEvent[] = [];
  let bookingsRefunded = 0;
  let refundedAmount = 0;
  let holdsReleased = 0;
  for (const reservation of state.reservations.values()) {
    if (reservation.status === 'HELD') {
      events.push({ type: 'reservation.cancelled', scheduleId: state.scheduleId, reservationId: reservation.reservationId, atMs: nowMs });
      holdsReleased++;
    } else if (reservation.status === 'CONFIRMED') {
      const event = refundEvent(state, reservation, bookedSeats(reservation), nowMs, 'SCHEDULE_CANCELLED');
      events.push(event);
      bookingsRefunded++;
      refundedAmount += event.refund.amount;
    }
  }
  events.push({ type: 'schedule.cancelled', scheduleId: state.scheduleId, atMs: nowMs, reason, bookingsRefunded, refundedAmount, holdsReleased });
  return events;
}
