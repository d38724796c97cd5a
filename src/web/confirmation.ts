/** Stage 5: what was bought, what it cost, and what is left. */
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatDateTime, formatWon, listSeats } from './format.js';
import type { ShowChoice } from './catalogue.js';
import type { PaymentView } from '../domain/views.js';

export function renderConfirmation(payment: PaymentView, show: ShowChoice | null): void {
  const seatNumbers = payment.seats.map((seat) => seat.seatNumber);
  setText('done-summary', show === null
    ? `Seat ${listSeats(seatNumbers)} ${seatNumbers.length === 1 ? 'is' : 'are'} yours.`
    : `Seat ${listSeats(seatNumbers)} for ${show.concert.title} on ${formatDateTime(show.schedule.startsAt)} at ${show.concert.venue} ${seatNumbers.length === 1 ? 'is' : 'are'} yours.`);
  const rows: Array<[string, string]> = [
    ['Seats', payment.seats.map((seat) => `${seat.seatNumber} (${seat.grade})`).join(', ')],
    ['Paid', formatWon(payment.amount)],
    ['Balance before', formatWon(payment.balanceBefore)],
    ['Balance now', formatWon(payment.balanceAfter)],
    ['Paid at', formatDateTime(payment.paidAt)],
    ['Payment reference', payment.paymentId],
    ['Reservation', payment.reservationId],
  ];
  replaceChildren(byId('receipt'), ...rows.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
}
