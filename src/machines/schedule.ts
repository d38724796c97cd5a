/**
 * A concert schedule as pure data with decide/evolve functions: no I/O, no clock reads (`nowMs` comes in).
 * The schedule owns its seats (stepped through the seat machine) and its reservations (stepped through the
 * reservation machine). One accepted command yields one batch of events; one batch raises `version` by 1.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { GradeInput, RefundReason, ReservationStatus, SeatChange } from '../domain/views.js';
import { nextReservationStatus } from './reservation.machine.js';
import { stepSeat, type SeatRecord } from './seat.machine.js';
import type { WaitlistEntry } from './waitlist.js';
import { closedHeldBackSeats, isPresaleWindow, presaleCodeForHold, type PresaleCode } from './presale.js';
import { createScheduleVenue, noteSeat, type ScheduleVenue } from './schedule-venue.js';
import type { VenuePlan } from '../venues/venue-plan.js';

export interface PaymentRecord {
  paymentId: string;
  amount: number;
  paidAtMs: number;
  balanceBefore: number;
  balanceAfter: number;
  queueTokenExpired: boolean;
}

/** Seats of a CONFIRMED booking given back, and their money (the sum of their prices). */
export interface RefundRecord {
  refundId: string;
  seatNumbers: number[];
  amount: number;
  refundedAtMs: number;
  reason: RefundReason;
}

/** The organiser's cancellation, with what it did (decided and applied in one batch). */
export interface ScheduleCancellation {
  cancelledAtMs: number;
  reason: string | null;
  bookingsRefunded: number;
  refundedAmount: number;
  holdsReleased: number;
}

/** Until this many ms before the show a fan may refund a booking, unless the schedule says otherwise. */
export const DEFAULT_REFUND_CUTOFF_MS = 24 * 3_600_000;

export interface Reservation {
  readonly reservationId: string;
  readonly userId: string;
  readonly scheduleId: string;
  readonly concertId: string;
  readonly seatNumbers: readonly number[];
  readonly totalPrice: number;
  readonly heldAtMs: number;
  readonly holdExpiresAtMs: number;
  status: ReservationStatus;
  payment: PaymentRecord | null;
  /** Refunds of this booking, oldest first: each seat at most once; all seats refunded makes it REFUNDED. */
  refunds: RefundRecord[];
  /** Held for a fan of the waitlist (an offer), not asked for: payable without an ACTIVE queue token. */
  readonly offer?: true;
  /** The presale code this hold took a use of (held in the presale window). */
  readonly presaleCode?: string;
}

export interface ScheduleState {
  readonly scheduleId: string;
  readonly concertId: string;
  readonly startsAtMs: number;
  readonly bookingOpensAtMs: number;
  /** From here until bookingOpensAtMs only holders of a presale code may hold (null: no presale). */
  readonly presaleOpensAtMs: number | null;
  /** The schedule's presale codes, by code. */
  readonly presaleCodes: Map<string, PresaleCode>;
  /** A fan may refund until startsAtMs - refundCutoffMs (exclusive). */
  readonly refundCutoffMs: number;
  /** The organiser's purchase cap: seats one fan may own in this schedule across all their bookings (null: none). */
  readonly maxSeatsPerFan: number | null;
  readonly grades: readonly GradeInput[];
  readonly seats: SeatRecord[]; // index = seatNumber - 1
  /** Set once the organiser cancelled the schedule: it sells no more and leaves the listings. */
  cancellation: ScheduleCancellation | null;
  readonly reservations: Map<string, Reservation>;
  /** Fans waiting for seats freed after sell-out, in order (see waitlist.ts). */
  waitlist: WaitlistEntry[];
  /**
   * Seats held back for a channel (seat number -> channel): not sold to the public, shown to it as RESERVED,
   * held only with a presale code of that channel, until the organiser releases the channel.
   */
  readonly heldBack: Map<number, string>;
  /**
   * The venue of a schedule created from a layout (seat labels, best available, standing areas), else null.
   * Set at creation; a decoded schedule gets it after its snapshot's replay (see attachVenue).
   */
  venue: ScheduleVenue | null;
  /** The layout a schedule was created from, also while its venue waits to be attached. */
  readonly plan: VenuePlan | null;
  version: number;
  /** Seats AVAILABLE to the public (held-back seats that are free are counted in heldBackCount instead). */
  availableCount: number;
  /** Held-back seats that are free (AVAILABLE to their channel). */
  heldBackCount: number;
  /** Seats the layout blocks from sale: never sold, shown taken, counted nowhere else. */
  readonly blockedCount: number;
  heldCount: number;
  reservedCount: number;
}

