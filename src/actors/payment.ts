/**
 * The payment: one synchronous step across the schedule (reservation HELD by this user and before its
 * deadline), the wallet (balance covers the total) and the waiting room (the payer's token ends). Every
 * check comes first, then every event, all in one change: one transaction, or nothing. There is no await
 * inside, so no other command can interleave.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { PaymentView, ReservationView } from '../domain/views.js';
import { refusalForSettled } from '../machines/schedule.js';
import type { PendingChange } from './pending-change.js';
import type { QueueActor } from './queue-actor.js';
import type { ScheduleActor, ScheduleBook } from './schedule-book.js';
import { paymentView } from './views.js';
import type { WalletBook } from './wallet-book.js';

export interface PaymentContext {
  schedules: ScheduleBook;
  wallets: WalletBook;
  /** The line that admitted fans to this schedule (its sale's room, or the default line). */
  queueOf: (scheduleId: string) => QueueActor;
  nowMs: number;
  newPaymentId: () => string;
  /** The reservation as the user may see it, wherever it lives (memory, retiring, archive). */
  findReservation: (userId: string, reservationId: string) => Result<ReservationView>;
  /** Expires an overdue hold now, as its own batch. */
  expireOverdue: (actor: ScheduleActor, reservationId: string) => void;
}

export function decidePayment(ctx: PaymentContext, userId: string, reservationId: string, change: PendingChange): Result<PaymentView> {
  const live = ctx.schedules.reservation(reservationId);
  if (live === undefined || live.reservation.userId !== userId) {
    const ended = ctx.findReservation(userId, reservationId);
    return ended.ok ? fail('RESERVATION_EXPIRED', { status: ended.value.status }) : fail('RESERVATION_NOT_FOUND');
  }
  const { actor, reservation } = live;
  const settled = refusalForSettled(reservation, ctx.nowMs, 'pay');
  if (!settled.ok) {
    if (reservation.status === 'HELD') ctx.expireOverdue(actor, reservationId);
    return settled;
  }
  const paymentId = ctx.newPaymentId();
  const debit = ctx.wallets.decideDebit(userId, reservation.totalPrice, ctx.nowMs, paymentId, reservationId);
  if (!debit.ok) return debit;

  const balanceBefore = ctx.wallets.of(userId).balance;
  ctx.wallets.apply(debit.value, change);
  const queueTokenExpired = ctx.queueOf(actor.state.scheduleId).endForPayment(userId, change);
  ctx.schedules.applyBatch(actor, [{
    type: 'reservation.confirmed',
    scheduleId: actor.state.scheduleId,
    reservationId,
    atMs: ctx.nowMs,
    payment: { paymentId, amount: reservation.totalPrice, paidAtMs: ctx.nowMs, balanceBefore, balanceAfter: debit.value.balanceAfter, queueTokenExpired },
  }], change);
  const view = paymentView(actor.state, reservation);
  if (view === null) throw new Error('confirmed reservation has no payment');
  return ok(view);
}
