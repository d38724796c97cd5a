/**
 * TypeBox schemas of the contract's bodies (../shared/contract/API.md), shared by the resource plugins.
 * Response schemas list every field of the contract so fast-json-stringify sends exactly those.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { errorResponseSchema } from './errors.js';

export const IsoDateTime = Type.String({ format: 'date-time', description: 'ISO 8601 UTC time' });

/**
 * A closed set of strings as `{type: 'string', enum}`. TypeBox's union of literals is an `anyOf`, and
 * fast-json-stringify runs Ajv on every value of an `anyOf` to pick its branch: 50 times per seat map.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * A body that may be left out: Fastify validates a missing body as null, so `type: ['object', 'null']`
 * accepts no body as well as the object (the handler reads `request.body?.field`).
 */
export function OptionalBody<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: ['object', 'null'] });
}

/** An ISO time or null, as one schema (`type: ['string', 'null']`), not an `anyOf` checked by Ajv per response. */
export const NullableIsoDateTime = Type.Unsafe<string | null>({ type: ['string', 'null'], format: 'date-time', description: 'ISO 8601 UTC time, or null' });
export const CalendarDate = Type.String({ format: 'date', description: 'YYYY-MM-DD (UTC)' });
export const Won = Type.Integer({ minimum: 0, description: 'Integer won' });

export const UserId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'userId' });

/**
 * Ids are opaque: an unknown id of any reasonable length is the resource's 404 (nothing leaks about
 * the id format); only an absurdly long one is refused as 400 VALIDATION_ERROR, because every input has a limit.
 */
export const MAX_ID_LENGTH = 128;
export const OpaqueId = Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH });

export const SeatStatus = StringEnum(['AVAILABLE', 'TEMP_RESERVED', 'RESERVED']);
export const ReservationStatus = StringEnum(['HELD', 'CONFIRMED', 'EXPIRED', 'CANCELLED', 'REFUNDED']);
export const RefundReason = StringEnum(['USER', 'SCHEDULE_CANCELLED'], { description: 'USER: the fan refunded; SCHEDULE_CANCELLED: the organiser cancelled the show' });

// Headers. Both are optional in the schema so that a missing one gets the contract's own code
// (QUEUE_TOKEN_INVALID) from the gate rather than a generic validation error; for the same reason the
// queue token has no length limit here (the gate refuses an absurd one as QUEUE_TOKEN_INVALID).
export const QUEUE_TOKEN_HEADER = 'x-queue-token';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const QueueTokenHeader = Type.String({ description: 'Your ACTIVE queue token' });
const IdempotencyKeyHeader = Type.String({
  minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$',
  description: '1..255 visible ASCII characters; a repeat with the same body replays the first answer',
});
export const QueueTokenHeaders = Type.Object({ [QUEUE_TOKEN_HEADER]: Type.Optional(QueueTokenHeader) });
export const IdempotentQueueGatedHeaders = Type.Object({
  [QUEUE_TOKEN_HEADER]: Type.Optional(QueueTokenHeader),
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(IdempotencyKeyHeader),
});
export const IdempotentHeaders = Type.Object({ [IDEMPOTENCY_KEY_HEADER]: Type.Optional(IdempotencyKeyHeader) });

// Security requirements, named as in the OpenAPI components app.ts declares.
export const USER_SECURITY = [{ bearerAuth: [] }];
export const QUEUE_GATED_SECURITY = [{ bearerAuth: [], queueToken: [] }];
export const ADMIN_SECURITY = [{ adminKey: [] }];

/** `{ [status]: errorResponseSchema }` for each status a route can answer with an error. */
export function errorResponses(...statusCodes: number[]): Record<number, TSchema> {
  const responses: Record<number, TSchema> = {};
  for (const statusCode of statusCodes) responses[statusCode] = errorResponseSchema;
  return responses;
}
/** Statuses any /v1 route may answer: unexpected failure and not-ready. */
export const ALWAYS = [500, 503] as const;

// Identity
export const DemoTokenBody = Type.Object({ userId: UserId }, { additionalProperties: false });
export const DemoTokenResponse = Type.Object({ userId: UserId, token: Type.String(), expiresAt: IsoDateTime });

