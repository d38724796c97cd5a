/**
 * The booking engine's public surface: everything the contract promises about state, usable without HTTP.
 * Commands resolve only after their change is committed to SQLite (acknowledged means durable).
 * Queries answer from memory.
 */
import type { Result } from './error-codes.js';
import type {
  AdminStatsView, BalanceHistoryView, BalanceView, ChargeView, ConcertCreatedView, ConcertSummaryView,
  CreateConcertInput, PaymentView, QueueStatusView, QueueTokenIssued, RefundView, ReservationStatus, ReservationView,
  ScheduleCancellationView, SchedulesView, SeatMapDelta, SeatMapView, SeatStatus, WaitlistEntryView, WaitlistView, WaitlistDateView, PresaleCodeView, HoldbackView, LayoutView, LayoutDetailView, CompactSeatMapView, VenueView,
  RoomView, CreateRoomInput,
} from './views.js';
import type { ReceiptFields } from '../rooms/fairness/receipt.js';
import type { RoomAudit } from '../rooms/room-actor.js';
import type { CheckinView, ReservationTicketsView, TicketRef } from './tickets.js';
import type {
  DeliveryStatus, EventFeedView, EventJson, EventType, WebhookAttempt, WebhookDeliveryView, WebhookEndpointCreatedView, WebhookEndpointInput,
  WebhookEndpointPatch, WebhookEndpointView, WebhookTarget,
} from './webhooks.js';

export interface EngineLimits {
  holdTtlMs: number;
  queueMaxActive: number;
  queueActiveTtlMs: number;
  queueWaitingIdleMs: number;
  maxSeatsPerReservation: number;
  chargeMax: number;
  balanceMax: number;
  monthlyChargeMax: number;
  /** How long a waitlist offer (a hold in the fan's name) waits for its payment. */
  waitlistOfferTtlMs: number;
  /** Fans one schedule's waitlist holds at most. */
  waitlistMaxEntries: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  holdTtlMs: 300_000,
  queueMaxActive: 100,
  queueActiveTtlMs: 600_000,
  queueWaitingIdleMs: 120_000,
  maxSeatsPerReservation: 4,
  chargeMax: 1_000_000,
  balanceMax: 10_000_000,
  monthlyChargeMax: 5_000_000,
  waitlistOfferTtlMs: 600_000,
  waitlistMaxEntries: 20_000,
};

/** An Idempotency-Key with the hash of the request it came with (method, path and canonical body). */
export interface IdempotencyInput { key: string; requestHash: string }

/** A command's outcome; `replayed` is true when it is the stored answer of an earlier request with the same key. */
export type Outcome<T> = Result<T> & { readonly replayed: boolean };

export type Unsubscribe = () => void;

/** Why a queue token ended: its user left, paid, used up its ACTIVE time, or stopped polling while waiting. */
export type QueueEndReason = 'LEFT' | 'PAID' | 'ACTIVE_EXPIRED' | 'IDLE_DROPPED';

export interface EngineObserver {
  /** A group commit was acknowledged: `durationMs` of transaction (event loop blocked), `acknowledgedMs` until its callers were answered (with the WAL flush). */
  committed(batch: { commands: number; durationMs: number; acknowledgedMs: number }): void;
  holdCreated(seats: number): void;
  holdExpired(seats: number): void;
  holdCancelled(seats: number): void;
  paymentCompleted(amount: number): void;
  queueAdmitted(count: number): void;
  chargeCompleted(amount: number): void;
  /** Outbox events up to this sequence are committed: deliverable. */
  eventsCommitted(throughSeq: number): void;
}

/** Where a cluster node stands in the replicated command log. */
export interface ReplicationStatus {
  nodeId: string;
  /** Whether this node holds the lease and appends to the log. */
  leader: boolean;
  /** Sequence of the last log entry this node's replica applied. */
  appliedSeq: number;
  /** Log time of that entry. */
  appliedAtMs: number;
  /** Terms this node has led since it started. */
  terms: number;
  /** Appends the log refused because another leader had moved it on (fencing). */
  fencedAppends: number;
  /** Commands taken by this node and not yet applied by its replica. */
  commandsInFlight: number;
}