/**
 * `version` is the schedule's version after the batch the event belongs to, as journaled; replay uses it
 * so a restarted schedule continues the sequence its subscribers saw.
 */
export type ScheduleEvent = (
  | { type: 'schedule.created'; atMs: number; scheduleId: string; concertId: string; startsAtMs: number; bookingOpensAtMs: number; seatCount: number; grades: GradeInput[]; refundCutoffMs?: number; maxSeatsPerFan?: number | null; presaleOpensAtMs?: number | null; holdbacks?: HoldbackInput[]; layoutId?: string }
  | { type: 'reservation.held'; scheduleId: string; reservationId: string; userId: string; seatNumbers: number[]; atMs: number; holdExpiresAtMs: number; offer?: true; presaleCode?: string }
  | { type: 'reservation.confirmed'; scheduleId: string; reservationId: string; atMs: number; payment: PaymentRecord }
  | { type: 'reservation.cancelled'; scheduleId: string; reservationId: string; atMs: number }
  | { type: 'reservation.expired'; scheduleId: string; reservationId: string; atMs: number }
  | { type: 'reservation.refunded'; scheduleId: string; reservationId: string; atMs: number; refund: RefundRecord }
  | ({ type: 'schedule.cancelled'; scheduleId: string; atMs: number } & Omit<ScheduleCancellation, 'cancelledAtMs'>)
  | { type: 'presale.code_created'; scheduleId: string; code: string; maxUses: number; atMs: number; channel?: string }
  | { type: 'holdback.released'; scheduleId: string; channel: string; atMs: number }
  | { type: 'waitlist.joined'; scheduleId: string; userId: string; quantity: number; atMs: number }
  | { type: 'waitlist.left'; scheduleId: string; userId: string; atMs: number }
  | { type: 'waitlist.offered'; scheduleId: string; userId: string; reservationId: string; atMs: number }
) & { version?: number };

/** Seats held back for a channel at creation. */
export interface HoldbackInput { channel: string; seatNumbers: number[] }

/**
 * A schedule from its creation event. One created from a layout (`layoutId`) takes its seats from `plan`:
 * the layout's seats and then its standing places, each priced by its category (grade = category id).
 */
export function createSchedule(event: Extract<ScheduleEvent, { type: 'schedule.created' }>, plan?: VenuePlan, options: { deferVenue?: boolean } = {}): ScheduleState {
  const heldBack = new Map<number, string>();
  for (const { channel, seatNumbers } of event.holdbacks ?? []) for (const n of seatNumbers) heldBack.set(n, channel);
  if ((event.layoutId === undefined) !== (plan === undefined) || (plan !== undefined && plan.layoutId !== event.layoutId)) {
    throw new Error(`schedule ${event.scheduleId} of layout ${event.layoutId ?? 'none'} given plan ${plan?.layoutId ?? 'none'}`);
  }
  const seats = plan === undefined ? numberedSeats(event) : plannedSeats(plan);
  if (seats.length !== event.seatCount) throw new Error(`schedule ${event.scheduleId}: ${seats.length} seats, the event says ${event.seatCount}`);
  let blockedCount = 0;
  if (plan !== undefined) for (let n = 1; n <= plan.layout.seatCount; n++) if (plan.isBlocked(n)) blockedCount++;
  return {
    scheduleId: event.scheduleId,
    concertId: event.concertId,
    startsAtMs: event.startsAtMs,
    bookingOpensAtMs: event.bookingOpensAtMs,
    // Schedules created before presales existed have none.
    presaleOpensAtMs: event.presaleOpensAtMs ?? null,
    presaleCodes: new Map(),
    // Schedules created before refunds existed have the default cutoff.
    refundCutoffMs: event.refundCutoffMs ?? DEFAULT_REFUND_CUTOFF_MS,
    // Schedules created before purchase caps existed have none.
    maxSeatsPerFan: event.maxSeatsPerFan ?? null,
    grades: event.grades,
    seats,
    cancellation: null,
    reservations: new Map(),
    waitlist: [],
    heldBack,
    venue: plan === undefined || options.deferVenue === true ? null : createScheduleVenue(plan, heldBack, seats),
    plan: plan ?? null,
    version: 0,
    availableCount: seats.length - heldBack.size - blockedCount,
    heldBackCount: heldBack.size,
    blockedCount,
    heldCount: 0,
    reservedCount: 0,
  };
}

