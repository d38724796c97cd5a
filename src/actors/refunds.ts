/**
 * Refunds, like the payment: one synchronous step across the schedule (seats back to AVAILABLE, the
 * booking's refunds) and the wallet (a REFUND transfer from house revenue back to the buyer), every check
 * first, then every event, in one change: one transaction, or nothing. An organiser's cancellation of a
 * schedule is one such step for every booking and hold of the schedule at once.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { RefundView, ReservationView, ScheduleCancellationView } from '../domain/views.js';
import { decideRefund, decideScheduleCancellation } from '../machines/refund.js';
import type { Reservation, ScheduleEvent, ScheduleState } from '../machines/schedule.js';
import type { PendingChange } from './pending-change.js';
import type { ScheduleActor, ScheduleBook } from './schedule-book.js';
import { cancellationView, refundView } from './views.js';
import type { WalletBook } from './wallet-book.js';

export interface RefundContext {
  schedules: ScheduleBook;
  wallets: WalletBook;
  nowMs: number;
  /** The reservation as the user may see it, wherever it lives (memory, retiring, archive). */
  findReservation: (userId: string, reservationId: string) => Result<ReservationView>;
  /** Seats of the booking whose ticket was admitted at the door (a cancelled show refunds them all the same). */
  usedSeats: (schedule: ScheduleState, reservation: Reservation) => number[];
}

export interface RefundCommand { userId: string; reservationId: string; seatNumbers?: readonly number[] }

/** Credits the buyer of each refund among `events` (in order, so balances chain), before the schedule applies them. */
function creditRefunds(ctx: RefundContext, actor: ScheduleActor, events: readonly ScheduleEvent[], change: PendingChange): Map<string, number> {
  const balances = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'reservation.refunded') continue;
    const reservation = actor.state.reservations.get(event.reservationId);
    if (reservation === undefined) throw new Error(`refund of unknown reservation ${event.reservationId}`);
    const balanceAfter = ctx.wallets.refund(reservation.userId, event.refund.amount, ctx.nowMs, event.refund.refundId, reservation.reservationId, change);
    balances.set(event.refund.refundId, balanceAfter);
  }
  return balances;
}

/**
 * A fan's refund of some or all seats of their CONFIRMED booking. Another user's booking is
 * RESERVATION_NOT_FOUND (existence is not revealed, as everywhere); an ended one (EXPIRED, CANCELLED) is
 * RESERVATION_NOT_CONFIRMED; the rest is decideRefund's.
 */
export function decideRefundStep(ctx: RefundContext, command: RefundCommand, change: PendingChange): Result<RefundView> {
  const live = ctx.schedules.reservation(command.reservationId);
  if (live === undefined || live.reservation.userId !== command.userId) {
    const ended = ctx.findReservation(command.userId, command.reservationId);
    return ended.ok ? fail('RESERVATION_NOT_CONFIRMED', { status: ended.value.status }) : fail('RESERVATION_NOT_FOUND');
  }
  const { actor, reservation } = live;
  const decision = decideRefund(actor.state, reservation, {
    nowMs: ctx.nowMs, usedSeats: ctx.usedSeats(actor.state, reservation), ...(command.seatNumbers === undefined ? {} : { seatNumbers: command.seatNumbers }),
  });
  if (!decision.ok) return decision;
  const balances = creditRefunds(ctx, actor, [decision.value], change);
  ctx.schedules.applyBatch(actor, [decision.value], change);
  const { refund } = decision.value;
  return ok(refundView(actor.state, reservation, refund, balances.get(refund.refundId) ?? 0));
}

/**
 * The organiser's cancellation: every hold released and every booking refunded in full, in one batch.
 * Asked again, it changes nothing and answers what the first did.
 */
export function decideCancellationStep(ctx: RefundContext, actor: ScheduleActor, reason: string | null, change: PendingChange): { view: ScheduleCancellationView; releasedSeats: number } {
  const events = decideScheduleCancellation(actor.state, ctx.nowMs, reason);
  if (events.length === 0) return { view: cancellationView(actor.state), releasedSeats: 0 };
  creditRefunds(ctx, actor, events, change);
  let releasedSeats = 0;
  for (const event of events) {
    if (event.type === 'reservation.cancelled') releasedSeats += actor.state.reservations.get(event.reservationId)?.seatNumbers.length ?? 0;
  }
  ctx.schedules.applyBatch(actor, events, change);
  return { view: cancellationView(actor.state), releasedSeats };
}
