/**
 * A schedule's state image. Seat statuses follow from the live reservations (HELD -> TEMP_RESERVED,
 * CONFIRMED -> RESERVED, a refunded seat back to AVAILABLE), so the image stores the reservations and the
 * seats are rebuilt from them: each reservation is put back in one step (restoreReservation), which refuses
 * what the seat machine would (a seat in two bookings, a refund of a seat not booked), and lands exactly where
 * replaying its hold, payment and refunds through the machines would (test/persistence/
 * schedule-snapshot.property.test.ts holds the two against each other). Refunded bookings (in full or in
 * part) stay in the image with their refunds; a cancelled schedule keeps its cancellation. Images written
 * before refunds existed lack those fields.
 */
import {
  attachVenue, createSchedule, restoreReservation, DEFAULT_REFUND_CUTOFF_MS, evolveSchedule, type PaymentRecord, type RefundRecord, type ScheduleCancellation, type ScheduleState,
} from '../machines/schedule.js';
import type { GradeInput } from '../domain/views.js';
import type { VenuePlan } from '../venues/venue-plan.js';

interface ReservationImage {
  id: string;
  user: string;
  seats: number[];
  heldAt: number;
  expiresAt: number;
  payment: PaymentRecord | null;
  refunds?: RefundRecord[];
  offer?: true;
  presaleCode?: string;
}

interface ScheduleImage {
  scheduleId: string;
  /** The layout of a schedule created from one; its seats and places come from it. */
  layoutId?: string;
  concertId: string;
  startsAtMs: number;
  bookingOpensAtMs: number;
  presaleOpensAtMs?: number | null;
  /** [code, maxUses, createdAtMs, channel?]; uses are counted again from the reservations. */
  presaleCodes?: Array<[string, number, number] | [string, number, number, string]>;
  /** Seats held back now, by channel. */
  holdbacks?: Record<string, number[]>;
  refundCutoffMs?: number;
  maxSeatsPerFan?: number | null;
  seatCount: number;
  grades: GradeInput[];
  version: number;
  reservations: ReservationImage[];
  cancellation?: ScheduleCancellation | null;
  /** [userId, quantity, joinedAtMs] in list order; images written before waitlists lack it. */
  waitlist?: Array<[string, number, number]>;
}

function holdbacksOf(state: ScheduleState): Record<string, number[]> {
  const byChannel: Record<string, number[]> = {};
  for (const [seatNumber, channel] of state.heldBack) (byChannel[channel] ??= []).push(seatNumber);
  return byChannel;
}

export function encodeSchedule(state: ScheduleState): string {
  const image: ScheduleImage = {
    scheduleId: state.scheduleId,
    concertId: state.concertId,
    startsAtMs: state.startsAtMs,
    bookingOpensAtMs: state.bookingOpensAtMs,
    ...(state.presaleOpensAtMs === null ? {} : { presaleOpensAtMs: state.presaleOpensAtMs }),
    ...(state.presaleCodes.size === 0 ? {} : {
      presaleCodes: [...state.presaleCodes.values()].map((c): [string, number, number] | [string, number, number, string] => (
        c.channel === null ? [c.code, c.maxUses, c.createdAtMs] : [c.code, c.maxUses, c.createdAtMs, c.channel])),
    }),
    ...(state.heldBack.size === 0 ? {} : { holdbacks: holdbacksOf(state) }),
    refundCutoffMs: state.refundCutoffMs,
    maxSeatsPerFan: state.maxSeatsPerFan,
    seatCount: state.seats.length,
    grades: [...state.grades],
    ...(state.venue === null ? {} : { layoutId: state.venue.plan.layoutId }),
    version: state.version,
    reservations: [...state.reservations.values()]
      .filter((r) => r.status === 'HELD' || r.status === 'CONFIRMED' || r.status === 'REFUNDED')
      .map((r) => ({
        id: r.reservationId, user: r.userId, seats: [...r.seatNumbers], heldAt: r.heldAtMs, expiresAt: r.holdExpiresAtMs, payment: r.payment,
        ...(r.refunds.length === 0 ? {} : { refunds: r.refunds }),
        ...(r.offer === true ? { offer: true as const } : {}),
        ...(r.presaleCode === undefined ? {} : { presaleCode: r.presaleCode }),
      })),
    cancellation: state.cancellation,
    ...(state.waitlist.length === 0 ? {} : { waitlist: state.waitlist.map((e): [string, number, number] => [e.userId, e.quantity, e.joinedAtMs]) }),
  };
  return JSON.stringify(image);
}

/** `planOf` gives the layout of a schedule created from one (it must exist: layouts are never deleted). */
export function decodeSchedule(data: string, planOf: (layoutId: string) => VenuePlan): ScheduleState {
  const image = JSON.parse(data) as ScheduleImage;
  const state = createSchedule({
    type: 'schedule.created',
    atMs: 0,
    scheduleId: image.scheduleId,
    concertId: image.concertId,
    startsAtMs: image.startsAtMs,
    bookingOpensAtMs: image.bookingOpensAtMs,
    presaleOpensAtMs: image.presaleOpensAtMs ?? null,
    holdbacks: Object.entries(image.holdbacks ?? {}).map(([channel, seatNumbers]) => ({ channel, seatNumbers })),
    refundCutoffMs: image.refundCutoffMs ?? DEFAULT_REFUND_CUTOFF_MS,
    maxSeatsPerFan: image.maxSeatsPerFan ?? null,
    seatCount: image.seatCount,
    grades: image.grades,
    ...(image.layoutId === undefined ? {} : { layoutId: image.layoutId }),
  }, image.layoutId === undefined ? undefined : planOf(image.layoutId), { deferVenue: true });
  for (const [code, maxUses, createdAtMs, channel] of image.presaleCodes ?? []) {
    evolveSchedule(state, { type: 'presale.code_created', scheduleId: state.scheduleId, code, maxUses, atMs: createdAtMs, ...(channel === undefined ? {} : { channel }) });
  }
  for (const r of image.reservations) {
    restoreReservation(state, {
      reservationId: r.id, userId: r.user, seatNumbers: r.seats, heldAtMs: r.heldAt, holdExpiresAtMs: r.expiresAt, payment: r.payment, refunds: r.refunds ?? [],
      ...(r.offer === true ? { offer: true as const } : {}),
      ...(r.presaleCode === undefined ? {} : { presaleCode: r.presaleCode }),
    });
  }
  state.cancellation = image.cancellation ?? null;
  state.waitlist = (image.waitlist ?? []).map(([userId, quantity, joinedAtMs]) => ({ userId, quantity, joinedAtMs }));
  state.version = image.version;
  // Its row summaries once, from the seats as replayed, rather than once per seat step.
  if (state.plan !== null) attachVenue(state);
  return state;
}
