/** Stage 5: what was bought, what it cost, and what is left. */
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatDateTime, formatWon, listSeats, seatName } from './format.js';
import type { ShowChoice } from './catalogue.js';
import type { PaymentView } from '../domain/views.js';

export function renderConfirmation(payment: PaymentView, show: ShowChoice | null): void {
  const seatNumbers = payment.seats.map((seat) => seat.seatNumber);
  // A venue's seats go by their labels (S9-1-24); a numbered map's by their numbers.
  const seats = payment.seats.some((seat) => seat.label !== undefined) ? payment.seats.map(seatName).join(', ') : `Seat ${listSeats(seatNumbers)}`;
  setText('done-summary', show === null
    ? `${seats} ${seatNumbers.length === 1 ? 'is' : 'are'} yours.`
    : `${seats} for ${show.concert.title} on ${formatDateTime(show.schedule.startsAt)} at ${show.concert.venue} ${seatNumbers.length === 1 ? 'is' : 'are'} yours.`);
  const rows: Array<[string, string]> = [
    ['Seats', payment.seats.map((seat) => `${seat.label ?? seat.seatNumber} (${seat.grade})`).join(', ')],
    ['Paid', formatWon(payment.amount)],
    ['Balance before', formatWon(payment.balanceBefore)],
    ['Balance now', formatWon(payment.balanceAfter)],
    ['Paid at', formatDateTime(payment.paidAt)],
    ['Payment reference', payment.paymentId],
    ['Reservation', payment.reservationId],
  ];
  replaceChildren(byId('receipt'), ...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}