function numberedSeats(event: Extract<ScheduleEvent, { type: 'schedule.created' }>): SeatRecord[] {
  const seats: SeatRecord[] = [];
  for (let seatNumber = 1; seatNumber <= event.seatCount; seatNumber++) {
    const grade = event.grades.find((g) => seatNumber >= g.from && seatNumber <= g.to);
    if (grade === undefined) throw new Error(`seat ${seatNumber} has no grade`);
    seats.push({ seatNumber, grade: grade.grade, price: grade.price, status: 'AVAILABLE', reservationId: null, userId: null, holdExpiresAtMs: 0 });
  }
  return seats;
}

function plannedSeats(plan: VenuePlan): SeatRecord[] {
  const { categories } = plan.layout;
  const seats = new Array<SeatRecord>(plan.seatCount);
  for (let seatNumber = 1; seatNumber <= plan.seatCount; seatNumber++) {
    const category = categories[plan.categoryOf(seatNumber)]!;
    seats[seatNumber - 1] = { seatNumber, grade: category.id, price: category.priceWon, status: 'AVAILABLE', reservationId: null, userId: null, holdExpiresAtMs: 0 };
  }
  return seats;
}

/** A seat the layout blocks from sale. */
export function isBlockedSeat(state: ScheduleState, seatNumber: number): boolean {
  return state.plan !== null && state.plan.isBlocked(seatNumber);
}

/** Gives a schedule created with `deferVenue` its venue, from its seats as they are now. */
export function attachVenue(state: ScheduleState): void {
  if (state.plan === null || state.venue !== null) throw new Error(`schedule ${state.scheduleId} has no venue waiting to be attached`);
  state.venue = createScheduleVenue(state.plan, state.heldBack, state.seats);
}

export function seatAt(state: ScheduleState, seatNumber: number): SeatRecord | undefined {
  return Number.isInteger(seatNumber) ? state.seats[seatNumber - 1] : undefined;
}

export function isBookingOpen(state: ScheduleState, nowMs: number): boolean {
  return nowMs >= state.bookingOpensAtMs && nowMs < state.startsAtMs;
}

// A hold names a few seats (the engine refuses more than maxSeatsPerReservation before deciding), so the
// functions below scan their short lists instead of building a Set: three Sets a hold were ~460 B of
// garbage, 4% of what hold+cancel allocated.

/** Out of range or duplicated seat numbers, in request order. */
export function invalidSeatNumbers(state: ScheduleState, seatNumbers: readonly number[]): number[] {
  const invalid: number[] = [];
  for (let index = 0; index < seatNumbers.length; index++) {
    const n = seatNumbers[index] as number;
    if (seatAt(state, n) === undefined || seatNumbers.indexOf(n) < index) invalid.push(n);
  }
  return invalid;
}

