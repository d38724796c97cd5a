/**
 * Every schedule actor and the indexes across them (reservation -> schedule, user -> held reservation,
 * payment -> reservation). A schedule's seats change only here, one batch at a time; each batch raises
 * its version by exactly 1 and is published to subscribers after its commit.
 */
import type { Unsubscribe } from '../domain/engine.js';
import type { ReservationView, SeatChange, SeatMapDelta, SeatView } from '../domain/views.js';
import { evolveSchedule, type Reservation, type ScheduleEvent, type ScheduleState } from '../machines/schedule.js';
import { ENDED_CANCELLED_KEY, ENDED_EXPIRED_KEY, type EndedReservationRow, type Store } from '../persistence/store.js';
import type { PendingChange } from './pending-change.js';
import { cancellationView, compactStatusOf, iso, paymentView, reservationView, seatViews } from './views.js';

/** The seat changes of two events of one batch, each seat once with its latest status, in first-change order. */
function latestPerSeat(earlier: SeatChange[], later: SeatChange[]): SeatChange[] {
  const merged = [...earlier];
  for (const seatChange of later) {
    const index = merged.findIndex((c) => c.seatNumber === seatChange.seatNumber);
    if (index >= 0) merged[index] = seatChange;
    else merged.push(seatChange);
  }
  return merged;
}

/**
 * Reservation ids per user, kept as the id itself while a user has one (most users) and as an array from
 * the second on. A Set per user cost ~150 B of heap for every sale (heap after GC over 100,000 purchases:
 * 561 B a purchase in all, 711 B with a Set per buyer), and the retiring ones were rebuilt after every
 * checkpoint.
 */
type IdsByUser = Map<string, string | string[]>;

/** The ids of `userId` (the map's own array when there are several: read it, do not change it). */
function idsOf(map: IdsByUser, userId: string): readonly string[] {
  const ids = map.get(userId);
  return ids === undefined ? [] : typeof ids === 'string' ? [ids] : ids;
}

function appendId(map: IdsByUser, userId: string, id: string): void {
  const ids = map.get(userId);
  if (ids === undefined) map.set(userId, id);
  else if (typeof ids === 'string') map.set(userId, [ids, id]);
  else ids.push(id);
}

