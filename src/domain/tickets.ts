/**
 * Tickets and check-in as the engine sees them: a ticket is a confirmed seat of a reservation. Its code
 * (signed, see src/tickets/ticket-signer.ts) is made by the API; the engine only records its first use.
 */

/** What a verified ticket code names. */
export interface TicketRef {
  reservationId: string;
  scheduleId: string;
  seatNumber: number;
}

/** One seat's ticket, without its code. */
export interface TicketView extends TicketRef {
  ticketId: string;
  concertId: string;
  startsAt: string;
  grade: string;
  /** The seat's label in a venue layout ("S1-1-12", or a standing area's id); absent for seats 1..N. */
  label?: string;
  /** When it was first scanned at the door, or null. */
  checkedInAt: string | null;
}

export interface ReservationTicketsView {
  reservationId: string;
  scheduleId: string;
  concertId: string;
  startsAt: string;
  tickets: TicketView[];
}

/** An admitted ticket. */
export interface CheckinView extends TicketRef {
  ticketId: string;
  concertId: string;
  startsAt: string;
  grade: string;
  checkedInAt: string;
}

/** A ticket's id: its reservation and seat (a seat sold again belongs to another reservation). */
export function ticketIdOf(ticket: { reservationId: string; seatNumber: number }): string {
  return `${ticket.reservationId}.${ticket.seatNumber}`;
}
