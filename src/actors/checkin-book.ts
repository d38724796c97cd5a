/**
 * Tickets at the door: which tickets were scanned, and when. A ticket is a seat of a CONFIRMED
 * reservation; its first scan admits and is journaled and written in the command's commit, every later
 * scan is told when the first one was. Decided synchronously like every command, so of two scanners
 * racing on one ticket exactly one admits.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import { ticketIdOf, type CheckinView, type TicketRef, type TicketView } from '../domain/tickets.js';
import { seatAt, type Reservation, type ScheduleState } from '../machines/schedule.js';
import type { CheckinStore } from '../persistence/checkin-store.js';
import type { PendingChange } from './pending-change.js';
import { iso } from './views.js';

export const CHECKIN_STREAM = 'checkins';

/** Where a ticket's reservation is: live in its schedule, ended (with its final status), or unknown. */
export type TicketReservation =
  | { live: true; schedule: ScheduleState; reservation: Reservation }
  | { live: false; endedStatus: string | undefined };

export class CheckinBook {
  /** ticketId -> when it was first scanned. */
  private readonly used = new Map<string, number>();

  constructor(private readonly store: CheckinStore) {}

  /** At recovery: every check-in ever committed (the table is their record). */
  restore(): number {
    for (const row of this.store.all()) this.used.set(ticketIdOf(row), row.checkedInAtMs);
    return this.used.size;
  }

  /**
   * The tickets of a CONFIRMED reservation, one per seat it still owns (a seat refunded alone is released),
   * with their first scan if any.
   */
  ticketsOf(schedule: ScheduleState, reservation: Reservation): TicketView[] {
    const owned = reservation.seatNumbers.filter((seatNumber) => seatAt(schedule, seatNumber)?.reservationId === reservation.reservationId);
    return owned.map((seatNumber) => {
      const ticketId = ticketIdOf({ reservationId: reservation.reservationId, seatNumber });
      const usedAtMs = this.used.get(ticketId);
      return {
        ticketId, reservationId: reservation.reservationId, scheduleId: schedule.scheduleId, seatNumber,
        concertId: schedule.concertId, startsAt: iso(schedule.startsAtMs), grade: seatAt(schedule, seatNumber)?.grade ?? '',
        ...(schedule.venue === null ? {} : { label: schedule.venue.plan.label(seatNumber) }),
        checkedInAt: usedAtMs === undefined ? null : iso(usedAtMs),
      };
    });
  }

  /**
   * Refusals in precedence order: a ticket no reservation of this engine has (TICKET_INVALID), a ticket
   * whose booking or seat was refunded or otherwise ended (TICKET_REVOKED), one for another show than
   * `door` admits (TICKET_WRONG_SCHEDULE), one already used (TICKET_ALREADY_USED, with the time of its
   * first scan). The code's signature was verified before.
   */
  checkIn(ticket: TicketRef, found: TicketReservation, door: string | undefined, nowMs: number, change: PendingChange): Result<CheckinView> {
    const ticketId = ticketIdOf(ticket);
    if (!found.live) {
      return found.endedStatus === undefined
        ? fail('TICKET_INVALID', { ticketId })
        : fail('TICKET_REVOKED', { ticketId, status: found.endedStatus });
    }
    const { schedule, reservation } = found;
    if (reservation.scheduleId !== ticket.scheduleId) return fail('TICKET_INVALID', { ticketId });
    if (reservation.status !== 'CONFIRMED') return fail('TICKET_REVOKED', { ticketId, status: reservation.status });
    // A seat refunded alone leaves its reservation, or is sold again to another one.
    const seat = seatAt(schedule, ticket.seatNumber);
    if (!reservation.seatNumbers.includes(ticket.seatNumber) || seat?.reservationId !== reservation.reservationId) {
      return fail('TICKET_REVOKED', { ticketId, status: reservation.status, seatNumber: ticket.seatNumber });
    }
    if (door !== undefined && door !== schedule.scheduleId) {
      return fail('TICKET_WRONG_SCHEDULE', { ticketId, scheduleId: schedule.scheduleId, startsAt: iso(schedule.startsAtMs) });
    }
    const usedAtMs = this.used.get(ticketId);
    if (usedAtMs !== undefined) return fail('TICKET_ALREADY_USED', { ticketId, checkedInAt: iso(usedAtMs) });
    this.used.set(ticketId, nowMs);
    const row = { reservationId: ticket.reservationId, seatNumber: ticket.seatNumber, scheduleId: ticket.scheduleId, checkedInAtMs: nowMs };
    const event = { type: 'ticket.checked_in', atMs: nowMs, ticketId, ...row };
    change.record(CHECKIN_STREAM, event);
    change.write(() => this.store.insert(row));
    const checkin: CheckinView = {
      ticketId, reservationId: ticket.reservationId, scheduleId: ticket.scheduleId, seatNumber: ticket.seatNumber,
      concertId: schedule.concertId, startsAt: iso(schedule.startsAtMs), grade: seat.grade, checkedInAt: iso(nowMs),
    };
    change.publish('checkin.accepted', nowMs, { checkin });
    return ok(checkin);
  }
}
