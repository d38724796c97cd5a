import { and, assign, setup } from 'xstate';
import { compileTransitionTable, type TableCase } from './transition-table.js';
import type { SeatStatus } from '../domain/views.js';

/**
 * One seat: AVAILABLE -> TEMP_RESERVED (hold) -> RESERVED (confirm); TEMP_RESERVED -> AVAILABLE on
 * release (cancel) or expiry; RESERVED -> AVAILABLE when its booking refunds it. The two-phase shape of a
 * pending transfer: post, void or expire (and a refund, a reversing transfer of a posted one).
 */
export interface SeatContext {
  reservationId: string | null;
  userId: string | null;
  holdExpiresAtMs: number;
}

export type SeatEvent =
  | { type: 'seat.hold'; reservationId: string; userId: string; holdExpiresAtMs: number }
  | { type: 'seat.confirm'; reservationId: string }
  | { type: 'seat.release'; reservationId: string }
  | { type: 'seat.expire'; reservationId: string; nowMs: number }
  | { type: 'seat.refund'; reservationId: string };

const EMPTY: SeatContext = { reservationId: null, userId: null, holdExpiresAtMs: 0 };

export const seatMachine = setup({
  types: {} as { context: SeatContext; events: SeatEvent },
  guards: {
    heldByThisReservation: ({ context, event }) => context.reservationId === event.reservationId,
    holdDeadlinePassed: ({ context, event }) => event.type === 'seat.expire' && event.nowMs >= context.holdExpiresAtMs,
  },
  actions: {
    recordHold: assign(({ event }) =>
      event.type === 'seat.hold'
        ? { reservationId: event.reservationId, userId: event.userId, holdExpiresAtMs: event.holdExpiresAtMs }
        : {}),
    clearHold: assign(() => ({ ...EMPTY })),
  },
}).createMachine({
  id: 'seat',
  initial: 'AVAILABLE',
  context: { ...EMPTY },
  states: {
    AVAILABLE: {
      on: { 'seat.hold': { target: 'TEMP_RESERVED', actions: 'recordHold' } },
    },
    TEMP_RESERVED: {
      on: {
        'seat.confirm': { guard: 'heldByThisReservation', target: 'RESERVED' },
        'seat.release': { guard: 'heldByThisReservation', target: 'AVAILABLE', actions: 'clearHold' },
        'seat.expire': { guard: and(['heldByThisReservation', 'holdDeadlinePassed']), target: 'AVAILABLE', actions: 'clearHold' },
      },
    },
    RESERVED: {
      on: { 'seat.refund': { guard: 'heldByThisReservation', target: 'AVAILABLE', actions: 'clearHold' } },
    },
  },
});

/** A seat as the schedule actor keeps it: plain data, stepped through the compiled machine. */
export interface SeatRecord {
  readonly seatNumber: number;
  readonly grade: string;
  readonly price: number;
  status: SeatStatus;
  reservationId: string | null;
  userId: string | null;
  holdExpiresAtMs: number;
}

export type SeatRefusal = 'SEAT_NOT_AVAILABLE' | 'SEAT_NOT_HELD_BY_RESERVATION' | 'HOLD_NOT_DUE';

const STATUSES: SeatStatus[] = ['AVAILABLE', 'TEMP_RESERVED', 'RESERVED'];

function tableKey(status: string, type: SeatEvent['type'], own: boolean, due: boolean): string {
  return `${status}|${type}|${own ? 1 : 0}|${due ? 1 : 0}`;
}

/** Every (state, event, guard inputs) combination, realised as a concrete snapshot and event. */
function* seatCases(): Generator<TableCase<typeof seatMachine>> {
  for (const status of STATUSES) {
    for (const own of [true, false]) {
      for (const due of [true, false]) {
        const context: SeatContext = status === 'AVAILABLE'
          ? { ...EMPTY }
          : { reservationId: 'held', userId: 'u', holdExpiresAtMs: 1_000 };
        const snapshot = seatMachine.resolveState({ value: status, context });
        const reservationId = own ? 'held' : 'other';
        const nowMs = due ? 1_000 : 999;
        const events: SeatEvent[] = [
          { type: 'seat.hold', reservationId, userId: 'u', holdExpiresAtMs: 2_000 },
          { type: 'seat.confirm', reservationId },
          { type: 'seat.release', reservationId },
          { type: 'seat.expire', reservationId, nowMs },
          { type: 'seat.refund', reservationId },
        ];
        for (const event of events) yield { key: tableKey(status, event.type, own, due), snapshot, event };
      }
    }
  }
}

export const SEAT_TRANSITIONS = compileTransitionTable(seatMachine, seatCases());

/**
 * Applies an event to a seat record in place, or says why it is refused. Pure: `nowMs` comes in the event.
 */
export function stepSeat(seat: SeatRecord, event: SeatEvent): SeatRefusal | null {
  const own = seat.reservationId !== null && 'reservationId' in event && seat.reservationId === event.reservationId;
  const due = event.type === 'seat.expire' && event.nowMs >= seat.holdExpiresAtMs;
  const next = SEAT_TRANSITIONS.get(tableKey(seat.status, event.type, own, due));
  if (next === undefined) {
    if (event.type === 'seat.hold') return 'SEAT_NOT_AVAILABLE';
    if (event.type === 'seat.expire' && own) return 'HOLD_NOT_DUE';
    return 'SEAT_NOT_HELD_BY_RESERVATION';
  }
  seat.status = next as SeatStatus;
  if (event.type === 'seat.hold') {
    seat.reservationId = event.reservationId;
    seat.userId = event.userId;
    seat.holdExpiresAtMs = event.holdExpiresAtMs;
  } else if (next === 'AVAILABLE') {
    seat.reservationId = null;
    seat.userId = null;
    seat.holdExpiresAtMs = 0;
  }
  return null;
}
