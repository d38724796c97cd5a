/**
 * Users' wallets in memory, each mirrored by an account in the SQLite double-entry ledger. Charges move
 * money from the house funding account to the user; payments from the user to house revenue; refunds
 * from house revenue back to the user. The sum of
 * all accounts is always zero, and a user account below zero fails the transaction (CHECK constraint).
 */
import { decideCharge, decideDebit, decideRefundCredit, emptyWallet, evolveWallet, type WalletEvent, type WalletLimits, type WalletState } from '../machines/wallet.js';
import type { Result } from '../domain/error-codes.js';
import { FUNDING_ACCOUNT, REVENUE_ACCOUNT } from '../persistence/store.js';
import type { PendingChange } from './pending-change.js';

export function walletStream(userId: string): string {
  return `wallet:${userId}`;
}

export class WalletBook {
  private readonly wallets = new Map<string, WalletState>();

  constructor(private readonly limits: WalletLimits) {}

  /** The user's wallet, created empty the first time the user is seen. */
  of(userId: string): WalletState {
    let wallet = this.wallets.get(userId);
    if (wallet === undefined) {
      wallet = emptyWallet(userId);
      this.wallets.set(userId, wallet);
    }
    return wallet;
  }

  restore(userId: string, balance: number, chargeMonth: string, chargedThisMonth: number): void {
    this.wallets.set(userId, { userId, balance, chargeMonth, chargedThisMonth });
  }

  all(): IterableIterator<WalletState> {
    return this.wallets.values();
  }

  charge(userId: string, amount: number, nowMs: number, chargeId: string, change: PendingChange): Result<WalletEvent> {
    const decision = decideCharge(this.of(userId), amount, nowMs, this.limits, chargeId);
    if (decision.ok) this.apply(decision.value, change);
    return decision;
  }

  /** Checks without applying, so a payment can check every actor before it changes any. */
  decideDebit(userId: string, amount: number, nowMs: number, paymentId: string, reservationId: string): Result<WalletEvent> {
    return decideDebit(this.of(userId), amount, nowMs, paymentId, reservationId);
  }

  /** Credits a refund (never refused: the money is owed) and returns the balance after it. */
  refund(userId: string, amount: number, nowMs: number, refundId: string, reservationId: string, change: PendingChange): number {
    const event = decideRefundCredit(this.of(userId), amount, nowMs, refundId, reservationId);
    this.apply(event, change);
    return event.balanceAfter;
  }

  apply(event: WalletEvent, change: PendingChange): void {
    evolveWallet(this.of(event.userId), event);
    change.record(walletStream(event.userId), event);
    if (event.type === 'wallet.charged') {
      change.write((store) => store.transfer(event.chargeId, 'CHARGE', FUNDING_ACCOUNT, event.userId, event.amount, event.atMs, event.chargeId));
    } else if (event.type === 'wallet.debited') {
      change.write((store) => store.transfer(event.paymentId, 'PAYMENT', event.userId, REVENUE_ACCOUNT, event.amount, event.atMs, event.paymentId));
    } else {
      change.write((store) => store.transfer(event.refundId, 'REFUND', REVENUE_ACCOUNT, event.userId, event.amount, event.atMs, event.refundId));
    }
  }
}