/** Reservations holding any of these seats whose deadline has passed at `nowMs` (their timer may not have fired yet), each once. */
export function dueHoldsAmong(state: ScheduleState, seatNumbers: readonly number[], nowMs: number): string[] {
  const due: string[] = [];
  for (const n of seatNumbers) {
    const seat = seatAt(state, n);
    if (seat?.status === 'TEMP_RESERVED' && seat.reservationId !== null && nowMs >= seat.holdExpiresAtMs && !due.includes(seat.reservationId)) due.push(seat.reservationId);
  }
  return due;
}

export interface HoldRequest {
  reservationId: string;
  userId: string;
  seatNumbers: number[];
  nowMs: number;
  holdTtlMs: number;
  /** The user's live HELD reservation in any schedule (one at a time), or null. */
  heldElsewhere: string | null;
  /** Seats the user owns in this schedule (paid, not refunded): what the purchase cap counts. */
  seatsOwned: number;
  /** Needed in the presale window (see presale.ts); ignored in the general sale. */
  presaleCode?: string;
}

/**
 * All seats or none. Refusals in precedence order: the request itself (seats, booking window), then the
 * user's state (hold limit), then the seats taken. Seats whose hold is past its deadline count as
 * available: their holds expire in the same batch (see dueHoldsAmong).
 */
export function decideHold(state: ScheduleState, request: HoldRequest): Result<ScheduleEvent[]> {
  if (state.cancellation !== null) return fail('SCHEDULE_CANCELLED', { scheduleId: state.scheduleId, cancelledAt: new Date(state.cancellation.cancelledAtMs).toISOString() });
  const invalid = invalidSeatNumbers(state, request.seatNumbers);
  if (invalid.length > 0) return fail('INVALID_SEAT', { seatNumbers: invalid });
  if (!isBookingOpen(state, request.nowMs) && !isPresaleWindow(state, request.nowMs)) {
    return fail('BOOKING_NOT_OPEN', {
      bookingOpensAt: new Date(state.bookingOpensAtMs).toISOString(), startsAt: new Date(state.startsAtMs).toISOString(),
      ...(state.presaleOpensAtMs === null ? {} : { presaleOpensAt: new Date(state.presaleOpensAtMs).toISOString() }),
    });
  }
  const presaleCode = presaleCodeForHold(state, request.presaleCode, request.nowMs, request.seatNumbers);
  if (!presaleCode.ok) return presaleCode;
  if (request.heldElsewhere !== null) return fail('HOLD_LIMIT_REACHED', { reservationId: request.heldElsewhere });
  const cap = state.maxSeatsPerFan;
  if (cap !== null && request.seatsOwned + request.seatNumbers.length > cap) {
    return fail('PURCHASE_LIMIT_REACHED', { limit: cap, owned: request.seatsOwned, requested: request.seatNumbers.length });
  }
  const dueIds = dueHoldsAmong(state, request.seatNumbers, request.nowMs);
  const events: ScheduleEvent[] = dueIds.map((reservationId) => ({
    type: 'reservation.expired', scheduleId: state.scheduleId, reservationId, atMs: request.nowMs,
  }));
  // A held-back seat the hold's code does not open is as taken as a sold one: the public cannot buy it.
  const closed = closedHeldBackSeats(state, request.seatNumbers, presaleCode.value);
  const taken = request.seatNumbers.filter((n) => {
    const seat = seatAt(state, n);
    if (closed.includes(n) || isBlockedSeat(state, n)) return true;
    return seat !== undefined && seat.status !== 'AVAILABLE' && !(seat.reservationId !== null && dueIds.includes(seat.reservationId));
  });
  if (taken.length > 0) return fail('SEAT_UNAVAILABLE', { seatNumbers: taken });
  events.push({
    type: 'reservation.held',
    scheduleId: state.scheduleId,
    reservationId: request.reservationId,
    userId: request.userId,
    seatNumbers: [...request.seatNumbers],
    atMs: request.nowMs,
    holdExpiresAtMs: request.nowMs + request.holdTtlMs,
    ...(presaleCode.value === null ? {} : { presaleCode: presaleCode.value.code }),
  });
  return ok(events);
}

