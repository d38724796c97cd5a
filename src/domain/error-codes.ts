/**
 * The closed set of outcomes a client can see, each with its HTTP status.
 * The engine returns these codes as values; src/api/errors.ts is the one place that renders them.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: { statusCode: 400, message: 'The request is not valid.' },
  INVALID_SEAT: { statusCode: 400, message: 'Seat numbers must be distinct and within the seat map.' },
  SEAT_NOT_IN_RESERVATION: { statusCode: 400, message: 'A seat to refund is not a seat of this booking, or is named twice.' },
  INVALID_AMOUNT: { statusCode: 400, message: 'The amount must be a positive integer within the charge limit.' },
  CHARGE_LIMIT_EXCEEDED: { statusCode: 400, message: 'The charge would pass the balance or monthly limit.' },
  TICKET_INVALID: { statusCode: 400, message: 'The ticket code is not a ticket of this engine (malformed, forged or unknown).' },
  LAYOUT_INVALID: { statusCode: 400, message: 'The venue layout is not valid: details.errors says where and why.' },
  WEBHOOK_URL_INVALID: { statusCode: 400, message: 'A webhook URL must be an absolute http or https URL without credentials.' },
  UNAUTHENTICATED: { statusCode: 401, message: 'A valid user token is required.' },
  QUEUE_TOKEN_INVALID: { statusCode: 401, message: 'The queue token is missing, unknown, expired or not yours.' },
  INSUFFICIENT_BALANCE: { statusCode: 402, message: 'The balance does not cover the reservation.' },
  FORBIDDEN: { statusCode: 403, message: 'You may not access this resource.' },
  QUEUE_NOT_ACTIVE: { statusCode: 403, message: 'Your queue token is still waiting.' },
  QUEUE_WRONG_ROOM: { statusCode: 403, message: 'This show sells through another waiting room: join that room (details.roomId; null is the default line).' },
  PRESALE_CODE_INVALID: { statusCode: 403, message: 'This show is in its presale: a valid presale code is required.' },
  BOOKING_NOT_OPEN: { statusCode: 403, message: 'Booking is not open for this schedule.' },
  CONCERT_NOT_FOUND: { statusCode: 404, message: 'Concert not found.' },
  SCHEDULE_NOT_FOUND: { statusCode: 404, message: 'Schedule not found.' },
  RESERVATION_NOT_FOUND: { statusCode: 404, message: 'Reservation not found.' },
  PAYMENT_NOT_FOUND: { statusCode: 404, message: 'Payment not found.' },
  WEBHOOK_ENDPOINT_NOT_FOUND: { statusCode: 404, message: 'Webhook endpoint not found.' },
  WEBHOOK_DELIVERY_NOT_FOUND: { statusCode: 404, message: 'No delivery of this event to this endpoint exists.' },
  LAYOUT_NOT_FOUND: { statusCode: 404, message: 'Venue layout not found.' },
  HOLDBACK_NOT_FOUND: { statusCode: 404, message: 'This schedule holds no seats back for that channel.' },
  WAITLIST_ENTRY_NOT_FOUND: { statusCode: 404, message: 'You are not on the waitlist of this show.' },
  ROOM_NOT_FOUND: { statusCode: 404, message: 'Waiting room not found.' },
  NOT_FOUND: { statusCode: 404, message: 'Not found.' },
  SEAT_UNAVAILABLE: { statusCode: 409, message: 'One or more seats are not available.' },
  NOT_ENOUGH_SEATS: { statusCode: 409, message: 'No block of that many seats together is free within your choice (or the area has fewer places left).' },
  SEAT_MAP_TOO_LARGE: { statusCode: 409, message: 'This venue is too large for a seat-by-seat map: read its compact map instead.' },
  HOLD_LIMIT_REACHED: { statusCode: 409, message: 'You already hold a reservation.' },
  PURCHASE_LIMIT_REACHED: { statusCode: 409, message: 'These seats would take you past the most one fan may buy for this show.' },
  ALREADY_PAID: { statusCode: 409, message: 'The reservation is already paid.' },
  RESERVATION_NOT_HELD: { statusCode: 409, message: 'The reservation is not held.' },
  IDEMPOTENCY_IN_PROGRESS: { statusCode: 409, message: 'A request with this Idempotency-Key is still being processed.' },
  RESERVATION_NOT_CONFIRMED: { statusCode: 409, message: 'Tickets exist only for a confirmed (paid) reservation.' },
  ALREADY_REFUNDED: { statusCode: 409, message: 'The booking, or one of these seats, was already refunded.' },
  REFUND_CUTOFF_PASSED: { statusCode: 409, message: 'Refunds for this show closed at its refund cutoff.' },
  TICKET_ALREADY_USED: { statusCode: 409, message: 'The ticket was already used.' },
  WEBHOOK_ENDPOINT_LIMIT: { statusCode: 409, message: 'The engine already has as many webhook endpoints as it allows.' },
  WEBHOOK_DELIVERY_NOT_PARKED: { statusCode: 409, message: 'Only a parked delivery (out of attempts) can be sent again.' },
  PRESALE_CODE_USED_UP: { statusCode: 409, message: 'This presale code has no use left.' },
  PRESALE_CODE_EXISTS: { statusCode: 409, message: 'This schedule already has that presale code.' },
  WAITLIST_FULL: { statusCode: 409, message: 'The waitlist of this show is full.' },
  ROOM_SCHEDULE_TAKEN: { statusCode: 409, message: 'A schedule of this room already sells through another room.' },
  ROOM_ALREADY_OPEN: { statusCode: 409, message: 'The room has opened: its opening time can no longer change.' },
  ROOM_NOT_OPEN: { statusCode: 409, message: 'The room has not opened yet: its seed and log are published from the opening.' },
  RECEIPT_NOT_AVAILABLE: { statusCode: 409, message: 'Receipts are given to the pre-queue\'s entrants once the room has opened (late arrivals are in the published arrival order).' },
  TICKET_WRONG_SCHEDULE: { statusCode: 409, message: 'The ticket is for another show than the one this door admits.' },
  RESERVATION_EXPIRED: { statusCode: 410, message: 'The reservation has expired or was cancelled.' },
  SCHEDULE_CANCELLED: { statusCode: 410, message: 'The organiser cancelled this show: it no longer sells.' },
  TICKET_REVOKED: { statusCode: 410, message: 'The ticket is void: its booking or seat was refunded or cancelled.' },
  IDEMPOTENCY_KEY_REUSED: { statusCode: 422, message: 'This Idempotency-Key was used with a different request.' },
  RATE_LIMITED: { statusCode: 429, message: 'Too many requests.' },
  INTERNAL_ERROR: { statusCode: 500, message: 'Internal server error.' },
  NOT_READY: { statusCode: 503, message: 'The service is starting up.' },
} as const satisfies Record<string, { statusCode: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A refusal: a business outcome, never an exception. */
export interface DomainError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DomainError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, details?: Record<string, unknown>, message?: string): Result<T> {
  const error: DomainError = details === undefined
    ? { code, message: message ?? ERROR_CODES[code].message }
    : { code, message: message ?? ERROR_CODES[code].message, details };
  return { ok: false, error };
}

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].statusCode;
}