export interface BookingEngine {
  /** True once start() has finished recovery. Until then commands and queries must not be served. */
  readonly ready: boolean;
  /** Recovers state from SQLite (snapshots + journal tail), expires overdue holds, arms timers. */
  start(): Promise<void>;

  // Catalogue
  listConcerts(): ConcertSummaryView[];
  listSchedules(concertId: string, options?: { includeSoldOut?: boolean }): Result<SchedulesView>;
  /** `presaleCode`: a channel code shows its channel's held-back seats as they are (the public sees them RESERVED). */
  getSeatMap(scheduleId: string, options?: { status?: SeatStatus; presaleCode?: string }): Result<SeatMapView>;
  /** The venue of a schedule created from a layout: the layout as imported and how its places are numbered. */
  getVenue(scheduleId: string): Result<VenueView>;
  /** The live map of a venue schedule, 2 bits a seat (a stadium in ~20 KB), answered from memory. */
  getCompactSeatMap(scheduleId: string): Result<CompactSeatMapView>;
  createConcert(input: CreateConcertInput): Promise<Result<ConcertCreatedView>>;
  /** True when the database holds no concert (used to seed the demo catalogue). */
  isEmpty(): boolean;
  /**
   * Seeds the demo catalogue (src/domain/demo-catalogue.ts) into an empty engine: the arena's layout and
   * every concert, decided in one go; returns the concerts created (0 when the engine was not empty).
   */
  seedDemo(): Promise<number>;

  // Waiting room (the default line, and each sale's room: src/rooms)
  /**
   * Joins the line of `target`: a room by id (ROOM_NOT_FOUND), or the room selling a schedule (the default
   * line if it is in none; SCHEDULE_NOT_FOUND), or, with neither, the default line. Asked again: the same token.
   */
  issueQueueToken(userId: string, target?: QueueTarget): Promise<Result<QueueTokenIssued>>;
  /** Answers and counts as presence (the token is not idle-dropped while polled). */
  queueStatus(userId: string, queueToken: string): Result<QueueStatusView>;
  leaveQueue(userId: string, queueToken: string): Promise<Result<null>>;
  /**
   * Ok when the token is this user's and ACTIVE; else QUEUE_TOKEN_INVALID or QUEUE_NOT_ACTIVE. With a
   * schedule, the token must also be of the line selling it (QUEUE_WRONG_ROOM, details.roomId the right one).
   */
  checkQueueAccess(userId: string, queueToken: string, scheduleId?: string): Result<null>;

  // Per-sale waiting rooms (src/rooms; the scheme: docs/fair-queue.md)
  /**
   * A room for some schedules (each in one room at most: ROOM_SCHEDULE_TAKEN), opening at `opensAtMs`: fans
   * who join before are its pre-queue, placed at the opening in the order its committed seed draws.
   * SCHEDULE_NOT_FOUND, VALIDATION_ERROR.
   */
  createRoom(input: CreateRoomInput): Promise<Result<RoomView>>;
  /**
   * Changes a room's admission rate (null: none) and cap on active fans, in effect at its next tick (a second),
   * and, before it opens, its opening time (ROOM_ALREADY_OPEN after). ROOM_NOT_FOUND, VALIDATION_ERROR.
   */
  updateRoom(command: { roomId: string; admissionRatePerMinute?: number | null; maxActive?: number; opensAtMs?: number }): Promise<Result<RoomView>>;
  listRooms(): RoomView[];
  getRoom(roomId: string): Result<RoomView>;
  /** The fields of the caller's receipt of their place (signed by the API). RECEIPT_NOT_AVAILABLE before the opening, for a late arrival, or in the default line. */
  queueReceipt(userId: string, queueToken: string): Result<ReceiptFields>;
  /** The room's entrants, seed and admission log so far (the API signs its head). ROOM_NOT_FOUND, ROOM_NOT_OPEN. */
  roomAudit(roomId: string): Result<RoomAudit>;