/** Why a held reservation cannot be paid or cancelled, in the contract's terms. */
export function refusalForSettled(reservation: Reservation, nowMs: number, action: 'pay' | 'cancel'): Result<null> {
  if (reservation.status === 'CONFIRMED') return action === 'pay' ? fail('ALREADY_PAID') : fail('RESERVATION_NOT_HELD', { status: 'CONFIRMED' });
  if (reservation.status === 'REFUNDED') return action === 'pay' ? fail('ALREADY_PAID') : fail('RESERVATION_NOT_HELD', { status: 'REFUNDED' });
  const expired = reservation.status === 'EXPIRED' || reservation.status === 'CANCELLED' || nowMs >= reservation.holdExpiresAtMs;
  if (expired) {
    const status = reservation.status === 'HELD' ? 'EXPIRED' : reservation.status;
    return action === 'pay' ? fail('RESERVATION_EXPIRED', { status }) : fail('RESERVATION_NOT_HELD', { status });
  }
  return ok(null);
}

function totalPriceOf(state: ScheduleState, seatNumbers: readonly number[]): number {
  return seatNumbers.reduce((sum, n) => sum + (seatAt(state, n)?.price ?? 0), 0);
}

function mustStep(state: ScheduleState, seatNumber: number, step: Parameters<typeof stepSeat>[1], changes: SeatChange[]): void {
  const seat = seatAt(state, seatNumber);
  if (seat === undefined) throw new Error(`seat ${seatNumber} does not exist in ${state.scheduleId}`);
  const before = seat.status;
  const refusal = stepSeat(seat, step);
  if (refusal !== null) throw new Error(`illegal ${step.type} on seat ${seatNumber} of ${state.scheduleId}: ${refusal}`);
  const heldBack = state.heldBack.has(seatNumber);
  countMove(state, before, seat.status, heldBack);
  if (state.venue !== null) noteSeat(state.venue, seat, heldBack);
  changes.push({ seatNumber, status: publicSeatStatus(seat.status, heldBack) });
}

/** What the public sees of a seat: a free held-back seat is not for sale to it, so it shows as taken. */
export function publicSeatStatus(status: SeatRecord['status'], heldBack: boolean): SeatRecord['status'] {
  return heldBack && status === 'AVAILABLE' ? 'RESERVED' : status;
}

function countMove(state: ScheduleState, from: SeatRecord['status'], to: SeatRecord['status'], heldBack: boolean): void {
  const delta = (status: SeatRecord['status'], by: number): void => {
    if (status === 'AVAILABLE' && heldBack) state.heldBackCount += by;
    else if (status === 'AVAILABLE') state.availableCount += by;
    else if (status === 'TEMP_RESERVED') state.heldCount += by;
    else state.reservedCount += by;
  };
  delta(from, -1);
  delta(to, 1);
}

/** A hold takes a use of its presale code; one that ends unpaid gives it back. */
function usePresaleCode(state: ScheduleState, code: string | undefined, by: 1 | -1): void {
  if (code === undefined) return;
  const presale = state.presaleCodes.get(code);
  if (presale === undefined) throw new Error(`presale code ${code} unknown in ${state.scheduleId}`);
  presale.used += by;
}

function mustReservation(state: ScheduleState, reservationId: string): Reservation {
  const reservation = state.reservations.get(reservationId);
  if (reservation === undefined) throw new Error(`reservation ${reservationId} not in ${state.scheduleId}`);
  return reservation;
}

function moveReservation(reservation: Reservation, event: Parameters<typeof nextReservationStatus>[1]): void {
  const next = nextReservationStatus(reservation.status, event);
  if (next === null) throw new Error(`illegal ${event.type} on reservation ${reservation.reservationId} (${reservation.status})`);
  reservation.status = next;
}

/** A live reservation as a snapshot keeps it (see persistence/schedule-snapshot.ts). */
export interface ReservationImageInput {
  reservationId: string;
  userId: string;
  seatNumbers: number[];
  heldAtMs: number;
  holdExpiresAtMs: number;
  payment: PaymentRecord | null;
  refunds: RefundRecord[];
  offer?: true;
  presaleCode?: string;
}

