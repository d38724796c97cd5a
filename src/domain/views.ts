/**
 * The bodies of the HTTP contract (../shared/contract/API.md), as the engine returns them.
 * Times are ISO 8601 UTC strings, money is integer won. The API layer sends these as they are.
 */
import type { LayoutSummary } from '../venues/layout-summary.js';
export type SeatStatus = 'AVAILABLE' | 'TEMP_RESERVED' | 'RESERVED';
export type ReservationStatus = 'HELD' | 'CONFIRMED' | 'EXPIRED' | 'CANCELLED' | 'REFUNDED';
/** PRE_QUEUE: in a room that has not opened yet (your place is drawn at the opening). */
export type QueueTokenStatus = 'PRE_QUEUE' | 'WAITING' | 'ACTIVE';

export interface ConcertSummaryView { concertId: string; title: string; venue: string }

export interface ScheduleView {
  scheduleId: string;
  date: string; // YYYY-MM-DD of startsAt (UTC)
  startsAt: string;
  bookingOpensAt: string;
  /** When the presale opens to code holders (before bookingOpensAt); null: no presale. */
  presaleOpensAt: string | null;
  availableSeatCount: number;
  totalSeatCount: number;
  /** Seats one fan may own in this schedule across all their bookings; null: no cap. */
  maxSeatsPerFan: number | null;
  /** The venue layout the schedule was created from; null: seats 1..N. */
  layoutId: string | null;
}
export interface SchedulesView { concertId: string; schedules: ScheduleView[] }

export interface SeatView { seatNumber: number; grade: string; price: number; status: SeatStatus }
export interface SeatMapView { scheduleId: string; concertId: string; startsAt: string; version: number; seats: SeatView[] }

/** A standing area of a venue: its places are seat numbers firstSeatNumber..firstSeatNumber+capacity-1. */
export interface VenueAreaView { id: string; name: string; categoryId: string; firstSeatNumber: number; capacity: number }
/** A schedule's venue: the layout as imported (sections, rows, seats, categories with prices) and how it is numbered. */
export interface VenueView { scheduleId: string; layoutId: string; seatCount: number; layout: unknown; areas: VenueAreaView[] }
/**
 * A schedule's live venue map in compact form: every seat number's public status, 2 bits each (0 available,
 * 1 taken, 2 blocked, 3 held back; seat number n is entry n - 1), as base64 (src/venues/seat-map-codec.ts).
 */
export interface CompactSeatMapView { scheduleId: string; version: number; seatCount: number; statusBase64: string; areas: Array<{ id: string; free: number }> }

export interface SeatChange { seatNumber: number; status: SeatStatus }
/** One change batch of a schedule: `version` rises by exactly 1 per batch. */
export interface SeatMapDelta { scheduleId: string; version: number; changes: SeatChange[] }

/** `label` only for a schedule created from a venue layout ("S1-1-12", or a standing area's id). */
export interface ReservedSeatView { seatNumber: number; grade: string; price: number; label?: string }
export interface ReservationView {
  reservationId: string;
  userId: string;
  scheduleId: string;
  concertId: string;
  seats: ReservedSeatView[];
  totalPrice: number;
  status: ReservationStatus;
  heldAt: string;
  holdExpiresAt: string;
  paymentId?: string;
  /** Present on a hold offered from the waitlist (payable without a queue token). */
  waitlistOffer?: true;
  /** Present once any seat was refunded: each refund, oldest first. */
  refunds?: RefundSummaryView[];
}

/** A fan's place on a schedule's waitlist. */
export interface WaitlistEntryView {
  scheduleId: string;
  concertId: string;
  userId: string;
  /** Seats wanted together. */
  quantity: number;
  /** 1 for the first fan on the list. */
  position: number;
  /** Fans on the list in all. */
  length: number;
  joinedAt: string;
}