  // Reservations
  /**
   * The seats of a hold are named exactly one way: `seatNumbers` (any schedule), or, in a schedule created
   * from a venue layout, `seatLabels`, `bestAvailable` (N adjacent seats, decided inside the schedule's actor
   * so two racing requests never get one seat) or `generalAdmission` (N places of a standing area).
   *
   * `queueToken`: the caller's X-Queue-Token (hold and pay are queue-gated). When given, the engine checks it
   * after the Idempotency-Key lookup: a stored answer replays whatever the token's state is now, and a new
   * command is refused unless the token is this user's and ACTIVE (QUEUE_TOKEN_INVALID / QUEUE_NOT_ACTIVE,
   * as checkQueueAccess); such a refusal is never stored under the key. Omitted, the command is not gated
   * (a library caller that admits its users itself).
   */
  hold(command: HoldCommand): Promise<Outcome<ReservationView>>;
  getReservation(userId: string, reservationId: string): Result<ReservationView>;
  listReservations(userId: string, status?: ReservationStatus): ReservationView[];
  cancelReservation(userId: string, reservationId: string): Promise<Result<ReservationView>>;

  // Wallet
  getBalance(userId: string): BalanceView;
  charge(command: { userId: string; amount: number; idempotency?: IdempotencyInput }): Promise<Outcome<ChargeView>>;
  balanceHistory(userId: string): BalanceHistoryView;

  // Payments
  /**
   * `queueToken` as for hold. A payment ends the payer's token, so only this order (stored answer first,
   * then the token) lets a keyed retry of a payment whose answer was lost get that answer. A waitlist offer
   * is its own admission: it is paid whatever the token, and `null` (a caller who sent none) pays only that.
   */
  pay(command: { userId: string; reservationId: string; idempotency?: IdempotencyInput; queueToken?: string | null }): Promise<Outcome<PaymentView>>;
  getPayment(userId: string, paymentId: string): Result<PaymentView>;

  // Refunds and cancellations
  /**
   * Gives back `seatNumbers` (omitted: every seat still booked) of your CONFIRMED reservation before its
   * schedule's refund cutoff, in one atomic step: the seats become AVAILABLE (a seat-map delta) and their
   * prices go back to your wallet as a REFUND ledger entry; the last seat makes the booking REFUNDED.
   * Refusals: RESERVATION_NOT_FOUND (unknown or another user's), RESERVATION_NOT_CONFIRMED, ALREADY_REFUNDED,
   * SEAT_NOT_IN_RESERVATION, TICKET_ALREADY_USED (a seat admitted at the door), REFUND_CUTOFF_PASSED. Keyed like pay.
   */
  refund(command: { userId: string; reservationId: string; seatNumbers?: number[]; idempotency?: IdempotencyInput }): Promise<Outcome<RefundView>>;
  /**
   * The organiser cancels a schedule, in one atomic step: every HELD reservation CANCELLED, every booking
   * refunded in full (whatever the cutoff), the schedule sells no more and leaves the listings. Asked
   * again, it changes nothing and answers the same. SCHEDULE_NOT_FOUND.
   */
  cancelSchedule(command: { scheduleId: string; reason?: string }): Promise<Result<ScheduleCancellationView>>;
  /** How a schedule's cancellation stands (NOT_CANCELLED, or COMPLETED with its totals). SCHEDULE_NOT_FOUND. */
  getScheduleCancellation(scheduleId: string): Result<ScheduleCancellationView>;

  // Venue layouts (src/venues/)
  /** Validates and keeps an imported layout (docs/venue-layout.md). LAYOUT_INVALID with every error found (up to 100). */
  createLayout(command: { layout: unknown }): Promise<Result<LayoutView>>;
  listLayouts(): LayoutView[];
  getLayout(layoutId: string): Result<LayoutDetailView>;