/**
 * Puts a reservation of a snapshot back in one step: the state its hold, payment and refunds would have
 * left, without stepping each seat through them (a sold-out stadium has tens of thousands). Checked as
 * strictly: a seat taken twice, a seat refunded that is not the booking's or twice, a refund of an unpaid
 * booking, or an unknown presale code is a corrupt snapshot and throws.
 */
export function restoreReservation(state: ScheduleState, image: ReservationImageInput): void {
  const { reservationId, payment } = image;
  if (state.reservations.has(reservationId)) throw new Error(`reservation ${reservationId} twice in the snapshot of ${state.scheduleId}`);
  if (payment === null && image.refunds.length > 0) throw new Error(`unpaid reservation ${reservationId} has refunds`);
  const refunded = new Set<number>();
  for (const refund of image.refunds) {
    for (const n of refund.seatNumbers) {
      if (!image.seatNumbers.includes(n) || refunded.has(n)) throw new Error(`seat ${n} refunded twice or not a seat of ${reservationId}`);
      refunded.add(n);
    }
  }
  const to: SeatRecord['status'] = payment === null ? 'TEMP_RESERVED' : 'RESERVED';
  for (const n of image.seatNumbers) {
    const seat = seatAt(state, n);
    if (seat === undefined) throw new Error(`seat ${n} of ${reservationId} does not exist in ${state.scheduleId}`);
    if (seat.status !== 'AVAILABLE') throw new Error(`seat ${n} of ${state.scheduleId} in ${reservationId} and ${seat.reservationId ?? '?'}`);
    // A refunded seat went back to AVAILABLE with nothing of the booking on it, as the seat machine leaves it.
    if (refunded.has(n)) continue;
    countMove(state, 'AVAILABLE', to, state.heldBack.has(n));
    seat.status = to;
    seat.reservationId = reservationId;
    seat.userId = image.userId;
    seat.holdExpiresAtMs = image.holdExpiresAtMs;
    if (state.venue !== null) noteSeat(state.venue, seat, state.heldBack.has(n));
  }
  state.reservations.set(reservationId, {
    reservationId,
    userId: image.userId,
    scheduleId: state.scheduleId,
    concertId: state.concertId,
    seatNumbers: image.seatNumbers,
    totalPrice: totalPriceOf(state, image.seatNumbers),
    heldAtMs: image.heldAtMs,
    holdExpiresAtMs: image.holdExpiresAtMs,
    status: payment === null ? 'HELD' : refunded.size === image.seatNumbers.length ? 'REFUNDED' : 'CONFIRMED',
    payment,
    refunds: [...image.refunds],
    ...(image.offer === true ? { offer: true as const } : {}),
    ...(image.presaleCode === undefined ? {} : { presaleCode: image.presaleCode }),
  });
  usePresaleCode(state, image.presaleCode, 1);
}

/**
 * Applies one decided event and returns the seat changes it made. Events were decided against this
 * state, so a refusal here is a programmer error (or a corrupt journal) and throws.
 */
