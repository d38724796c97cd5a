import { setup } from 'xstate';
import { compileTransitionTable, type TableCase } from './transition-table.js';
import type { ReservationStatus } from '../domain/views.js';

/**
 * A reservation's lifecycle: HELD -> CONFIRMED (paid) | CANCELLED (by its user) | EXPIRED (deadline);
 * CONFIRMED -> REFUNDED once its last seat is refunded (a refund of some seats leaves it CONFIRMED).
 */
export type ReservationEvent =
  | { type: 'reservation.confirm' }
  | { type: 'reservation.refund' }
  | { type: 'reservation.cancel' }
  | { type: 'reservation.expire'; deadlinePassed: boolean };

export const reservationMachine = setup({
  types: {} as { events: ReservationEvent },
  guards: {
    deadlinePassed: ({ event }) => event.type === 'reservation.expire' && event.deadlinePassed,
  },
}).createMachine({
  id: 'reservation',
  initial: 'HELD',
  states: {
    HELD: {
      on: {
        'reservation.confirm': { target: 'CONFIRMED' },
        'reservation.cancel': { target: 'CANCELLED' },
        'reservation.expire': { guard: 'deadlinePassed', target: 'EXPIRED' },
      },
    },
    CONFIRMED: {
      on: { 'reservation.refund': { target: 'REFUNDED' } },
    },
    REFUNDED: { type: 'final' },
    CANCELLED: { type: 'final' },
    EXPIRED: { type: 'final' },
  },
});

const STATUSES: ReservationStatus[] = ['HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED', 'REFUNDED'];

function* reservationCases(): Generator<TableCase<typeof reservationMachine>> {
  for (const status of STATUSES) {
    const snapshot = reservationMachine.resolveState({ value: status, context: undefined as never });
    yield { key: `${status}|reservation.confirm`, snapshot, event: { type: 'reservation.confirm' } };
    yield { key: `${status}|reservation.cancel`, snapshot, event: { type: 'reservation.cancel' } };
    yield { key: `${status}|reservation.refund`, snapshot, event: { type: 'reservation.refund' } };
    yield { key: `${status}|reservation.expire`, snapshot, event: { type: 'reservation.expire', deadlinePassed: true } };
  }
}

export const RESERVATION_TRANSITIONS = compileTransitionTable(reservationMachine, reservationCases());

/** The status after the event, or null when the machine refuses it. */
export function nextReservationStatus(status: ReservationStatus, event: ReservationEvent): ReservationStatus | null {
  if (event.type === 'reservation.expire' && !event.deadlinePassed) return null;
  return (RESERVATION_TRANSITIONS.get(`${status}|${event.type}`) as ReservationStatus | undefined) ?? null;
}