// Waiting room
export const QueueStatus = Type.Object({
  token: Type.String(),
  userId: UserId,
  status: StringEnum(['PRE_QUEUE', 'WAITING', 'ACTIVE'], { description: 'PRE_QUEUE: in a sale\'s room before it opens (places are drawn at the opening)' }),
  position: Type.Integer({ minimum: 0, description: '1 = head of the waiting line, 0 = ACTIVE (or PRE_QUEUE: no place yet)' }),
  estimatedWaitSeconds: Type.Integer({ minimum: 0 }),
  issuedAt: IsoDateTime,
  expiresAt: NullableIsoDateTime,
  soldOut: Type.Boolean({ description: 'True when every upcoming schedule is sold out: admission has stopped' }),
  fansAhead: Type.Integer({ minimum: 0, description: 'Fans in line before you (0 when ACTIVE)' }),
  seatsRemaining: Type.Integer({ minimum: 0, description: 'Seats AVAILABLE across the schedules still to come (refreshed every second)' }),
  outlook: StringEnum(['LIKELY', 'UNCERTAIN', 'UNLIKELY', 'SOLD_OUT'], {
    description: 'LIKELY: fewer fans ahead than seats left; UNLIKELY: the fans ahead are 3 or more times the seats left; UNCERTAIN in between; SOLD_OUT: none left',
  }),
  roomId: Type.Union([Type.String(), Type.Null()], { description: 'The sale\'s waiting room of this token; null: the default line' }),
  opensAt: NullableIsoDateTime,
  opensInSeconds: Type.Integer({ minimum: 0, description: 'Seconds until the room opens; 0 once open (and always in the default line)' }),
  entrantId: Type.Union([Type.String(), Type.Null()], { description: 'Your id in the room\'s published entrant list and admission log; null in the default line' }),
});
export type QueueStatus = Static<typeof QueueStatus>;

// Catalogue
export const ConcertSummary = Type.Object({ concertId: Type.String(), title: Type.String(), venue: Type.String() });
export const ConcertList = Type.Object({ concerts: Type.Array(ConcertSummary) });
export const Schedule = Type.Object({
  scheduleId: Type.String(),
  date: CalendarDate,
  startsAt: IsoDateTime,
  bookingOpensAt: IsoDateTime,
  presaleOpensAt: { ...NullableIsoDateTime, description: 'When holders of a presale code may book, before bookingOpensAt; null: no presale' },
  availableSeatCount: Type.Integer({ minimum: 0 }),
  totalSeatCount: Type.Integer({ minimum: 0 }),
  maxSeatsPerFan: Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 1, description: 'Seats one fan may own in this schedule across all bookings; null: no cap' }),
  layoutId: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'The venue layout the schedule was created from (its map: GET /v1/schedules/{scheduleId}/venue); null: seats 1..N' }),
});
export const ScheduleList = Type.Object({ concertId: Type.String(), schedules: Type.Array(Schedule) });
export const Seat = Type.Object({ seatNumber: Type.Integer({ minimum: 1 }), grade: Type.String(), price: Won, status: SeatStatus });
export const SeatMap = Type.Object({
  scheduleId: Type.String(),
  concertId: Type.String(),
  startsAt: IsoDateTime,
  version: Type.Integer({ minimum: 0 }),
  seats: Type.Array(Seat),
});

export const Venue = Type.Object({
  scheduleId: Type.String(),
  layoutId: Type.String(),
  seatCount: Type.Integer({ minimum: 1, description: 'Seat numbers 1..seatCount: the layout\'s seats in order (section, row, seat), then each standing area\'s places' }),
  layout: Type.Unknown({ description: 'The layout as imported (docs/venue-layout.md)' }),
  areas: Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), categoryId: Type.String(),
    firstSeatNumber: Type.Integer({ minimum: 1 }), capacity: Type.Integer({ minimum: 1 }),
  }), { description: 'Standing areas: places firstSeatNumber..firstSeatNumber+capacity-1' }),
});
export const CompactSeatMap = Type.Object({
  scheduleId: Type.String(),
  version: Type.Integer({ minimum: 0 }),
  seatCount: Type.Integer({ minimum: 1 }),
  statusBase64: Type.String({ description: 'Seat number n is entry n-1: 4 entries a byte, entry i in bits 2*(i%4)..2*(i%4)+1 of byte i>>2; 0 available, 1 taken, 2 blocked, 3 held back' }),
  areas: Type.Array(Type.Object({ id: Type.String(), free: Type.Integer({ minimum: 0 }) }), { description: 'Free places per standing area' }),
});

// Reservations
export const SeatLabel = Type.String({ minLength: 1, maxLength: 52, description: 'A seat of a venue layout by section, row and number ("S1-1-12"); a standing place carries its area id' });
export const ReservedSeat = Type.Object({ seatNumber: Type.Integer({ minimum: 1 }), grade: Type.String(), price: Won, label: Type.Optional(SeatLabel) });
export const Reservation = Type.Object({
  reservationId: Type.String(),
  userId: UserId,
  scheduleId: Type.String(),
  concertId: Type.String(),
  seats: Type.Array(ReservedSeat),
  totalPrice: Won,
  status: ReservationStatus,
  heldAt: IsoDateTime,
  holdExpiresAt: IsoDateTime,
  paymentId: Type.Optional(Type.String({ description: 'Set once CONFIRMED' })),
  waitlistOffer: Type.Optional(Type.Literal(true, { description: 'Present on a hold offered from the waitlist: payable without a queue token' })),
  refunds: Type.Optional(Type.Array(Type.Object({
    refundId: Type.String(),
    seatNumbers: Type.Array(Type.Integer({ minimum: 1 })),
    amount: Won,
    reason: RefundReason,
    refundedAt: IsoDateTime,
  }), { description: 'Present once any seat was refunded, oldest first' })),
});
export const ReservationList = Type.Object({ reservations: Type.Array(Reservation) });

