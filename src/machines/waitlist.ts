/**
 * A schedule's waitlist after sell-out, as pure decisions over the schedule's state (no I/O, no clock).
 *
 * Fans join in order, each for a number of seats. The list is served only from seats freed while the
 * schedule was sold out for the public (no seat AVAILABLE): a hold that expired, a booking cancelled or
 * refunded. Each such batch of freed seats becomes offers, in list order, to the first fans whose wanted
 * number fits in what was freed: an offer is a hold in the fan's name with its own deadline, and the fan
 * leaves the list. An offer not paid by its deadline expires like any hold, and its seats are freed while
 * the schedule is sold out again, so they pass to the next fans on the list. Seats that fit nobody return
 * to the public.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import { isBlockedSeat, type ScheduleEvent, type ScheduleState } from './schedule.js';
import { adjacent } from '../venues/availability-index.js';

export interface WaitlistEntry {
  readonly userId: string;
  /** Seats wanted together, 1..maxSeatsPerReservation. */
  readonly quantity: number;
  readonly joinedAtMs: number;
}

export interface JoinRequest {
  userId: string;
  quantity: number;
  nowMs: number;
  /** Seats the fan owns in this schedule (paid, not refunded): the purchase cap counts them. */
  seatsOwned: number;
  /** Fans one list holds at most: it lives in memory and in the schedule's snapshot. */
  maxEntries: number;
}

/** 1-based place of the fan on the list, or 0 when not on it. */
export function waitlistPosition(state: ScheduleState, userId: string): number {
  return state.waitlist.findIndex((entry) => entry.userId === userId) + 1;
}

/**
 * Joining twice answers the entry already there (the first place is kept). Refused when the show has
 * started or was cancelled, when the list is full, and when the seats wanted would pass the purchase cap.
 */
export function decideJoinWaitlist(state: ScheduleState, request: JoinRequest): Result<ScheduleEvent[]> {
  if (state.cancellation !== null) return fail('SCHEDULE_CANCELLED', { scheduleId: state.scheduleId, cancelledAt: new Date(state.cancellation.cancelledAtMs).toISOString() });
  if (request.nowMs >= state.startsAtMs) {
    return fail('BOOKING_NOT_OPEN', { bookingOpensAt: new Date(state.bookingOpensAtMs).toISOString(), startsAt: new Date(state.startsAtMs).toISOString() });
  }
  if (waitlistPosition(state, request.userId) > 0) return ok([]);
  const cap = state.maxSeatsPerFan;
  if (cap !== null && request.seatsOwned + request.quantity > cap) {
    return fail('PURCHASE_LIMIT_REACHED', { limit: cap, owned: request.seatsOwned, requested: request.quantity });
  }
  if (state.waitlist.length >= request.maxEntries) return fail('WAITLIST_FULL', { scheduleId: state.scheduleId, limit: request.maxEntries });
  return ok([{ type: 'waitlist.joined', scheduleId: state.scheduleId, userId: request.userId, quantity: request.quantity, atMs: request.nowMs }]);
}

export function decideLeaveWaitlist(state: ScheduleState, userId: string, nowMs: number): Result<ScheduleEvent[]> {
  if (waitlistPosition(state, userId) === 0) return fail('WAITLIST_ENTRY_NOT_FOUND', { scheduleId: state.scheduleId });
  return ok([{ type: 'waitlist.left', scheduleId: state.scheduleId, userId, atMs: nowMs }]);
}

export interface OfferContext {
  nowMs: number;
  offerTtlMs: number;
  newReservationId: () => string;
  /** The fan's live hold in any schedule (one at a time): such a fan is passed over this time and keeps their place. */
  holdsElsewhere: (userId: string) => boolean;
  seatsOwned: (userId: string) => number;
}

/**
 * Offers for the seats AVAILABLE now, to call right after a batch that freed seats of a schedule sold out
 * for the public (so every AVAILABLE seat is a freed one). Seats go to each fitting fan in list order,
 * lowest seat numbers first (in a venue, the first free seats that are together, when some are); none
 * while booking is closed or the schedule cancelled.
 */
export function decideOffers(state: ScheduleState, ctx: OfferContext): ScheduleEvent[] {
  if (state.cancellation !== null || ctx.nowMs < state.bookingOpensAtMs || ctx.nowMs >= state.startsAtMs) return [];
  const free: number[] = [];
  for (const seat of state.seats) if (seat.status === 'AVAILABLE' && !state.heldBack.has(seat.seatNumber) && !isBlockedSeat(state, seat.seatNumber)) free.push(seat.seatNumber);
  const events: ScheduleEvent[] = [];
  const cap = state.maxSeatsPerFan;
  for (const entry of state.waitlist) {
    if (free.length === 0) break;
    if (entry.quantity > free.length || ctx.holdsElsewhere(entry.userId)) continue;
    if (cap !== null && ctx.seatsOwned(entry.userId) + entry.quantity > cap) continue;
    const reservationId = ctx.newReservationId();
    const seatNumbers = takeSeats(state, free, entry.quantity);
    events.push(
      { type: 'waitlist.offered', scheduleId: state.scheduleId, userId: entry.userId, reservationId, atMs: ctx.nowMs },
      {
        type: 'reservation.held', scheduleId: state.scheduleId, reservationId, userId: entry.userId, seatNumbers,
        atMs: ctx.nowMs, holdExpiresAtMs: ctx.nowMs + ctx.offerTtlMs, offer: true,
      },
    );
  }
  return events;
}

/**
 * Takes `quantity` of the free seats (ascending) for one offer. In a venue, the first run of seats side by
 * side in one row, or of places in one standing area, when there is one (a pair apart is a poor offer to a
 * pair of fans); otherwise, and on a numbered map, the lowest numbers. Either way every fan who fits gets an
 * offer, so the list's order is kept.
 */
function takeSeats(state: ScheduleState, free: number[], quantity: number): number[] {
  const venue = state.venue;
  if (venue !== null) {
    const { plan } = venue;
    const together = (a: number, b: number): boolean => (plan.isSeat(a) && plan.isSeat(b)
      ? adjacent(plan.layout, a - 1, b - 1)
      : !plan.isSeat(a) && !plan.isSeat(b) && plan.areaOf(a) === plan.areaOf(b));
    let runStart = 0;
    for (let i = 0; i < free.length; i++) {
      if (i > runStart && !together(free[i - 1]!, free[i]!)) runStart = i;
      if (i - runStart + 1 === quantity) return free.splice(runStart, quantity);
    }
  }
  return free.splice(0, quantity);
}
