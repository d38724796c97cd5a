/**
 * What the platform around the engine hears: events written to the outbox in the commit of the change
 * they describe, delivered to the organiser's webhook endpoints and readable as a pull feed.
 */
import type { CheckinView } from './tickets.js';
import type { PaymentView, ReservationView, RoomView, ScheduleCancellationView } from './views.js';

/** The closed set of event types, in the order the reference lists them. */
export const EVENT_TYPES = [
  'payment.completed',
  'reservation.expired',
  'reservation.cancelled',
  'refund.created',
  'schedule.cancelled',
  'checkin.accepted',
  'waitlist.offered',
  'room.opened',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/** A refund as an event tells it: the refund view without the wallet's balance (a platform's business, not the fan's). */
export interface RefundEventView {
  refundId: string;
  reservationId: string;
  userId: string;
  scheduleId: string;
  seatNumbers: number[];
  amount: number;
  reason: 'USER' | 'SCHEDULE_CANCELLED';
  refundedAt: string;
  reservationStatus: ReservationView['status'];
}

/** Each type's `data`. */
export interface EventData {
  'payment.completed': { payment: PaymentView; reservation: ReservationView };
  'reservation.expired': { reservation: ReservationView };
  'reservation.cancelled': { reservation: ReservationView };
  'refund.created': { refund: RefundEventView };
  'schedule.cancelled': { cancellation: ScheduleCancellationView };
  'checkin.accepted': { checkin: CheckinView };
  'waitlist.offered': { reservation: ReservationView };
  /** A sale's room opened: its seed revealed and its pre-queue placed (the room as it stands at the opening). */
  'room.opened': { room: RoomView };
}

/** One event as delivered and as the feed lists it. `id` is `evt_<sequence>`; `sequence` orders them. */
export interface EventView {
  id: string;
  sequence: number;
  type: EventType;
  createdAt: string;
  data: unknown;
}

/** An event as a delivery's body: the JSON of its EventView, made from the stored row without parsing it. */
export interface EventJson { id: string; body: string }

export interface EventFeedView {
  events: EventView[];
  /** Pass as `after` for the next page; equal to the request's `after` when nothing new was there. */
  nextAfter: number;
}

export function eventId(sequence: number): string {
  return `evt_${sequence}`;
}

/** `evt_12` or `12` -> 12; anything else -> null. */
export function eventSequenceOf(id: string): number | null {
  const match = /^(?:evt_)?(\d{1,15})$/.exec(id);
  return match === null ? null : Number(match[1]);
}

export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'PARKED';

export interface WebhookEndpointInput { url: string; events: EventType[]; description?: string }
export interface WebhookEndpointPatch { url?: string; events?: EventType[]; description?: string; enabled?: boolean }

export interface WebhookEndpointView {
  endpointId: string;
  url: string;
  events: EventType[];
  description: string;
  enabled: boolean;
  createdAt: string;
  /** Every event up to this sequence has been attempted (or is not one this endpoint takes). */
  deliveredThrough: number;
  /** Deliveries waiting for a retry, and deliveries that ran out of attempts. */
  pendingDeliveries: number;
  parkedDeliveries: number;
}

/** Only the answer to its creation carries the signing secret. */
export interface WebhookEndpointCreatedView extends WebhookEndpointView { secret: string }

export interface WebhookDeliveryView {
  endpointId: string;
  eventId: string;
  eventType: EventType;
  status: DeliveryStatus;
  attempts: number;
  lastAttemptAt: string;
  nextAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
}

/** One HTTP attempt's outcome, as the dispatcher reports it. */
export interface WebhookAttempt {
  endpointId: string;
  eventSequence: number;
  /** The receiver answered 2xx. */
  delivered: boolean;
  statusCode: number | null;
  /** Why it failed, in a few words (never the receiver's body). */
  error: string | null;
}

/** What the dispatcher needs to deliver to one endpoint (internal: carries the secret). */
export interface WebhookTarget {
  endpointId: string;
  url: string;
  events: ReadonlySet<EventType>;
  secret: string;
  enabled: boolean;
  cursor: number;
  /** Deliveries attempted after the cursor, and retries waiting anywhere: sequence -> state. */
  open: ReadonlyMap<number, { status: DeliveryStatus; nextAttemptAtMs: number }>;
  pendingCount: number;
}

export interface WebhookRetryPolicy {
  /** Attempts before a delivery is PARKED. */
  maxAttempts: number;
  /** Delay before attempt n+1 after n failures (the last one repeats). */
  retryDelaysMs: readonly number[];
  /** Retries an endpoint may have waiting before its new events wait too (a dead receiver costs nothing). */
  maxPendingPerEndpoint: number;
}

const MINUTE_MS = 60_000;

export const DEFAULT_WEBHOOK_RETRY: WebhookRetryPolicy = {
  maxAttempts: 10,
  retryDelaysMs: [5_000, 30_000, 2 * MINUTE_MS, 10 * MINUTE_MS, 30 * MINUTE_MS, 60 * MINUTE_MS, 2 * 60 * MINUTE_MS, 4 * 60 * MINUTE_MS, 8 * 60 * MINUTE_MS],
  maxPendingPerEndpoint: 100,
};
