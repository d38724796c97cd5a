/** Internal state -> the contract's bodies. */
import type { RefundRecord, Reservation, ScheduleState } from '../machines/schedule.js';
import { isBlockedSeat, publicSeatStatus, seatAt } from '../machines/schedule.js';
import { outlookFor } from '../machines/odds.js';
import type { PresaleCode } from '../machines/presale.js';
import type { QueueToken } from '../machines/waiting-room.js';
import { encodeSnapshot } from '../venues/seat-map-codec.js';
import { SEAT_STATUS } from '../venues/seat-status.js';
import type {
  HoldbackView, PaymentView, PresaleCodeView, QueueStatusView, RefundView, ReservationView, ReservedSeatView, ScheduleCancellationView, ScheduleView, SeatView,
} from '../domain/views.js';

const ISO_CACHE_LIMIT = 4_096;
const isoCache = new Map<number, string>();

/**
 * ISO 8601 of an instant, memoized: the same few instants (a hold's deadline, a token's admission) are
 * formatted on every poll of them, and Date#toISOString is a measurable share of a read.
 */
export function iso(ms: number): string {
  let text = isoCache.get(ms);
  if (text === undefined) {
    if (isoCache.size >= ISO_CACHE_LIMIT) isoCache.clear();
    text = new Date(ms).toISOString();
    isoCache.set(ms, text);
  }
  return text;
}

export function reservedSeats(schedule: ScheduleState, seatNumbers: readonly number[]): ReservedSeatView[] {
  return seatNumbers.map((seatNumber) => {
    const seat = seatAt(schedule, seatNumber);
    const view: ReservedSeatView = { seatNumber, grade: seat?.grade ?? '', price: seat?.price ?? 0 };
    if (schedule.venue !== null) view.label = schedule.venue.plan.label(seatNumber);
    return view;
  });
}

export function reservationView(schedule: ScheduleState, reservation: Reservation): ReservationView {
  const view: ReservationView = {
    reservationId: reservation.reservationId,
    userId: reservation.userId,
    scheduleId: reservation.scheduleId,
    concertId: reservation.concertId,
    seats: reservedSeats(schedule, reservation.seatNumbers),
    totalPrice: reservation.totalPrice,
    status: reservation.status,
    heldAt: iso(reservation.heldAtMs),
    holdExpiresAt: iso(reservation.holdExpiresAtMs),
  };
  if (reservation.offer === true) view.waitlistOffer = true;
  if (reservation.payment !== null) view.paymentId = reservation.payment.paymentId;
  if (reservation.refunds.length > 0) {
    view.refunds = reservation.refunds.map((r) => ({ refundId: r.refundId, seatNumbers: [...r.seatNumbers], amount: r.amount, reason: r.reason, refundedAt: iso(r.refundedAtMs) }));
  }
  return view;
}

export function refundView(schedule: ScheduleState, reservation: Reservation, refund: RefundRecord, balanceAfter: number): RefundView {
  return {
    refundId: refund.refundId,
    reservationId: reservation.reservationId,
    userId: reservation.userId,
    scheduleId: reservation.scheduleId,
    seats: reservedSeats(schedule, refund.seatNumbers),
    amount: refund.amount,
    reason: refund.reason,
    refundedAt: iso(refund.refundedAtMs),
    balanceAfter,
    reservationStatus: reservation.status,
  };
}

export function cancellationView(schedule: ScheduleState): ScheduleCancellationView {
  const cancellation = schedule.cancellation;
  const base = { scheduleId: schedule.scheduleId, concertId: schedule.concertId, startsAt: iso(schedule.startsAtMs) };
  if (cancellation === null) {
    return { ...base, status: 'NOT_CANCELLED', cancelledAt: null, reason: null, bookingsRefunded: 0, bookingsToRefund: 0, refundedAmount: 0, holdsReleased: 0 };
  }
  return {
    ...base,
    status: 'COMPLETED',
    cancelledAt: iso(cancellation.cancelledAtMs),
    reason: cancellation.reason,
    bookingsRefunded: cancellation.bookingsRefunded,
    bookingsToRefund: cancellation.bookingsRefunded,
    refundedAmount: cancellation.refundedAmount,
    holdsReleased: cancellation.holdsReleased,
  };
}

