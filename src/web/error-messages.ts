/**
 * A human sentence for every error code of the contract. Typed against the server's closed set of
 * codes, so adding a code there without a message here fails the type check.
 */
import type { ErrorCode } from '../domain/error-codes.js';
import { listSeats } from './format.js';

/** Codes the browser itself produces when there is no contract answer at all. */
export type ClientErrorCode = 'NETWORK_ERROR' | 'UNEXPECTED_RESPONSE';
export type AnyErrorCode = ErrorCode | ClientErrorCode;

type Details = Record<string, unknown> | undefined;

const MESSAGES: Record<AnyErrorCode, (details: Details) => string> = {
  VALIDATION_ERROR: () => 'Something in that request was not accepted. Please check what you entered and try again.',
  INVALID_SEAT: () => 'One of the chosen seats is not on this seat map. Please pick your seats again.',
  SEAT_NOT_IN_RESERVATION: () => 'One of those seats is not part of this booking.',
  INVALID_AMOUNT: () => 'Please enter a whole number of won, more than zero and within the per-charge limit.',
  CHARGE_LIMIT_EXCEEDED: () =>
    "That charge would take your balance, or this month's charges, over the limit. Try a smaller amount.",
  TICKET_INVALID: () => 'This is not a valid ticket of this box office.',
  PURCHASE_LIMIT_REACHED: (details) =>
    `This show allows ${typeof details?.['limit'] === 'number' ? details['limit'] : 'only a few'} seats per fan, and you already have ${typeof details?.['owned'] === 'number' ? details['owned'] : 'some'}. Choose fewer seats.`,
  WEBHOOK_URL_INVALID: () => 'That webhook address is not an http or https URL.',
  WEBHOOK_ENDPOINT_NOT_FOUND: () => 'That webhook endpoint does not exist (any more).',
  WEBHOOK_DELIVERY_NOT_FOUND: () => 'No delivery of that event to that endpoint exists.',
  WEBHOOK_ENDPOINT_LIMIT: () => 'No more webhook endpoints can be added; remove one first.',
  WEBHOOK_DELIVERY_NOT_PARKED: () => 'Only a delivery that ran out of attempts can be sent again.',
  PRESALE_CODE_INVALID: () => 'This show is in its presale: enter the presale code you were sent.',
  PRESALE_CODE_USED_UP: () => 'That presale code has been used as often as it allows.',
  LAYOUT_INVALID: () => 'That venue layout is not valid; the details say where.',
  LAYOUT_NOT_FOUND: () => 'That venue layout does not exist.',
  HOLDBACK_NOT_FOUND: () => 'No seats of this show are held back for that channel.',
  PRESALE_CODE_EXISTS: () => 'That presale code already exists for this show.',
  WAITLIST_ENTRY_NOT_FOUND: () => 'You are not on the waitlist for this show.',
  WAITLIST_FULL: () => 'The waitlist for this show is full: no more fans can join it.',
  QUEUE_WRONG_ROOM: () => 'This show sells through its own waiting room. Join that room to book it.',
  ROOM_NOT_FOUND: () => 'That waiting room does not exist. Check the link you were sent for the sale.',
  ROOM_SCHEDULE_TAKEN: () => 'One of those dates already sells through another waiting room.',
  ROOM_ALREADY_OPEN: () => 'This waiting room has already opened: its opening time can no longer change.',
  ROOM_NOT_OPEN: () => 'This waiting room has not opened yet: its draw is published at the opening.',
  RECEIPT_NOT_AVAILABLE: () => 'Receipts are given to fans who joined before the opening, once the room has opened.',
  UNAUTHENTICATED: () => 'Your sign-in is missing or has expired. Please sign in again.',
  QUEUE_TOKEN_INVALID: () =>
    'Your turn in the waiting room has ended (it expired, you left, or you already paid). Join the line again to continue.',
  INSUFFICIENT_BALANCE: () => 'Your balance does not cover these seats. Add money to your balance, then pay.',
  FORBIDDEN: () => 'That belongs to another account, so it cannot be shown here.',
  QUEUE_NOT_ACTIVE: () => "It is not your turn yet. Please wait in the waiting room; this page moves on by itself.",
  BOOKING_NOT_OPEN: () => 'Booking for this date is not open right now: it opens later, or the show has already started.',
  CONCERT_NOT_FOUND: () => 'That concert is no longer listed. Please choose another one.',
  SCHEDULE_NOT_FOUND: () => 'That date is no longer available. Please choose another date.',
  RESERVATION_NOT_FOUND: () => 'We could not find that seat hold. It may have been made in another session.',
  PAYMENT_NOT_FOUND: () => 'We could not find that payment.',
  NOT_FOUND: () => 'That page or item does not exist.',
  SEAT_UNAVAILABLE: (details) => {
    const seats = Array.isArray(details?.['seatNumbers']) ? (details['seatNumbers'] as number[]) : [];
    return seats.length > 0
      ? `Sorry, seat ${listSeats(seats)} was just taken by someone else. Nothing was held; please adjust your choice.`
      : 'Sorry, one of those seats was just taken by someone else. Nothing was held; please adjust your choice.';
  },
  NOT_ENOUGH_SEATS: (details) => details?.['reason'] === 'NOT_ENOUGH_PLACES'
    ? 'The standing area has fewer places left than you asked for. Nothing was held; try fewer places.'
    : details?.['reason'] === 'NO_CATEGORY_WITHIN_PRICE'
      ? 'No seats are priced within your budget. Nothing was held; raise the budget or pick seats on the map.'
      : 'No block of that many seats together is free right now. Nothing was held; try fewer seats or pick them on the map.',
  SEAT_MAP_TOO_LARGE: () => 'This venue is drawn from its compact map. Please reload the page.',
  HOLD_LIMIT_REACHED: () => 'You already hold seats. Pay for them or release them before holding others.',
  ALREADY_PAID: () => 'These seats are already paid for. Nothing was charged twice.',
  RESERVATION_NOT_HELD: () => 'This hold is no longer active (it was paid, expired or released), so there is nothing to release.',
  IDEMPOTENCY_IN_PROGRESS: () => 'Your earlier request is still being processed. Please wait a moment before trying again.',
  RESERVATION_NOT_CONFIRMED: () => 'Tickets appear once the booking is paid.',
  ALREADY_REFUNDED: () => 'This booking, or one of those seats, was already refunded. Nothing was refunded twice.',
  REFUND_CUTOFF_PASSED: () => 'Refunds for this show have closed: they end a set time before the show starts.',
  TICKET_ALREADY_USED: () => 'This ticket was already used at the door.',
  TICKET_WRONG_SCHEDULE: () => 'This ticket is for another date or show.',
  RESERVATION_EXPIRED: () =>
    'Your hold ran out of time or was released, so the seats went back on sale. Nothing was charged; please pick seats again.',
  SCHEDULE_CANCELLED: () => 'The organiser cancelled this show. Every booking was refunded to its balance.',
  TICKET_REVOKED: () => 'This ticket is no longer valid: its booking was refunded or cancelled.',
  IDEMPOTENCY_KEY_REUSED: () => 'This request clashed with an earlier one. Please try again.',
  RATE_LIMITED: () => 'Too many requests just now. Please wait a few seconds and try again.',
  INTERNAL_ERROR: () => 'Something went wrong on our side. Anything already confirmed is safe; please try again.',
  NOT_READY: () => 'The booking service is starting up. Please try again in a few seconds.',
  NETWORK_ERROR: () => 'Cannot reach the booking service. Check your connection and try again.',
  UNEXPECTED_RESPONSE: () => 'The booking service gave an answer this page does not understand. Please try again.',
};

export function isKnownCode(code: string): code is AnyErrorCode {
  return Object.hasOwn(MESSAGES, code);
}

export function humanMessage(code: AnyErrorCode, details?: Record<string, unknown>): string {
  return MESSAGES[code](details);
}
