/**
 * The waitlist on the page: the fan's places on sold-out shows' lists, and the offers made to them, kept
 * live over the waitlist socket. An offer is a hold in the fan's name with its own deadline: it is shown
 * with a countdown and paid from the balance without a queue token (the offer is the fan's admission).
 */
import { ApiFailure } from './api-client.js';
import type { PageContext } from './context.js';
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatCountdown, formatDateTime, formatWon, listSeats } from './format.js';
import { LiveSocket, websocketUrl } from './live-socket.js';
import type { PaymentView, ReservationView, WaitlistEntryView, WaitlistView } from '../domain/views.js';

const TICK_MS = 250;

export class WaitlistPanel {
  private socket: LiveSocket | null = null;
  private entries: WaitlistEntryView[] = [];
  private offer: ReservationView | null = null;
  private ticker: number | undefined;
  private paying = false;
  /** What the balance lacks to pay the offer (the Pay button says it adds it first). */
  private shortfall = 0;

  constructor(private readonly context: PageContext, private readonly onPaid: (payment: PaymentView) => void) {
    byId('offer-pay').addEventListener('click', () => void this.payOffer());
  }

  /** Signed in: watch the fan's lists and offers. */
  start(): void {
    this.stop();
    const session = this.context.session();
    if (session === null) return;
    this.socket = new LiveSocket({
      url: () => websocketUrl('/v1/waitlist/ws', { token: this.context.session()?.userToken ?? '' }),
      onMessage: (message) => this.onMessage(message),
      verifyAfterRefusal: async () => false,
    });
    this.socket.start();
  }

  stop(): void {
    this.socket?.stop();
    this.socket = null;
    window.clearInterval(this.ticker);
    this.entries = [];
    this.offer = null;
    this.render();
  }

  /** True when the fan is on the list (joined now, or already). */
  async join(scheduleId: string, quantity: number): Promise<boolean> {
    try {
      const entry = await this.context.api.request<WaitlistEntryView>('POST', `/v1/schedules/${encodeURIComponent(scheduleId)}/waitlist`, { body: { quantity } });
      this.entries = [...this.entries.filter((e) => e.scheduleId !== entry.scheduleId), entry];
      this.render();
      this.context.announcer.say(`You are number ${entry.position} on the waitlist. If seats free up, they are offered to you here.`);
      return true;
    } catch (error) {
      this.context.handleFailure(error, 'Could not join the waitlist.');
      return false;
    }
  }

  private async leave(scheduleId: string): Promise<void> {
    try {
      await this.context.api.request<void>('DELETE', `/v1/schedules/${encodeURIComponent(scheduleId)}/waitlist/me`);
    } catch (error) {
      if (!(error instanceof ApiFailure && error.code === 'WAITLIST_ENTRY_NOT_FOUND')) this.context.handleFailure(error, 'Could not leave the waitlist.');
    }
    this.entries = this.entries.filter((e) => e.scheduleId !== scheduleId);
    this.render();
  }

  private onMessage(message: Record<string, unknown>): void {
    if (message['type'] === 'waitlist.status') {
      const status = message as unknown as WaitlistView;
      this.entries = status.entries;
      this.showOffer(status.offers[0] ?? null);
    } else if (message['type'] === 'waitlist.offer') {
      const offer = message['reservation'] as ReservationView;
      this.entries = this.entries.filter((e) => e.scheduleId !== offer.scheduleId);
      this.showOffer(offer);
      this.context.announcer.say(`Good news: seat ${listSeats(offer.seats.map((s) => s.seatNumber))} freed up and ${offer.seats.length === 1 ? 'is' : 'are'} held for you. Pay before the time runs out.`);
    }
  }

  private showOffer(offer: ReservationView | null): void {
    this.offer = offer;
    window.clearInterval(this.ticker);
    if (offer !== null) {
      this.ticker = window.setInterval(() => this.tick(), TICK_MS);
      void this.loadShortfall(offer);
    }
    this.render();
  }

  private async loadShortfall(offer: ReservationView): Promise<void> {
    try {
      const { balance } = await this.context.api.request<{ balance: number }>('GET', '/v1/users/me/balance');
      this.shortfall = Math.max(0, offer.totalPrice - balance);
      if (this.offer === offer) this.render();
    } catch {
      // The Pay button still works: it reads the balance again.
    }
  }

  private tick(): void {
    const offer = this.offer;
    if (offer === null) return;
    const remainingMs = this.context.clock.remainingMs(offer.holdExpiresAt);
    setText('offer-countdown', formatCountdown(remainingMs));
    if (remainingMs <= 0) {
      // Unpaid, it passes to the next fan on the list.
      this.showOffer(null);
      this.context.announcer.say('The offer ran out and passed to the next fan on the list.');
    }
  }

  private render(): void {
    const panel = byId('waitlist-panel');
    panel.hidden = this.entries.length === 0 && this.offer === null;
    replaceChildren(byId('waitlist-entries'), ...this.entries.map((entry) => {
      const leave = el('button', { type: 'button', class: 'link-button', 'data-leave': entry.scheduleId }, 'Leave');
      leave.addEventListener('click', () => void this.leave(entry.scheduleId));
      return el('li', { 'data-schedule-id': entry.scheduleId },
        el('span', {}, `Number ${entry.position} of ${entry.length} for ${entry.quantity} seat${entry.quantity === 1 ? '' : 's'}`), ' ', leave);
    }));
    const box = byId('waitlist-offer');
    const offer = this.offer;
    box.hidden = offer === null;
    if (offer === null) return;
    setText('offer-summary', `Seat ${listSeats(offer.seats.map((s) => s.seatNumber))} (${offer.seats.map((s) => s.grade).join(', ')}) held for you, ${formatWon(offer.totalPrice)}. Pay by ${formatDateTime(offer.holdExpiresAt)}.`);
    setText('offer-pay', this.shortfall > 0 ? `Add ${formatWon(this.shortfall)} to your balance and pay ${formatWon(offer.totalPrice)}` : `Pay ${formatWon(offer.totalPrice)}`);
    this.tick();
  }

  private async payOffer(): Promise<void> {
    const offer = this.offer;
    if (offer === null || this.paying) return;
    this.paying = true;
    const body = { reservationId: offer.reservationId };
    try {
      const balance = await this.context.api.request<{ balance: number }>('GET', '/v1/users/me/balance');
      if (balance.balance < offer.totalPrice) {
        // Short of money: top up by the difference first, as the checkout's charge form would.
        const chargeBody = { amount: offer.totalPrice - balance.balance };
        await this.context.api.request('POST', '/v1/users/me/balance/charge', { body: chargeBody, idempotencyKey: this.context.idempotency.keyFor('charge', chargeBody) });
        this.context.idempotency.settle('charge', chargeBody);
      }
      const key = this.context.idempotency.keyFor('pay-offer', body);
      const payment = await this.context.api.request<PaymentView>('POST', '/v1/payments', { body, idempotencyKey: key });
      this.context.idempotency.settle('pay-offer', body);
      this.showOffer(null);
      this.onPaid(payment);
    } catch (error) {
      this.context.idempotency.settle('pay-offer', body, error);
      this.context.handleFailure(error, 'Could not pay the offer.');
    } finally {
      this.paying = false;
    }
  }
}