  // Presales (see src/machines/presale.ts)
  /**
   * A presale code for the schedule, `maxUses` holds (a hold that ends unpaid gives its use back); `code`
   * omitted: one is drawn. SCHEDULE_NOT_FOUND, SCHEDULE_CANCELLED, PRESALE_CODE_EXISTS, VALIDATION_ERROR.
   */
  createPresaleCode(command: { scheduleId: string; code?: string; maxUses: number; channel?: string }): Promise<Result<PresaleCodeView>>;
  listPresaleCodes(scheduleId: string): Result<PresaleCodeView[]>;
  /** The channel's held-back seats become the public's (a seat-map delta; offers to the waitlist if sold out). SCHEDULE_NOT_FOUND, HOLDBACK_NOT_FOUND. */
  releaseHoldback(command: { scheduleId: string; channel: string }): Promise<Result<HoldbackView>>;
  listHoldbacks(scheduleId: string): Result<HoldbackView[]>;

  // Waitlist (after sell-out; see src/machines/waitlist.ts)
  /**
   * Puts the fan on the schedule's waitlist for `quantity` seats together (asked again: the same place,
   * `created` false). SCHEDULE_NOT_FOUND, SCHEDULE_CANCELLED, BOOKING_NOT_OPEN (the show started),
   * PURCHASE_LIMIT_REACHED, WAITLIST_FULL, VALIDATION_ERROR (quantity out of 1..maxSeatsPerReservation).
   */
  joinWaitlist(command: { userId: string; scheduleId: string; quantity: number }): Promise<Result<{ created: boolean; entry: WaitlistEntryView }>>;
  /** SCHEDULE_NOT_FOUND, WAITLIST_ENTRY_NOT_FOUND. An offer already made stays: cancel it as any hold. */
  leaveWaitlist(command: { userId: string; scheduleId: string }): Promise<Result<null>>;
  /** The fan's place on one schedule's list. SCHEDULE_NOT_FOUND, WAITLIST_ENTRY_NOT_FOUND. */
  getWaitlistEntry(userId: string, scheduleId: string): Result<WaitlistEntryView>;
  /** Every list the fan is on, and the offers made to them still open. */
  getWaitlist(userId: string): WaitlistView;
  /** Every date whose waitlist a fan may join (upcoming, not cancelled), soonest first; from memory, built at most once a second. */
  listWaitlistDates(): WaitlistDateView[];
  /** Offers made to this fan, each after its commit (the reservation, HELD with waitlistOffer). */
  subscribeWaitlistOffers(userId: string, listener: (offer: ReservationView) => void): Unsubscribe;

  // Tickets and check-in
  /** The tickets of one of your reservations, one per seat (RESERVATION_NOT_FOUND, RESERVATION_NOT_CONFIRMED unless paid). */
  listTickets(userId: string, reservationId: string): Result<ReservationTicketsView>;
  /**
   * Admits a ticket at the door, once: the first scan is committed, a later one is TICKET_ALREADY_USED with
   * the time of the first; a ticket of an ended booking or seat is TICKET_REVOKED, an unknown one
   * TICKET_INVALID. The ticket's code must have been verified (its signature) before. `scheduleId`: the show
   * the door admits, if it says (a ticket for another is TICKET_WRONG_SCHEDULE).
   */
  checkIn(command: { ticket: TicketRef; scheduleId?: string }): Promise<Result<CheckinView>>;

  // Events and webhooks (admin)
  /**
   * The outbox as a pull feed: events after sequence `after`, oldest first, at most `limit` (1..1000),
   * optionally only some types. Every event was committed with the change it describes.
   */
  listEvents(query: { after: number; limit: number; types?: readonly EventType[] }): EventFeedView;
  createWebhookEndpoint(input: WebhookEndpointInput): Promise<Result<WebhookEndpointCreatedView>>;
  listWebhookEndpoints(): WebhookEndpointView[];
  getWebhookEndpoint(endpointId: string): Result<WebhookEndpointView>;
  updateWebhookEndpoint(command: { endpointId: string; patch: WebhookEndpointPatch }): Promise<Result<WebhookEndpointView>>;
  deleteWebhookEndpoint(command: { endpointId: string }): Promise<Result<null>>;
  /** An endpoint's deliveries, the newest event first (WEBHOOK_ENDPOINT_NOT_FOUND). */
  listWebhookDeliveries(query: { endpointId: string; status?: DeliveryStatus; limit: number }): Result<WebhookDeliveryView[]>;
  /** Sends a PARKED delivery again with a fresh round of attempts (WEBHOOK_DELIVERY_NOT_FOUND, WEBHOOK_DELIVERY_NOT_PARKED). */
  retryWebhookDelivery(command: { endpointId: string; eventSequence: number }): Promise<Result<WebhookDeliveryView>>;

