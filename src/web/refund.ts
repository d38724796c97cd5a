/**
 * The confirmation's "cancel booking" action: gives the whole booking back (POST
 * /v1/reservations/{id}/refunds) and shows the money returned to the balance. The server decides whether
 * it is still allowed (the show's refund cutoff, a ticket already used at the door); a refusal is shown as
 * the human message of its code. One Idempotency-Key per attempt, so a retry after a lost answer replays.
 */
import { byId, replaceChildren, el, setText } from './dom.js';
import { formatWon, spokenWon } from './format.js';
import type { PageContext } from './context.js';
import type { RefundView } from '../domain/views.js';

export class RefundAction {
  private reservationId: string | null = null;
  private readonly button = byId<HTMLButtonElement>('cancel-booking');

  constructor(private readonly context: PageContext) {
    this.button.addEventListener('click', () => void this.cancel());
  }

  /** Offers the action for a booking just paid. */
  offer(reservationId: string): void {
    this.reservationId = reservationId;
    this.button.disabled = false;
    this.button.hidden = false;
    setText('refund-result', '');
  }

  private async cancel(): Promise<void> {
    const reservationId = this.reservationId;
    if (reservationId === null) return;
    this.button.disabled = true;
    const scope = `refund ${reservationId}`;
    const body = {};
    const idempotencyKey = this.context.idempotency.keyFor(scope, body);
    try {
      const refund = await this.context.api.request<RefundView>('POST', `/v1/reservations/${encodeURIComponent(reservationId)}/refunds`, { body, idempotencyKey });
      this.context.idempotency.settle(scope, body);
      this.reservationId = null;
      this.button.hidden = true;
      const seats = refund.seats.map((seat) => seat.seatNumber);
      setText('refund-result', `Booking cancelled: ${formatWon(refund.amount)} is back on your balance (now ${formatWon(refund.balanceAfter)}). Seat ${seats.join(', ')} ${seats.length === 1 ? 'is' : 'are'} on sale again.`);
      replaceChildren(byId('tickets'), el('p', { class: 'hint' }, 'These tickets were cancelled with the booking.'));
      this.context.announcer.clearError();
      this.context.announcer.say(`Booking cancelled. ${spokenWon(refund.amount)} refunded.`);
    } catch (error) {
      this.context.idempotency.settle(scope, body, error);
      this.button.disabled = false;
      this.context.handleFailure(error, 'The booking was not cancelled.');
    }
  }
}
