/**
 * A user's wallet rules, pure. Money is integer won. Limits: one charge <= chargeMax, the balance never
 * passes balanceMax, a calendar month (UTC) of charges never passes monthlyChargeMax, and a debit never
 * takes the balance below zero.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';

export interface WalletLimits { chargeMax: number; balanceMax: number; monthlyChargeMax: number }

export interface WalletState {
  readonly userId: string;
  balance: number;
  /** UTC month the running charge total belongs to, as `YYYY-MM`. */
  chargeMonth: string;
  chargedThisMonth: number;
}

export type WalletEvent =
  | { type: 'wallet.charged'; userId: string; chargeId: string; amount: number; atMs: number; balanceAfter: number }
  | { type: 'wallet.debited'; userId: string; paymentId: string; reservationId: string; amount: number; atMs: number; balanceAfter: number }
  | { type: 'wallet.refunded'; userId: string; refundId: string; reservationId: string; amount: number; atMs: number; balanceAfter: number };

export function monthOf(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 7);
}

export function emptyWallet(userId: string): WalletState {
  return { userId, balance: 0, chargeMonth: '', chargedThisMonth: 0 };
}

export function decideCharge(wallet: WalletState, amount: number, nowMs: number, limits: WalletLimits, chargeId: string): Result<WalletEvent> {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > limits.chargeMax) {
    return fail('INVALID_AMOUNT', { min: 1, max: limits.chargeMax });
  }
  if (wallet.balance + amount > limits.balanceMax) {
    return fail('CHARGE_LIMIT_EXCEEDED', { limit: 'BALANCE_MAX', balanceMax: limits.balanceMax, balance: wallet.balance });
  }
  const chargedThisMonth = wallet.chargeMonth === monthOf(nowMs) ? wallet.chargedThisMonth : 0;
  if (chargedThisMonth + amount > limits.monthlyChargeMax) {
    return fail('CHARGE_LIMIT_EXCEEDED', { limit: 'MONTHLY_CHARGE_MAX', monthlyChargeMax: limits.monthlyChargeMax, chargedThisMonth });
  }
  return ok({ type: 'wallet.charged', userId: wallet.userId, chargeId, amount, atMs: nowMs, balanceAfter: wallet.balance + amount });
}

export function decideDebit(wallet: WalletState, amount: number, nowMs: number, paymentId: string, reservationId: string): Result<WalletEvent> {
  if (wallet.balance < amount) return fail('INSUFFICIENT_BALANCE', { balance: wallet.balance, required: amount });
  return ok({ type: 'wallet.debited', userId: wallet.userId, paymentId, reservationId, amount, atMs: nowMs, balanceAfter: wallet.balance - amount });
}

/**
 * Money owed back is never refused: a refund returns what a payment took, so it may take the balance past
 * balanceMax (a limit on charges) and does not count as a charge of the month.
 */
export function decideRefundCredit(wallet: WalletState, amount: number, nowMs: number, refundId: string, reservationId: string): WalletEvent {
  return { type: 'wallet.refunded', userId: wallet.userId, refundId, reservationId, amount, atMs: nowMs, balanceAfter: wallet.balance + amount };
}

export function evolveWallet(wallet: WalletState, event: WalletEvent): void {
  if (event.type === 'wallet.charged') {
    const month = monthOf(event.atMs);
    if (wallet.chargeMonth !== month) {
      wallet.chargeMonth = month;
      wallet.chargedThisMonth = 0;
    }
    wallet.chargedThisMonth += event.amount;
  }
  if (event.balanceAfter < 0) throw new Error(`wallet ${wallet.userId} would go negative`);
  wallet.balance = event.balanceAfter;
}