  // Webhook dispatch (the dispatcher's side: src/webhooks)
  /** Every endpoint with its secret and open deliveries (internal: never rendered). */
  webhookTargets(): WebhookTarget[];
  /** One event of the outbox as its JSON (what a delivery sends), if still kept. */
  eventJsonAt(sequence: number): EventJson | undefined;
  /** Sequence and type of the events after `after`, oldest first, at most `limit`: the dispatcher's scan, without the data. */
  eventRefsAfter(after: number, limit: number): Array<{ sequence: number; type: EventType }>;
  /** The outcomes of HTTP attempts: each settles, reschedules or parks its delivery. */
  recordWebhookAttempts(command: { attempts: WebhookAttempt[] }): Promise<Result<null>>;
  /** Every event of the endpoint up to `cursor` was attempted at least once (or is not one it takes). */
  advanceWebhookCursor(command: { endpointId: string; cursor: number }): Promise<Result<null>>;

  // Operations
  stats(): AdminStatsView;
  /** Current server time in ms since the epoch, from the engine's clock. */
  now(): number;

  // Subscriptions: called after the change is committed.
  /** Every committed change batch of the schedule, in version order. Null when the schedule does not exist. */
  subscribeSeatMap(scheduleId: string, listener: (delta: SeatMapDelta) => void): Unsubscribe | null;
  /**
   * Pushes the token's status when its status changes (at once) or its position moves (at most once per
   * queue tick). While subscribed the token counts as present and is never idle-dropped.
   */
  subscribeQueue(
    queueToken: string,
    listener: (status: QueueStatusView) => void,
    onEnded?: (reason: QueueEndReason) => void,
  ): Unsubscribe | null;
  /**
   * Calls `onEnded` once when the token ends (paid, admission expired, left, dropped), after that commit.
   * Unlike subscribeQueue it pushes no status and does not count as presence. Null when the token is not live.
   */
  watchQueueTokenEnd(queueToken: string, onEnded: (reason: QueueEndReason) => void): Unsubscribe | null;
  observe(observer: Partial<EngineObserver>): Unsubscribe;
  /**
   * Read your writes across nodes: null when this engine has every change acknowledged anywhere (always,
   * embedded), else a promise that resolves once it has caught up (bounded; cluster replicas trail the
   * log by milliseconds). Requests wait on it before they read.
   */
  readBarrier?(): Promise<void> | null;
  /** Cluster mode: this node's part in replication (absent on the embedded engine). */
  replication?(): ReplicationStatus;

  /** Flushes pending commits and closes the database. */
  close(): Promise<void>;
}

/** Which line a fan joins: a room by id, or the line selling a schedule; neither: the default line. */
export interface QueueTarget { roomId?: string; scheduleId?: string }

/** "N seats together, in the best category I can afford" (src/venues/best-available.ts). */
export interface BestAvailableInput { quantity: number; maxPriceWon?: number; categoryId?: string; need?: 'WHEELCHAIR'; avoidRestrictedView?: boolean }

export interface HoldCommand {
  userId: string;
  scheduleId: string;
  seatNumbers?: number[];
  seatLabels?: string[];
  bestAvailable?: BestAvailableInput;
  generalAdmission?: { areaId: string; quantity: number };
  idempotency?: IdempotencyInput;
  queueToken?: string;
  presaleCode?: string;
}
