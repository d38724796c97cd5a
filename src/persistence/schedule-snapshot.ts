/**
 * A schedule's state image. Seat statuses follow from the live reservations (HELD -> TEMP_RESERVED,
 * CONFIRMED -> RESERVED), so the image stores the reservations and the seats are rebuilt through the
 * same seat machine as any other step: a snapshot cannot hold a seat state the machine would refuse.
 */
import { createSchedule, evolveSchedule, type PaymentRecord, type ScheduleState } from '../machines/schedule.js';
import type { GradeInput } from '../domain/views.js';

interface ReservationImage {
  id: string;
  user: string;
  seats: number[];
  heldAt: number;
  expiresAt: number;
  payment: PaymentRecord | null;
}

interface ScheduleImage {
  scheduleId: string;
  concertId: string;
  startsAtMs: number;
  bookingOpensAtMs: number;
  seatCount: number;
  grades: GradeInput[];
  version: number;
  reservations: ReservationImage[];
}

export function encodeSchedule(state: ScheduleState): string {
  const image: ScheduleImage = {
    scheduleId: state.scheduleId,
    concertId: state.concertId,
    startsAtMs: state.startsAtMs,
    bookingOpensAtMs: state.bookingOpensAtMs,
    seatCount: state.seats.length,
    grades: [...state.grades],
    version: state.version,
    reservations: [...state.reservations.values()]
      .filter((r) => r.status === 'HELD' || r.status === 'CONFIRMED')
      .map((r) => ({ id: r.reservationId, user: r.userId, seats: [...r.seatNumbers], heldAt: r.heldAtMs, expiresAt: r.holdExpiresAtMs, payment: r.payment })),
  };
  return JSON.stringify(image);
}

export function decodeSchedule(data: string): ScheduleState {
  const image = JSON.parse(data) as ScheduleImage;
  const state = createSchedule({
    type: 'schedule.created',
    atMs: 0,
    scheduleId: image.scheduleId,
    concertId: image.concertId,
    startsAtMs: image.startsAtMs,
    bookingOpensAtMs: image.bookingOpensAtMs,
    seatCount: image.seatCount,
    grades: image.grades,
  });
  for (const r of image.reservations) {
    evolveSchedule(state, { type: 'reservation.held', scheduleId: state.scheduleId, reservationId: r.id, userId: r.user, seatNumbers: r.seats, atMs: r.heldAt, holdExpiresAtMs: r.expiresAt });
    if (r.payment !== null) {
      evolveSchedule(state, { type: 'reservation.confirmed', scheduleId: state.scheduleId, reservationId: r.id, atMs: r.payment.paidAtMs, payment: r.payment });
    }
  }
  state.version = image.version;
  return state;
}