export function scheduleStream(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

/** The outbox event of a schedule event that a platform hears about (holds and creations it does not). */
function publishEvent(state: ScheduleState, event: ScheduleEvent, change: PendingChange): void {
  if (event.type === 'schedule.cancelled') {
    change.publish('schedule.cancelled', event.atMs, { cancellation: cancellationView(state) });
    return;
  }
  if (event.type === 'schedule.created' || isListEvent(event)) return;
  const reservation = state.reservations.get(event.reservationId);
  if (reservation === undefined) return;
  switch (event.type) {
    case 'reservation.held':
      // A hold a fan asked for is theirs to know; an offer is news the platform passes on (an e-mail, a push).
      if (event.offer === true) change.publish('waitlist.offered', event.atMs, { reservation: reservationView(state, reservation) });
      return;
    case 'reservation.confirmed': {
      const payment = paymentView(state, reservation);
      if (payment !== null) change.publish('payment.completed', event.atMs, { payment, reservation: reservationView(state, reservation) });
      return;
    }
    case 'reservation.expired':
    case 'reservation.cancelled':
      change.publish(event.type, event.atMs, { reservation: reservationView(state, reservation) });
      return;
    case 'reservation.refunded': {
      const { refund } = event;
      change.publish('refund.created', event.atMs, {
        refund: {
          refundId: refund.refundId, reservationId: reservation.reservationId, userId: reservation.userId, scheduleId: state.scheduleId,
          seatNumbers: [...refund.seatNumbers], amount: refund.amount, reason: refund.reason, refundedAt: iso(refund.refundedAtMs),
          reservationStatus: reservation.status,
        },
      });
      return;
    }
  }
}

type ListEvent = Extract<ScheduleEvent, { type: 'waitlist.joined' | 'waitlist.left' | 'waitlist.offered' | 'presale.code_created' | 'holdback.released' }>;

/** Events about the schedule's lists, codes and holdbacks, which move no reservation (an offer's hold is the event after it). */
function isListEvent(event: ScheduleEvent): event is ListEvent {
  return event.type === 'waitlist.joined' || event.type === 'waitlist.left' || event.type === 'waitlist.offered'
    || event.type === 'presale.code_created' || event.type === 'holdback.released';
}

export interface ScheduleActor {
  readonly state: ScheduleState;
  readonly subscribers: Set<(delta: SeatMapDelta) => void>;
  /** The seat views of one version: a seat map is read far more often than it changes. */
  seatViewCache: { version: number; seats: SeatView[] } | null;
  /** The compact map of one version (venue schedules only), for the same reason. */
  compactMapCache: { version: number; statusBase64: string } | null;
}

export interface BatchEffects {
  held: Reservation[];
  ended: Reservation[];
  confirmed: Reservation[];
}

export class ScheduleBook {
  readonly actors = new Map<string, ScheduleActor>();
  private readonly reservationToSchedule = new Map<string, string>();
  private readonly heldByUser = new Map<string, string>();
  private readonly confirmedByUser: IdsByUser = new Map();
  private readonly paymentToReservation = new Map<string, string>();
  /** Schedules changed since the last checkpoint. */
  readonly dirty = new Set<string>();
  /**
   * Ended unsold since the last checkpoint: out of their schedule, not yet in the archive table. The
   * journal row of the end is their durable record until the checkpoint moves them to the archive in one
   * go (so the hot path writes no archive row and the checkpoint dirties each archive page once), and a
   * recovery replaying that row puts them back here.
   */
  private readonly retiring = new Map<string, { reservation: Reservation; endedAtMs: number }>();
  private readonly retiringByUser: IdsByUser = new Map();
  /**
   * Reservations that ended without a sale, all time (seeded from the archive's totals at recovery).
   * Once a checkpoint has archived every retiring one, these are the archive's totals too.
   */
  readonly endedCounts = { EXPIRED: 0, CANCELLED: 0 };

  /**
   * `holdSettled`: a HELD reservation was paid or ended, so its deadline no longer matters.
   * `seatsFreedWhileSoldOut`: a live batch freed seats of a schedule that had none AVAILABLE and has a
   * waitlist; called after the batch (in the same change) to offer them (see machines/waitlist.ts).
   */
  constructor(
    private readonly holdSettled: (reservationId: string) => void = () => undefined,
    private readonly seatsFreedWhileSoldOut: (actor: ScheduleActor, change: PendingChange) => void = () => undefined,
  ) {}

  add(state: ScheduleState): ScheduleActor {
    const actor: ScheduleActor = { state, subscribers: new Set(), seatViewCache: null, compactMapCache: null };
    this.actors.set(state.scheduleId, actor);
    for (const reservation of state.reservations.values()) this.index(reservation);
    return actor;
  }

  get(scheduleId: string): ScheduleActor | undefined {
    return this.actors.get(scheduleId);
  }

  reservation(reservationId: string): { actor: ScheduleActor; reservation: Reservation } | undefined {
    const scheduleId = this.reservationToSchedule.get(reservationId);
    const actor = scheduleId === undefined ? undefined : this.actors.get(scheduleId);
    const reservation = actor?.state.reservations.get(reservationId);
    return actor === undefined || reservation === undefined ? undefined : { actor, reservation };
  }

  heldReservationOf(userId: string): { actor: ScheduleActor; reservation: Reservation } | undefined {
    const reservationId = this.heldByUser.get(userId);
    return reservationId === undefined ? undefined : this.reservation(reservationId);
  }

  liveReservationsOf(userId: string): Array<{ actor: ScheduleActor; reservation: Reservation }> {
    const ids = [...idsOf(this.confirmedByUser, userId)];
    const held = this.heldByUser.get(userId);
    if (held !== undefined) ids.push(held);
    return ids.flatMap((id) => {
      const found = this.reservation(id);
      return found === undefined ? [] : [found];
    });
  }

  reservationOfPayment(paymentId: string): { actor: ScheduleActor; reservation: Reservation } | undefined {
    const reservationId = this.paymentToReservation.get(paymentId);
    return reservationId === undefined ? undefined : this.reservation(reservationId);
  }

  /** The schedule's seats as views, built once per version (callers must not mutate them). */
  seatViews(actor: ScheduleActor): SeatView[] {
    const cached = actor.seatViewCache;
    if (cached !== null && cached.version === actor.state.version) return cached.seats;
    const seats = seatViews(actor.state);
    actor.seatViewCache = { version: actor.state.version, seats };
    return seats;
  }

  /** The schedule's compact status (every seat number, 2 bits), built once per version; venue schedules only. */
  compactStatus(actor: ScheduleActor): string {
    const cached = actor.compactMapCache;
    if (cached !== null && cached.version === actor.state.version) return cached.statusBase64;
    const statusBase64 = compactStatusOf(actor.state);
    actor.compactMapCache = { version: actor.state.version, statusBase64 };
    return statusBase64;
  }

  subscribe(scheduleId: string, listener: (delta: SeatMapDelta) => void): Unsubscribe | null {
    const actor = this.actors.get(scheduleId);
    if (actor === undefined) return null;
    actor.subscribers.add(listener);
    return () => {
      actor.subscribers.delete(listener);
    };
  }

  /**
   * Applies one batch of decided events to a schedule. With a `change`, records the journal rows and
   * publishes the delta after the commit; without one (recovery replay) only evolves memory. Either way
   * reservations that ended without a sale leave the schedule for the archive (see `retiring`).
   */
  applyBatch(actor: ScheduleActor, events: ScheduleEvent[], change: PendingChange | null): BatchEffects {
    const state = actor.state;
    const soldOutBefore = state.availableCount === 0;
    let changes: SeatChange[] = [];
    const effects: BatchEffects = { held: [], ended: [], confirmed: [] };
    for (const event of events) {
      const made = evolveSchedule(state, event);
      changes = changes.length === 0 ? made : latestPerSeat(changes, made);
      if (change !== null) publishEvent(state, event, change);
      if (event.type === 'schedule.created' || event.type === 'schedule.cancelled' || isListEvent(event)) continue;
      const reservation = state.reservations.get(event.reservationId);
      if (reservation === undefined) continue;
      // A refunded booking stays in its schedule (and its indexes): its payment and refunds are read from there.
      if (event.type === 'reservation.refunded') continue;
      if (event.type === 'reservation.held') {
        this.index(reservation);
        effects.held.push(reservation);
      } else if (event.type === 'reservation.confirmed') {
        this.index(reservation);
        effects.confirmed.push(reservation);
        this.holdSettled(reservation.reservationId);
      } else {
        effects.ended.push(reservation);
        this.retire(actor, reservation, event.atMs);
        this.holdSettled(reservation.reservationId);
      }
    }
    this.dirty.add(state.scheduleId);
    if (changes.length > 0) state.version += 1;
    // Replay restores the version the batch had live (a batch of several events raised it once).
    const recordedVersion = events[events.length - 1]?.version;
    if (change === null && recordedVersion !== undefined) state.version = recordedVersion;
    if (change !== null) {
      const stream = scheduleStream(state.scheduleId);
      for (const event of events) {
        // Events are decided for this batch alone: each is stamped and journaled as it is.
        event.version = state.version;
        change.record(stream, event);
      }
    }
    if (changes.length === 0 || change === null) return effects;
    const delta: SeatMapDelta = { scheduleId: state.scheduleId, version: state.version, changes };
    change.then(() => {
      for (const listener of actor.subscribers) listener(delta);
    });
    // After this batch's delta is queued, so subscribers see the seats freed, then offered, in version order.
    if (soldOutBefore && state.availableCount > 0 && state.waitlist.length > 0) this.seatsFreedWhileSoldOut(actor, change);
    return effects;
  }

  private index(reservation: Reservation): void {
    this.reservationToSchedule.set(reservation.reservationId, reservation.scheduleId);
    if (reservation.status === 'HELD') this.heldByUser.set(reservation.userId, reservation.reservationId);
    // A refunded booking was paid: it stays listed with its payment (a snapshot brings it back REFUNDED).
    if (reservation.status === 'CONFIRMED' || reservation.status === 'REFUNDED') {
      if (this.heldByUser.get(reservation.userId) === reservation.reservationId) this.heldByUser.delete(reservation.userId);
      // Indexed once: recovery finds a confirmed reservation either in its schedule's snapshot or in a replayed confirmation, never both.
      appendId(this.confirmedByUser, reservation.userId, reservation.reservationId);
      if (reservation.payment !== null) this.paymentToReservation.set(reservation.payment.paymentId, reservation.reservationId);
    }
  }

  /** An EXPIRED or CANCELLED reservation leaves its schedule (keeping it bounded by its seats) for the archive. */
  private retire(actor: ScheduleActor, reservation: Reservation, endedAtMs: number): void {
    if (this.heldByUser.get(reservation.userId) === reservation.reservationId) this.heldByUser.delete(reservation.userId);
    this.reservationToSchedule.delete(reservation.reservationId);
    actor.state.reservations.delete(reservation.reservationId);
    if (reservation.status === 'EXPIRED' || reservation.status === 'CANCELLED') this.endedCounts[reservation.status]++;
    this.retiring.set(reservation.reservationId, { reservation, endedAtMs });
    // A reservation ends once, so its id is appended once.
    appendId(this.retiringByUser, reservation.userId, reservation.reservationId);
  }

  /** An ended reservation not archived yet. */
  retiringView(reservationId: string): ReservationView | undefined {
    const retired = this.retiring.get(reservationId);
    return retired === undefined ? undefined : this.endedView(retired.reservation);
  }

  retiringViewsOf(userId: string): ReservationView[] {
    const views: ReservationView[] = [];
    for (const id of idsOf(this.retiringByUser, userId)) {
      const retired = this.retiring.get(id);
      const view = retired === undefined ? undefined : this.endedView(retired.reservation);
      if (view !== undefined) views.push(view);
    }
    return views;
  }

  /** An ended reservation (retiring, or a row of the archive) as the contract's view, priced by its schedule. */
  endedView(ended: EndedReservationRow | Reservation): ReservationView | undefined {
    const actor = this.actors.get(ended.scheduleId);
    if (actor === undefined) return undefined;
    return reservationView(actor.state, { ...ended, concertId: actor.state.concertId, payment: null, refunds: [] });
  }

  /** At recovery: the archive's totals, which the ends replayed from the journal tail add to. */
  restoreArchivedCounts(store: Store): void {
    this.endedCounts.EXPIRED += Number(store.getMeta(ENDED_EXPIRED_KEY) ?? '0');
    this.endedCounts.CANCELLED += Number(store.getMeta(ENDED_CANCELLED_KEY) ?? '0');
  }

  /** At a checkpoint, inside its transaction: the ended reservations move to the archive table. */
  archiveRetired(store: Store): void {
    if (this.retiring.size === 0) return;
    for (const { reservation, endedAtMs } of this.retiring.values()) {
      const { status } = reservation;
      if (status !== 'EXPIRED' && status !== 'CANCELLED') throw new Error(`retiring a ${status} reservation`);
      store.archiveReservation(reservation as Reservation & { status: typeof status }, endedAtMs);
    }
    // Every reservation that ever ended unsold is archived now: the all-time counts are the archive's.
    store.setMeta(ENDED_EXPIRED_KEY, String(this.endedCounts.EXPIRED));
    store.setMeta(ENDED_CANCELLED_KEY, String(this.endedCounts.CANCELLED));
    this.retiring.clear();
    this.retiringByUser.clear();
  }
}