/**
 * A date a fan may wait for on its waitlist, listed without a queue token: the way out of a line whose odds
 * say the seats will not reach them.
 */
export interface WaitlistDateView {
  scheduleId: string;
  concertId: string;
  title: string;
  venue: string;
  startsAt: string;
  /** No seat AVAILABLE to the public now: freed seats will go to the list. */
  soldOut: boolean;
  /** Fans on its list now. */
  waitlistLength: number;
}

/** The fan's waitlists and the offers made to them that are still open (HELD, before their deadline). */
export interface WaitlistView {
  entries: WaitlistEntryView[];
  offers: ReservationView[];
}

/** Why money went back: the fan cancelled (some of) the booking, or the organiser cancelled the show. */
export type RefundReason = 'USER' | 'SCHEDULE_CANCELLED';
export interface RefundSummaryView { refundId: string; seatNumbers: number[]; amount: number; reason: RefundReason; refundedAt: string }
export interface RefundView {
  refundId: string;
  reservationId: string;
  userId: string;
  scheduleId: string;
  seats: ReservedSeatView[];
  amount: number;
  reason: RefundReason;
  refundedAt: string;
  /** The wallet's balance right after this refund. */
  balanceAfter: number;
  /** CONFIRMED while seats of the booking remain, REFUNDED once none does. */
  reservationStatus: ReservationStatus;
}

/**
 * An organiser's cancellation of a schedule and how far it got. It is one atomic step (a schedule's
 * bookings are bounded by its seats), so a cancelled schedule is always COMPLETED: every buyer refunded,
 * every hold released, in the same commit.
 */
export interface ScheduleCancellationView {
  scheduleId: string;
  concertId: string;
  startsAt: string;
  status: 'NOT_CANCELLED' | 'COMPLETED';
  cancelledAt: string | null;
  reason: string | null;
  bookingsRefunded: number;
  bookingsToRefund: number;
  refundedAmount: number;
  holdsReleased: number;
}

export interface QueueStatusView {
  token: string;
  userId: string;
  status: QueueTokenStatus;
  position: number; // 1 = head of the waiting line, 0 = ACTIVE
  estimatedWaitSeconds: number;
  issuedAt: string;
  expiresAt: string | null;
  soldOut: boolean;
  /** Fans in line before you (0 when ACTIVE). */
  fansAhead: number;
  /** Seats AVAILABLE now across the schedules still to come (refreshed every second). */
  seatsRemaining: number;
  /** Whether those seats can still reach you: see src/machines/odds.ts. */
  outlook: 'LIKELY' | 'UNCERTAIN' | 'UNLIKELY' | 'SOLD_OUT';
  /** The sale's waiting room this token is in; null: the default line (schedules in no room). */
  roomId: string | null;
  /** When the room opens (null: the default line, always open). */
  opensAt: string | null;
  /** Seconds until the room opens; 0 once it has. */
  opensInSeconds: number;
  /** Your id in the room's published entrant list and admission log (null in the default line). */
  entrantId: string | null;
}
/** A sale's waiting room as anyone may read it (src/rooms): the seed only once the room has opened. */
export interface RoomView {
  roomId: string;
  name: string;
  scheduleIds: string[];
  /** The concerts of those schedules (what a fan admitted in the room may choose from). */
  concertIds: string[];
  opensAt: string;
  /** Seconds until the opening; 0 once open. */
  opensInSeconds: number;
  state: 'PRE_QUEUE' | 'OPEN';
  openedAt: string | null;
  /** Fans let in a minute at most; null: only the cap on active fans limits admission. */
  admissionRatePerMinute: number | null;
  /** Fans admitted (ACTIVE) at once at most. */
  maxActive: number;
  /** Hex SHA-256 of the seed, published from the room's creation. */
  commitment: string;
  /** Hex seed of the pre-queue's order, revealed at the opening (null before). */
  seed: string | null;
  /** The pre-queue's entrants (before the opening: so far). */
  entrants: number;
  /** Fans who joined after the opening. */
  lateArrivals: number;
  /** Fans in the pre-queue now (before the opening). */
  preQueue: number;
  /** Fans waiting in line now (after the opening). */
  waiting: number;
  active: number;
  /** Admissions so far (entries of the admission log). */
  admitted: number;
  /** Seats AVAILABLE across the room's upcoming schedules. */
  seatsRemaining: number;
  soldOut: boolean;
}
export interface CreateRoomInput {
  name: string;
  scheduleIds: string[];
  opensAtMs: number;
  admissionRatePerMinute?: number | null;
  maxActive?: number;
}