// Balance
export const Balance = Type.Object({ userId: UserId, balance: Won });
export const Charge = Type.Object({
  chargeId: Type.String(), userId: UserId, chargedAmount: Won, balance: Won, chargedAt: IsoDateTime,
});
export const LedgerEntry = Type.Object({
  entryId: Type.String(),
  kind: StringEnum(['CHARGE', 'PAYMENT', 'REFUND']),
  amount: Won,
  balanceAfter: Won,
  at: IsoDateTime,
  reference: Type.String(),
});
export const BalanceHistory = Type.Object({ entries: Type.Array(LedgerEntry, { description: 'Newest first' }) });

// Payments
export const Payment = Type.Object({
  paymentId: Type.String(),
  reservationId: Type.String(),
  userId: UserId,
  amount: Won,
  status: Type.Literal('COMPLETED'),
  paidAt: IsoDateTime,
  balanceBefore: Won,
  balanceAfter: Won,
  seats: Type.Array(ReservedSeat),
  queueTokenExpired: Type.Boolean(),
});

// Refunds and cancellations
export const Refund = Type.Object({
  refundId: Type.String(),
  reservationId: Type.String(),
  userId: UserId,
  scheduleId: Type.String(),
  seats: Type.Array(ReservedSeat, { description: 'The seats refunded' }),
  amount: Won,
  reason: RefundReason,
  refundedAt: IsoDateTime,
  balanceAfter: Won,
  reservationStatus: ReservationStatus,
});
export const ScheduleCancellation = Type.Object({
  scheduleId: Type.String(),
  concertId: Type.String(),
  startsAt: IsoDateTime,
  status: StringEnum(['NOT_CANCELLED', 'COMPLETED'], { description: 'COMPLETED: every buyer refunded and every hold released (one atomic step)' }),
  cancelledAt: NullableIsoDateTime,
  reason: Type.Unsafe<string | null>({ type: ['string', 'null'] }),
  bookingsRefunded: Type.Integer({ minimum: 0 }),
  bookingsToRefund: Type.Integer({ minimum: 0 }),
  refundedAmount: Won,
  holdsReleased: Type.Integer({ minimum: 0 }),
});

// Admin
export const CreatedSchedule = Type.Omit(Schedule, ['availableSeatCount']);
export const PresaleCode = Type.Object({
  scheduleId: Type.String(),
  code: Type.String({ description: 'What a fan enters as presaleCode (letters are compared case-insensitively)' }),
  maxUses: Type.Integer({ minimum: 1 }),
  used: Type.Integer({ minimum: 0, description: 'Holds and bookings made with it that count: a hold that ended unpaid gave its use back' }),
  createdAt: IsoDateTime,
  channel: Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'The holdback channel whose seats it opens; null: the presale only' }),
});
export const Holdback = Type.Object({
  scheduleId: Type.String(),
  channel: Type.String(),
  seatNumbers: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Held back for the channel (sold, held or free)' }),
  availableSeatNumbers: Type.Array(Type.Integer({ minimum: 1 }), { description: 'Of those, the ones free now' }),
});
export const ConcertCreated = Type.Object({
  concertId: Type.String(), title: Type.String(), venue: Type.String(), schedules: Type.Array(CreatedSchedule),
});
export const AdminStats = Type.Object({
  queue: Type.Object({
    waiting: Type.Integer({ minimum: 0 }),
    active: Type.Integer({ minimum: 0 }),
    admissionRatePerSecond: Type.Number({ minimum: 0 }),
    soldOut: Type.Boolean(),
  }),
  seats: Type.Object({ available: Type.Integer(), held: Type.Integer(), confirmed: Type.Integer() }),
  reservations: Type.Object({
    held: Type.Integer(), confirmed: Type.Integer(), refunded: Type.Integer(), expired: Type.Integer(), cancelled: Type.Integer(),
  }),
  sales: Type.Object({ payments: Type.Integer(), total: Won, refunds: Type.Integer(), refundedTotal: Won }),
  schedules: Type.Integer(),
  concerts: Type.Integer(),
  rooms: Type.Array(Type.Object({
    roomId: Type.String(), state: StringEnum(['PRE_QUEUE', 'OPEN']), entrants: Type.Integer(), lateArrivals: Type.Integer(),
    preQueue: Type.Integer(), waiting: Type.Integer(), active: Type.Integer(), admitted: Type.Integer(),
  }), { description: 'Each sale\'s room (the default line is queue)' }),
});