export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): SeatChange[] {
  const changes: SeatChange[] = [];
  switch (event.type) {
    case 'schedule.created':
      throw new Error('schedule.created starts a schedule; use createSchedule');
    case 'schedule.cancelled': {
      if (state.cancellation !== null) throw new Error(`schedule ${state.scheduleId} cancelled twice`);
      const { bookingsRefunded, refundedAmount, holdsReleased, reason } = event;
      state.cancellation = { cancelledAtMs: event.atMs, reason, bookingsRefunded, refundedAmount, holdsReleased };
      // Nothing is left to wait for.
      state.waitlist = [];
      return changes;
    }
    case 'presale.code_created':
      state.presaleCodes.set(event.code, { code: event.code, maxUses: event.maxUses, used: 0, createdAtMs: event.atMs, channel: event.channel ?? null });
      return changes;
    case 'holdback.released': {
      for (const [seatNumber, channel] of state.heldBack) {
        if (channel !== event.channel) continue;
        state.heldBack.delete(seatNumber);
        const seat = seatAt(state, seatNumber);
        if (seat?.status !== 'AVAILABLE') continue;
        state.heldBackCount -= 1;
        state.availableCount += 1;
        if (state.venue !== null) noteSeat(state.venue, seat, false);
        changes.push({ seatNumber, status: 'AVAILABLE' });
      }
      return changes;
    }
    case 'waitlist.joined':
      state.waitlist.push({ userId: event.userId, quantity: event.quantity, joinedAtMs: event.atMs });
      return changes;
    case 'waitlist.left':
    case 'waitlist.offered': {
      const index = state.waitlist.findIndex((entry) => entry.userId === event.userId);
      if (index < 0) throw new Error(`${event.userId} is not on the waitlist of ${state.scheduleId}`);
      state.waitlist.splice(index, 1);
      return changes;
    }
    case 'reservation.refunded': {
      const reservation = mustReservation(state, event.reservationId);
      if (reservation.status !== 'CONFIRMED') throw new Error(`refund of a ${reservation.status} reservation ${reservation.reservationId}`);
      for (const n of event.refund.seatNumbers) {
        if (!reservation.seatNumbers.includes(n) || reservation.refunds.some((r) => r.seatNumbers.includes(n))) {
          throw new Error(`seat ${n} is not a booked seat of ${reservation.reservationId}`);
        }
        mustStep(state, n, { type: 'seat.refund', reservationId: event.reservationId }, changes);
      }
      reservation.refunds.push(event.refund);
      const refundedSeats = reservation.refunds.reduce((count, r) => count + r.seatNumbers.length, 0);
      if (refundedSeats === reservation.seatNumbers.length) moveReservation(reservation, { type: 'reservation.refund' });
      return changes;
    }
    case 'reservation.held': {
      for (const n of event.seatNumbers) {
        mustStep(state, n, { type: 'seat.hold', reservationId: event.reservationId, userId: event.userId, holdExpiresAtMs: event.holdExpiresAtMs }, changes);
      }
      state.reservations.set(event.reservationId, {
        reservationId: event.reservationId,
        userId: event.userId,
        scheduleId: state.scheduleId,
        concertId: state.concertId,
        seatNumbers: event.seatNumbers,
        totalPrice: totalPriceOf(state, event.seatNumbers),
        heldAtMs: event.atMs,
        holdExpiresAtMs: event.holdExpiresAtMs,
        status: 'HELD',
        payment: null,
        refunds: [],
        ...(event.offer === true ? { offer: true as const } : {}),
        ...(event.presaleCode === undefined ? {} : { presaleCode: event.presaleCode }),
      });
      usePresaleCode(state, event.presaleCode, 1);
      return changes;
    }
    case 'reservation.confirmed': {
      const reservation = mustReservation(state, event.reservationId);
      moveReservation(reservation, { type: 'reservation.confirm' });
      reservation.payment = event.payment;
      for (const n of reservation.seatNumbers) mustStep(state, n, { type: 'seat.confirm', reservationId: event.reservationId }, changes);
      return changes;
    }
    case 'reservation.cancelled': {
      const reservation = mustReservation(state, event.reservationId);
      moveReservation(reservation, { type: 'reservation.cancel' });
      usePresaleCode(state, reservation.presaleCode, -1);
      for (const n of reservation.seatNumbers) mustStep(state, n, { type: 'seat.release', reservationId: event.reservationId }, changes);
      return changes;
    }
    case 'reservation.expired': {
      const reservation = mustReservation(state, event.reservationId);
      moveReservation(reservation, { type: 'reservation.expire', deadlinePassed: event.atMs >= reservation.holdExpiresAtMs });
      usePresaleCode(state, reservation.presaleCode, -1);
      for (const n of reservation.seatNumbers) mustStep(state, n, { type: 'seat.expire', reservationId: event.reservationId, nowMs: event.atMs }, changes);
      return changes;
    }
  }
}
