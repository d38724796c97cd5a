/**
 * The held part of stage 4: a countdown to the hold's expiry in server time, the balance, a charge
 * form, Pay and Release. Pay and charge carry Idempotency-Keys, so a retry never pays twice.
 */
import { ApiFailure } from './api-client.js';
import type { PageContext } from './context.js';
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatCountdown, formatWon, listSeats, seatName } from './format.js';
import type { BalanceView, ChargeView, PaymentView, ReservationView } from '../domain/views.js';

const TICK_MS = 250;
/** Moments read aloud to screen-reader users, in seconds left. */
const SPOKEN_WARNINGS_S = [120, 60, 30, 10];

export interface CheckoutEvents {
  paid(payment: PaymentView, reservation: ReservationView): void;
  /** Hold is gone (expired, released): back to picking seats. */
  ended(): void;
}

export class Checkout {
  private reservation: ReservationView | null = null;
  private ticker: number | undefined;
  private warningsLeft: number[] = [];
  private inFlight: Promise<void> | null = null;

  constructor(private readonly context: PageContext, private readonly events: CheckoutEvents) {
    byId('charge-form').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.charge();
    });
    byId('pay-button').addEventListener('click', () => void this.pay());
    byId('release-button').addEventListener('click', () => void this.release());
  }

  get current(): ReservationView | null {
    return this.reservation;
  }

  /** Resolves once no charge, payment or release is waiting for its answer. */
  async whenIdle(): Promise<void> {
    while (this.inFlight !== null) await this.inFlight;
  }

  show(reservation: ReservationView): void {
    this.reservation = reservation;
    this.warningsLeft = [...SPOKEN_WARNINGS_S];
    byId('selection-panel').hidden = true;
    byId('checkout-panel').hidden = false;
    replaceChildren(byId('held-list'), ...reservation.seats.map((seat) =>
      el('li', {}, el('span', {}, `${seatName(seat)} · ${seat.grade}`), el('span', {}, formatWon(seat.price)))));
    setText('held-total', formatWon(reservation.totalPrice));
    setText('pay-button', `Pay ${formatWon(reservation.totalPrice)}`);
    window.clearInterval(this.ticker);
    this.ticker = window.setInterval(() => this.tick(), TICK_MS);
    this.tick();
    void this.loadBalance();
  }

  hide(): void {
    window.clearInterval(this.ticker);
    this.reservation = null;
    byId('checkout-panel').hidden = true;
    byId('selection-panel').hidden = false;
  }

  private tick(): void {
    const reservation = this.reservation;
    if (reservation === null) return;
    const remainingMs = this.context.clock.remainingMs(reservation.holdExpiresAt);
    setText('hold-countdown', formatCountdown(remainingMs));
    byId('hold-countdown-box').dataset['urgency'] = remainingMs <= 30_000 ? 'high' : remainingMs <= 60_000 ? 'medium' : 'low';
    const secondsLeft = remainingMs / 1000;
    while (this.warningsLeft.length > 0 && secondsLeft <= (this.warningsLeft[0] ?? 0)) {
      const warning = this.warningsLeft.shift() ?? 0;
      if (secondsLeft > warning - 2) {
        this.context.announcer.say(`${warning >= 60 ? `${warning / 60} minute${warning === 60 ? '' : 's'}` : `${warning} seconds`} left to pay.`);
      }
    }
    if (remainingMs <= 0) {
      window.clearInterval(this.ticker);
      void this.confirmExpiry(reservation.reservationId);
    }
  }

  /** The server decides when a hold ends; ask it rather than trusting our own countdown. */
  private async confirmExpiry(reservationId: string, attempt = 0): Promise<void> {
    try {
      const latest = await this.context.api.request<ReservationView>('GET', `/v1/reservations/${encodeURIComponent(reservationId)}`);
      if (latest.status === 'HELD' && attempt < 5) {
        window.setTimeout(() => void this.confirmExpiry(reservationId, attempt + 1), 1_000);
        return;
      }
      if (latest.status === 'CONFIRMED') return;
      this.context.announcer.error('RESERVATION_EXPIRED');
      this.hide();
      this.events.ended();
    } catch (error) {
      this.context.handleFailure(error);
    }
  }

  private async loadBalance(): Promise<void> {
    try {
      const view = await this.context.api.request<BalanceView>('GET', '/v1/users/me/balance');
      this.setBalance(view.balance);
      const input = byId<HTMLInputElement>('charge-amount');
      const total = this.reservation?.totalPrice ?? 0;
      input.value = String(Math.max(total - view.balance, 0) || total);
    } catch (error) {
      this.context.handleFailure(error, 'Could not read your balance.');
    }
  }

  private setBalance(balance: number): void {
    setText('balance', formatWon(balance));
    const shortfall = (this.reservation?.totalPrice ?? 0) - balance;
    const hint = byId('balance-shortfall');
    hint.hidden = shortfall <= 0;
    hint.textContent = shortfall > 0 ? `You need ${formatWon(shortfall)} more to pay.` : '';
  }

  private async charge(): Promise<void> {
    const input = byId<HTMLInputElement>('charge-amount');
    const amount = Number(input.value);
    if (!Number.isSafeInteger(amount) || amount < 1) {
      input.setAttribute('aria-invalid', 'true');
      this.context.announcer.error('INVALID_AMOUNT');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    const body = { amount };
    await this.guarded('charge-button', async () => {
      const idempotencyKey = this.context.idempotency.keyFor('charge', body);
      try {
        const receivedAt = Date.now();
        const charged = await this.context.api.request<ChargeView>('POST', '/v1/users/me/balance/charge', { body, idempotencyKey });
        this.context.clock.observe(charged.chargedAt, receivedAt);
        this.context.idempotency.settle('charge', body);
        this.setBalance(charged.balance);
        this.context.announcer.clearError();
        this.context.announcer.say(`Added ${formatWon(charged.chargedAmount)}. Your balance is ${formatWon(charged.balance)}.`);
        byId('pay-button').focus();
      } catch (error) {
        this.context.idempotency.settle('charge', body, error);
        this.context.handleFailure(error, 'Could not add to your balance.');
      }
    });
  }

  private async pay(): Promise<void> {
    const reservation = this.reservation;
    if (reservation === null) return;
    const body = { reservationId: reservation.reservationId };
    await this.guarded('pay-button', async () => {
      const idempotencyKey = this.context.idempotency.keyFor('pay', body);
      try {
        const payment = await this.context.api.request<PaymentView>('POST', '/v1/payments', { body, idempotencyKey, queueGated: true });
        this.context.idempotency.settle('pay', body);
        this.finish(payment, reservation);
      } catch (error) {
        this.context.idempotency.settle('pay', body, error);
        await this.payFailed(error, reservation);
      }
    });
  }

  private async payFailed(error: unknown, reservation: ReservationView): Promise<void> {
    const code = error instanceof ApiFailure ? error.code : null;
    if (code === 'ALREADY_PAID') {
      // Paid by an earlier attempt (another tab, a lost answer): show that payment, never pay again.
      const latest = await this.context.api.request<ReservationView>('GET', `/v1/reservations/${encodeURIComponent(reservation.reservationId)}`);
      if (latest.paymentId !== undefined) {
        const payment = await this.context.api.request<PaymentView>('GET', `/v1/payments/${encodeURIComponent(latest.paymentId)}`);
        this.finish(payment, latest);
        return;
      }
    }
    if (this.context.handleFailure(error, 'Payment did not go through.')) return;
    if (code === 'RESERVATION_EXPIRED' || code === 'RESERVATION_NOT_FOUND') {
      this.hide();
      this.events.ended();
    } else if (code === 'INSUFFICIENT_BALANCE') {
      byId('charge-amount').focus();
    }
  }

  private finish(payment: PaymentView, reservation: ReservationView): void {
    this.context.clock.observe(payment.paidAt);
    this.hide();
    this.context.announcer.clearError();
    this.events.paid(payment, reservation);
  }

  private async release(): Promise<void> {
    const reservation = this.reservation;
    if (reservation === null) return;
    await this.guarded('release-button', async () => {
      try {
        await this.context.api.request<ReservationView>('DELETE', `/v1/reservations/${encodeURIComponent(reservation.reservationId)}`);
        this.context.announcer.say(`Released seat ${listSeats(reservation.seats.map((seat) => seat.seatNumber))}.`);
      } catch (error) {
        if (this.context.handleFailure(error, 'Could not release the seats.')) return;
      }
      this.hide();
      this.events.ended();
    });
  }

  /** One money action at a time; the button stays disabled until the answer is in. */
  private async guarded(buttonId: string, action: () => Promise<void>): Promise<void> {
    if (this.inFlight !== null) return;
    const button = byId<HTMLButtonElement>(buttonId);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    const run = action().catch((error: unknown) => {
      this.context.handleFailure(error);
    }).finally(() => {
      this.inFlight = null;
      button.disabled = false;
      button.removeAttribute('aria-busy');
    });
    this.inFlight = run;
    await run;
  }
}