export function paymentView(schedule: ScheduleState, reservation: Reservation): PaymentView | null {
  const payment = reservation.payment;
  if (payment === null) return null;
  return {
    paymentId: payment.paymentId,
    reservationId: reservation.reservationId,
    userId: reservation.userId,
    amount: payment.amount,
    status: 'COMPLETED',
    paidAt: iso(payment.paidAtMs),
    balanceBefore: payment.balanceBefore,
    balanceAfter: payment.balanceAfter,
    seats: reservedSeats(schedule, reservation.seatNumbers),
    queueTokenExpired: payment.queueTokenExpired,
  };
}

export function seatViews(schedule: ScheduleState): SeatView[] {
  const { heldBack } = schedule;
  return schedule.seats.map((seat) => ({
    seatNumber: seat.seatNumber, grade: seat.grade, price: seat.price,
    status: heldBack.size === 0 && schedule.blockedCount === 0
      ? seat.status
      : publicSeatStatus(seat.status, heldBack.has(seat.seatNumber) || isBlockedSeat(schedule, seat.seatNumber)),
  }));
}

/** Layout seats as the venue keeps them (public codes already), then standing places: free or taken. */
export function compactStatusOf(schedule: ScheduleState): string {
  const venue = schedule.venue;
  if (venue === null) throw new Error(`schedule ${schedule.scheduleId} has no venue`);
  const status = new Uint8Array(schedule.seats.length);
  status.set(venue.availability.status);
  for (let n = venue.plan.layout.seatCount + 1; n <= schedule.seats.length; n++) {
    status[n - 1] = schedule.seats[n - 1]!.status === 'AVAILABLE' ? SEAT_STATUS.AVAILABLE : SEAT_STATUS.TAKEN;
  }
  return encodeSnapshot(venue.plan.layout.version, status).statusBase64;
}

export function scheduleView(schedule: ScheduleState): ScheduleView {
  const startsAt = iso(schedule.startsAtMs);
  return {
    scheduleId: schedule.scheduleId,
    date: startsAt.slice(0, 10),
    startsAt,
    bookingOpensAt: iso(schedule.bookingOpensAtMs),
    presaleOpensAt: schedule.presaleOpensAtMs === null ? null : iso(schedule.presaleOpensAtMs),
    availableSeatCount: schedule.availableCount,
    totalSeatCount: schedule.seats.length,
    maxSeatsPerFan: schedule.maxSeatsPerFan,
    layoutId: schedule.venue?.plan.layoutId ?? null,
  };
}

export function presaleCodeView(schedule: ScheduleState, code: PresaleCode): PresaleCodeView {
  return { scheduleId: schedule.scheduleId, code: code.code, maxUses: code.maxUses, used: code.used, createdAt: iso(code.createdAtMs), channel: code.channel };
}

/** Every channel's held-back seats, and which of them are free, in seat order. */
export function holdbackViews(schedule: ScheduleState): HoldbackView[] {
  const byChannel = new Map<string, HoldbackView>();
  for (const seat of schedule.seats) {
    const channel = schedule.heldBack.get(seat.seatNumber);
    if (channel === undefined) continue;
    let view = byChannel.get(channel);
    if (view === undefined) {
      view = { scheduleId: schedule.scheduleId, channel, seatNumbers: [], availableSeatNumbers: [] };
      byChannel.set(channel, view);
    }
    view.seatNumbers.push(seat.seatNumber);
    if (seat.status === 'AVAILABLE') view.availableSeatNumbers.push(seat.seatNumber);
  }
  return [...byChannel.values()];
}

export function queueStatusView(token: QueueToken, position: number, estimatedWaitSeconds: number, soldOut: boolean, seatsRemaining: number): QueueStatusView {
  const fansAhead = Math.max(0, position - 1);
  return {
    token: token.token,
    userId: token.userId,
    status: token.status,
    position,
    estimatedWaitSeconds,
    issuedAt: iso(token.issuedAtMs),
    expiresAt: token.status === 'ACTIVE' ? iso(token.activeUntilMs) : null,
    soldOut,
    fansAhead,
    seatsRemaining,
    outlook: outlookFor(fansAhead, seatsRemaining, soldOut),
    roomId: null,
    opensAt: null,
    opensInSeconds: 0,
    entrantId: null,
  };
}