export interface QueueTokenIssued { created: boolean; status: QueueStatusView }

export interface BalanceView { userId: string; balance: number }
export interface ChargeView { chargeId: string; userId: string; chargedAmount: number; balance: number; chargedAt: string }
export type LedgerEntryKind = 'CHARGE' | 'PAYMENT' | 'REFUND';
export interface LedgerEntryView { entryId: string; kind: LedgerEntryKind; amount: number; balanceAfter: number; at: string; reference: string }
export interface BalanceHistoryView { entries: LedgerEntryView[] }

export interface PaymentView {
  paymentId: string;
  reservationId: string;
  userId: string;
  amount: number;
  status: 'COMPLETED';
  paidAt: string;
  balanceBefore: number;
  balanceAfter: number;
  seats: ReservedSeatView[];
  queueTokenExpired: boolean;
}

export interface GradeInput { grade: string; from: number; to: number; price: number }
export interface SeatMapInput { seatCount: number; grades: GradeInput[] }
export interface ScheduleInput { startsAt: string; bookingOpensAt?: string; presaleOpensAt?: string; holdbacks?: Array<{ channel: string; seatNumbers: number[] }>; refundCutoffHours?: number; maxSeatsPerFan?: number; seatMap?: SeatMapInput; layoutId?: string }
export interface CreateConcertInput { title: string; venue: string; schedules: ScheduleInput[] }
export interface CreatedScheduleView { scheduleId: string; date: string; startsAt: string; bookingOpensAt: string; presaleOpensAt: string | null; totalSeatCount: number; maxSeatsPerFan: number | null; layoutId: string | null }

/** An imported venue layout as the organiser reads it back (src/venues/layout-summary.ts), by id. */
export type LayoutView = { layoutId: string; createdAt: string } & LayoutSummary;
/** One layout with the JSON it was imported as. */
export type LayoutDetailView = LayoutView & { layout: unknown };

/** A presale code of a schedule, for the organiser. */
export interface PresaleCodeView { scheduleId: string; code: string; maxUses: number; used: number; createdAt: string; channel: string | null }

/** Seats a schedule holds back for one channel, for the organiser. */
export interface HoldbackView { scheduleId: string; channel: string; seatNumbers: number[]; availableSeatNumbers: number[] }
export interface ConcertCreatedView { concertId: string; title: string; venue: string; schedules: CreatedScheduleView[] }

export interface AdminStatsView {
  queue: { waiting: number; active: number; admissionRatePerSecond: number; soldOut: boolean };
  seats: { available: number; held: number; confirmed: number };
  /** `confirmed`: paid and not refunded in full; `refunded`: paid, then refunded in full. */
  reservations: { held: number; confirmed: number; refunded: number; expired: number; cancelled: number };
  /** `total`: every payment's amount; `refundedTotal`: what refunds gave back (of some seats or all). */
  sales: { payments: number; total: number; refunds: number; refundedTotal: number };
  schedules: number;
  concerts: number;
  /** Each sale's room (the default line is `queue`): its state and its fans, by where they stand. */
  rooms: Array<{ roomId: string; state: 'PRE_QUEUE' | 'OPEN'; entrants: number; lateArrivals: number; preQueue: number; waiting: number; active: number; admitted: number }>;
}
