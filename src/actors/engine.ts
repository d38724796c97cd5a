/**
 * The engine facade: routes each command to the actors that own its state, evolves memory at decide
 * time, and answers only after the group commit has made the change durable.
 *
 * Mailbox: JavaScript runs one thing at a time and every decide/evolve step here is synchronous (no
 * await between the checks and the changes), so each actor's commands are applied one at a time in
 * arrival order without locks; what waits is the acknowledgement, queued behind the commit.
 */
import pino from 'pino';
import type { BookingEngine, HoldCommand, QueueTarget, EngineLimits, EngineObserver, IdempotencyInput, Outcome, QueueEndReason, Unsubscribe } from '../domain/engine.js';
import { fail, ok, type Result } from '../domain/error-codes.js';
import type {
  AdminStatsView, BalanceHistoryView, BalanceView, ChargeView, ConcertCreatedView, ConcertSummaryView, CreateConcertInput,
  PaymentView, QueueStatusView, QueueTokenIssued, RefundView, ReservationStatus, ReservationView, ScheduleCancellationView, SchedulesView,
  SeatMapDelta, SeatMapView, SeatStatus, WaitlistEntryView, WaitlistView, PresaleCodeView, HoldbackView, LayoutView, LayoutDetailView,
  CompactSeatMapView, VenueView, WaitlistDateView, RoomView, CreateRoomInput,
} from '../domain/views.js';
import { demoArenaLayout } from '../venues/demo-layouts.js';
import { demoCatalogue } from '../domain/demo-catalogue.js';
import { freePlaces, resolveSelection, selectionField, selectionOf, selectionSize } from '../machines/schedule-venue.js';
import { decideJoinWaitlist, decideLeaveWaitlist, decideOffers, waitlistPosition } from '../machines/waitlist.js';
import { decideCreatePresaleCode, decideReleaseHoldback, normalizePresaleCode } from '../machines/presale.js';
import { LayoutStore } from '../persistence/layout-store.js';
import { LayoutBook } from './layout-book.js';
import { createSchedule, decideHold, refusalForSettled, seatAt, type ScheduleEvent, type ScheduleState } from '../machines/schedule.js';
import { BUSY_TIMEOUT_MS, openDatabase, syncWalOffLoop, type SqliteDatabase } from '../persistence/database.js';
import { GroupCommitter } from '../persistence/group-commit.js';
import type { DurableSync } from '../persistence/wal-sync.js';
import { startQueueLoad, type QueueLoad } from '../persistence/queue-load.js';
import { recover, type RecoveryTarget } from '../persistence/recovery.js';
import { Store } from '../persistence/store.js';
import { WalCheckpointer } from '../persistence/wal-checkpointer.js';
import { SystemClock, type Clock } from './clock.js';
import { Checkpoints } from './checkpoints.js';
import { CommandRunner } from './command-runner.js';
import { MAX_SEATS_PER_SCHEDULE, validateConcert } from './concert-validation.js';
import type { EngineOptions } from './engine-options.js';
import { timeOrderedId, timeOrderedSecret } from './ids.js';
import { HoldTimers, type HoldDeadline } from './hold-timers.js';
import { Observers } from './observers.js';
import { engineStats } from './stats.js';
import { PendingChange } from './pending-change.js';
import { decidePayment } from './payment.js';
import { QueueActor } from './queue-actor.js';
import { ROOM_TOKEN_PREFIX, RoomBook } from '../rooms/room-book.js';
import type { RoomActor, RoomAudit } from '../rooms/room-actor.js';
import type { ReceiptFields } from '../rooms/fairness/receipt.js';
import { commitmentOf, newSeed } from '../rooms/fairness/fair-order.js';
import { RoomStore } from '../persistence/room-store.js';
import { validateRoomInput, validateRoomLimits } from '../rooms/room-validation.js';
import { RandomPool } from './random-pool.js';
import { ScheduleBook, type ScheduleActor } from './schedule-book.js';
import { decideCancellationStep, decideRefundStep, type RefundContext } from './refunds.js';
import { cancellationView, holdbackViews, iso, paymentView, presaleCodeView, reservationView, scheduleView } from './views.js';
import { WalletBook } from './wallet-book.js';
import { CheckinBook, type TicketReservation } from './checkin-book.js';
import type { CheckinView, ReservationTicketsView, TicketRef } from '../domain/tickets.js';
import { CheckinStore } from '../persistence/checkin-store.js';
import { OutboxStore } from '../persistence/outbox-store.js';
import { Retention } from '../persistence/retention.js';
import { WebhookBook, deliveryView } from './webhook-book.js';
import {
  DEFAULT_WEBHOOK_RETRY, eventId, type DeliveryStatus, type EventFeedView, type EventJson, type EventType, type EventView, type WebhookAttempt,
  type WebhookDeliveryView, type WebhookEndpointCreatedView, type WebhookEndpointInput, type WebhookEndpointPatch, type WebhookEndpointView,
  type WebhookTarget,
} from '../domain/webhooks.js';
import type { OutboxRow } from '../persistence/outbox-store.js';

const DEFAULT_WAL_CHECKPOINT_INTERVAL_MS = 1_000;
const HISTORY_LIMIT = 1_000;
const ARCHIVE_LIST_LIMIT = 1_000;
const EVENT_PAGE_LIMIT = 1_000;
const SEATS_REMAINING_REFRESH_MS = 1_000;
const DELIVERY_LIST_LIMIT = 1_000;
const MAX_PRESALE_CODES = 10_000;
const MAX_PRESALE_CODE_USES = 100_000;
/** Drawn codes: no 0/O or 1/I to misread from an e-mail. */
const PRESALE_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A code like K7QP2-XM4TA: 50 bits, read aloud or typed without confusion. */
function drawPresaleCode(random: (size: number) => Buffer): string {
  const bytes = random(10);
  let code = '';
  for (let i = 0; i < 10; i++) code += (i === 5 ? '-' : '') + PRESALE_CODE_ALPHABET[(bytes[i] ?? 0) % PRESALE_CODE_ALPHABET.length];
  return code;
}

interface Concert { concertId: string; title: string; venue: string; scheduleIds: string[] }

function eventView(row: OutboxRow): EventView {
  return { id: eventId(row.seq), sequence: row.seq, type: row.type as EventType, createdAt: iso(row.at_ms), data: JSON.parse(row.data) as unknown };
}

export function createEngine(options: EngineOptions): BookingEngine {
  return new Engine(options);
}

/** The embedded engine as a cluster node runs it: a replica fed by the command log (see src/cluster). */
export interface ReplicaEngine extends BookingEngine {
  /** Presence reported through the log: each live token counts as seen now (the log's time). */
  touchQueueTokens(tokens: readonly string[]): void;
}

export function createReplicaEngine(options: EngineOptions): ReplicaEngine {
  return new Engine({ ...options, replicatedPresence: true });
}

class Engine implements ReplicaEngine {
  private readonly clock: Clock;
  private readonly limits: EngineLimits;
  private readonly logger: pino.Logger;
  private readonly random: (size: number) => Buffer;
  private readonly db: SqliteDatabase;
  private readonly store: Store;
  private readonly committer: GroupCommitter;
  /** FULL durability's WAL flush, run off the event loop by the group commit (null: NORMAL, or in memory). */
  private readonly walSync: DurableSync | null;
  private readonly checkpointer: WalCheckpointer | null;
  private readonly runner: CommandRunner;
  private readonly checkpoints: Checkpoints;
  private readonly concerts = new Map<string, Concert>();
  private readonly schedules = new ScheduleBook(
    (reservationId) => this.holdTimers.settle(reservationId),
    (actor, change) => this.offerFreedSeats(actor, change),
  );
  /** Per fan, who hears of the waitlist offers made to them (the waitlist socket). */
  private readonly offerListeners = new Map<string, Set<(offer: ReservationView) => void>>();
  private readonly wallets: WalletBook;
  private readonly queue: QueueActor;
  /** The per-sale waiting rooms; schedules in none are the default line's (`queue`). */
  private readonly rooms: RoomBook;
  private readonly holdTimers: HoldTimers;
  private readonly observers = new Observers();
  private readonly checkins: CheckinBook;
  private readonly outbox: OutboxStore;
  private readonly layouts: LayoutBook;
  private readonly webhooks: WebhookBook;
  /** The waiting room being read for recovery since construction (in a worker when it is big). */
  private readonly queueLoad: QueueLoad;
  private soldOutNow = false;
  /** The last list of waitlist dates and when it was made (see listWaitlistDates). */
  private waitlistDates: { atMs: number; dates: WaitlistDateView[] } | null = null;
  private seatsRemainingNow = 0;
  /** When seatsRemainingNow was summed; -Infinity after the catalogue changed (a schedule added or cancelled). */
  private seatsRemainingAtMs = Number.NEGATIVE_INFINITY;
  private readonly replicatedPresence: boolean;
  private starting: Promise<void> | null = null;
  private started = false;
  private closed = false;

  constructor(options: EngineOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.limits = options.limits;
    this.replicatedPresence = options.replicatedPresence ?? false;
    this.logger = options.logger ?? pino({ level: 'silent' });
    const pool = new RandomPool();
    this.random = options.randomBytes ?? ((size) => pool.bytes(size));
    const durability = options.durability ?? 'FULL';
    this.db = openDatabase(options.dbPath, durability);
    // FULL on a file: the WAL is flushed off the event loop by the group commit (see wal-sync.ts).
    this.walSync = durability === 'FULL' && options.dbPath !== ':memory:' ? syncWalOffLoop(this.db, options.dbPath) : null;
    this.store = new Store(this.db);
    this.checkins = new CheckinBook(new CheckinStore(this.db));
    this.outbox = new OutboxStore(this.db);
    this.layouts = new LayoutBook(new LayoutStore(this.db));
    this.webhooks = new WebhookBook(this.outbox, options.webhookRetry ?? DEFAULT_WEBHOOK_RETRY);
    const checkpointIntervalMs = options.walCheckpointIntervalMs ?? DEFAULT_WAL_CHECKPOINT_INTERVAL_MS;
    this.checkpointer = options.dbPath === ':memory:' || checkpointIntervalMs <= 0
      ? null
      : new WalCheckpointer({
        dbPath: options.dbPath, durability, intervalMs: checkpointIntervalMs, logger: this.logger,
        rewind: () => this.rewindWal(), rewindAfterPages: options.walRewindAfterPages,
      });
    const onFatal = options.onFatal ?? ((error: unknown) => {
      this.logger.fatal({ err: error }, 'commit failed: stopping (fail-stop); restart recovers the last committed state');
      process.exit(1);
    });
    this.committer = new GroupCommitter(this.db, this.store, {
      beforeCommit: (store) => this.checkpoints.beforeCommit(store),
      afterCommit: (batch) => this.observers.emit('committed', { commands: batch.units, durationMs: batch.durationMs, acknowledgedMs: batch.acknowledgedMs }),
      onCallbackError: (error) => this.logger.error({ err: error }, 'post-commit callback failed'),
      onFatal: (error) => {
        this.stopTimers();
        onFatal(error);
      },
    }, this.walSync);
    this.runner = new CommandRunner(
      this.committer, this.store, this.outbox, this.clock, this.logger, () => this.ready,
      (throughSeq) => this.observers.emit('eventsCommitted', throughSeq),
    );
    this.wallets = new WalletBook(this.limits);
    this.holdTimers = new HoldTimers(this.clock, (due) => this.expireDue(due));
    this.queue = new QueueActor({
      clock: this.clock,
      limits: { maxActive: this.limits.queueMaxActive, activeTtlMs: this.limits.queueActiveTtlMs, idleMs: this.limits.queueWaitingIdleMs },
      newToken: () => timeOrderedSecret(this.clock.now(), this.random),
      soldOut: () => this.soldOutNow,
      seatsRemaining: () => this.seatsRemaining(),
      commit: (change) => this.runner.submitDetached(change),
      newChange: () => new PendingChange(),
      onAdmitted: (count) => this.observers.emit('queueAdmitted', count),
      trackPresence: !this.replicatedPresence,
    });
    this.rooms = new RoomBook(new RoomStore(this.db), {
      clock: this.clock,
      activeTtlMs: this.limits.queueActiveTtlMs,
      idleMs: this.limits.queueWaitingIdleMs,
      // A room's tokens are named after it (room-book.ts), so a token finds its line at once.
      newSecret: () => timeOrderedSecret(this.clock.now(), this.random),
      seats: (scheduleIds) => this.roomSeats(scheduleIds),
      concertsOf: (scheduleIds) => [...new Set(scheduleIds.flatMap((id) => {
        const concertId = this.schedules.get(id)?.state.concertId;
        return concertId === undefined ? [] : [concertId];
      }))],
      commit: (change) => this.runner.submitDetached(change),
      newChange: () => new PendingChange(),
      onAdmitted: (count) => this.observers.emit('queueAdmitted', count),
      trackPresence: !this.replicatedPresence,
    });
    this.checkpoints = new Checkpoints(this.clock, this.runner, this.schedules, this.queue.room, new Retention(this.outbox));
    // Started now so that reading a big waiting room overlaps whatever the caller does before start().
    this.queueLoad = startQueueLoad(this.store, options.dbPath, options.queueLoadOffThreadMinTokens);
  }

  get ready(): boolean {
    return this.started && !this.closed && !this.committer.stopped;
  }

  now(): number {
    return this.clock.now();
  }

  // ---------------------------------------------------------------- lifecycle

  start(): Promise<void> {
    this.starting ??= this.recoverAndStart();
    return this.starting;
  }

  private async recoverAndStart(): Promise<void> {
    const startedAt = performance.now();
    const nowMs = this.clock.now();
    const report = await recover(this.store, this.recoveryTarget(nowMs), nowMs, this.queueLoad);
    // Closed while the waiting room was being read: nothing was written, and nothing will be.
    if (this.closed) return;
    // Synced meanwhile on the thread pool; a directory that cannot be synced fails the start, not a later commit.
    await this.walSync?.ready();
    if (this.closed) return;
    this.runner.journalSeq = report.lastSeq;
    this.checkpoints.restored(this.store);
    this.queue.restoreAdmissionRate(this.store);
    const roomTokens = this.rooms.restore(nowMs, this.store);
    this.schedules.restoreArchivedCounts(this.store);
    this.checkins.restore();
    this.runner.outboxSeq = this.outbox.maxSeq();
    this.webhooks.restore();
    this.started = true;
    this.refreshSoldOut();
    // Holds whose deadline passed while the server was down expire now, through the journal.
    this.holdTimers.fireDue();
    this.queue.start();
    this.rooms.start();
    await this.committer.drain();
    this.logger.info({ ...report, rooms: this.rooms.size, roomTokens, recoveryMs: Math.round(performance.now() - startedAt) }, 'engine recovered');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Not ready from here on: a command arriving while the last batches drain is refused, not stranded.
    this.closed = true;
    this.stopTimers();
    // A recovery in progress finishes first (it stops before writing anything); one never begun is stopped.
    if (this.starting === null) await this.queueLoad.cancel();
    else await this.starting.catch(() => undefined);
    await this.committer.drain();
    // The final checkpoint describes recovered state only: an engine closed before recovery writes none.
    if (this.started && !this.committer.stopped && this.db.open) {
      this.db.transaction(() => this.checkpoints.beforeCommit(this.store, true))();
      this.walSync?.syncNow();
    }
    this.walSync?.close();
    await this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  /**
   * Asked by the WAL checkpointer, between transactions, once a PASSIVE checkpoint has copied back a big
   * WAL: a RESTART copies the few frames written since and makes the next write start the WAL from its
   * head. It never waits for a lock on the event loop: held elsewhere, it gives up until the next checkpoint.
   */
  private rewindWal(): void {
    if (!this.ready || this.db.inTransaction) return;
    this.db.pragma('busy_timeout = 0');
    try {
      this.db.pragma('wal_checkpoint(RESTART)');
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  private stopTimers(): void {
    this.queue.stop();
    this.rooms.stop();
    this.holdTimers.stop();
  }

  private recoveryTarget(nowMs: number): RecoveryTarget {
    return {
      addConcert: (concertId, title, venue) => this.concerts.set(concertId, { concertId, title, venue, scheduleIds: [] }),
      addSchedule: (state) => this.addSchedule(state),
      planOf: (layoutId) => this.layouts.mustPlanOf(layoutId),
      replaySchedule: (event) => {
        if (event.type === 'schedule.created') {
          this.addSchedule(createSchedule(event, event.layoutId === undefined ? undefined : this.layouts.mustPlanOf(event.layoutId)));
          this.schedules.dirty.add(event.scheduleId);
          return;
        }
        const actor = this.schedules.get(event.scheduleId);
        if (actor === undefined) throw new Error(`journal names unknown schedule ${event.scheduleId}`);
        const effects = this.schedules.applyBatch(actor, [event], null);
        for (const r of effects.held) this.holdTimers.add({ deadlineMs: r.holdExpiresAtMs, scheduleId: r.scheduleId, reservationId: r.reservationId });
      },
      restoreWallet: (userId, balance, month, charged) => this.wallets.restore(userId, balance, month, charged),
      beginQueueRestore: () => this.queue.room.beginRestore(nowMs),
    };
  }

  private addSchedule(state: ScheduleState): ScheduleActor {
    const actor = this.schedules.add(state);
    this.concerts.get(state.concertId)?.scheduleIds.push(state.scheduleId);
    for (const reservation of state.reservations.values()) {
      if (reservation.status === 'HELD') this.holdTimers.add({ deadlineMs: reservation.holdExpiresAtMs, scheduleId: state.scheduleId, reservationId: reservation.reservationId });
    }
    return actor;
  }

  // ---------------------------------------------------------------- commit plumbing

  private newId(prefix: string): string {
    return timeOrderedId(prefix, this.clock.now(), this.random);
  }

  // ---------------------------------------------------------------- catalogue

  isEmpty(): boolean {
    return this.concerts.size === 0;
  }

  listConcerts(): ConcertSummaryView[] {
    // Creation order, which recovery restores (the concerts' `position`).
    return [...this.concerts.values()].map(({ concertId, title, venue }) => ({ concertId, title, venue }));
  }

  listSchedules(concertId: string, options: { includeSoldOut?: boolean } = {}): Result<SchedulesView> {
    const concert = this.concerts.get(concertId);
    if (concert === undefined) return fail('CONCERT_NOT_FOUND', { concertId });
    const nowMs = this.clock.now();
    const schedules = concert.scheduleIds
      .map((id) => this.schedules.get(id)?.state)
      .filter((s): s is ScheduleState => s !== undefined && s.cancellation === null && s.startsAtMs > nowMs && (options.includeSoldOut === true || s.availableCount > 0))
      .sort((a, b) => a.startsAtMs - b.startsAtMs)
      .map(scheduleView);
    return ok({ concertId, schedules });
  }

  getSeatMap(scheduleId: string, options: { status?: SeatStatus; presaleCode?: string } = {}): Result<SeatMapView> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
    const state = actor.state;
    // A seat object per seat, rebuilt every version, would make every read of a stadium cost megabytes.
    if (state.seats.length > MAX_SEATS_PER_SCHEDULE) {
      return fail('SEAT_MAP_TOO_LARGE', { seatCount: state.seats.length, max: MAX_SEATS_PER_SCHEDULE, compactMap: `/v1/schedules/${scheduleId}/venue/map` });
    }
    const channel = options.presaleCode === undefined ? null : state.presaleCodes.get(normalizePresaleCode(options.presaleCode))?.channel ?? null;
    // The public map is built once per version; a channel's own view (a few holders) is built when asked.
    const all = channel === null
      ? this.schedules.seatViews(actor)
      : this.schedules.seatViews(actor).map((seat) => (state.heldBack.get(seat.seatNumber) === channel ? { ...seat, status: seatAt(state, seat.seatNumber)?.status ?? seat.status } : seat));
    const seats = options.status === undefined ? all : all.filter((seat) => seat.status === options.status);
    return ok({ scheduleId, concertId: state.concertId, startsAt: iso(state.startsAtMs), version: state.version, seats });
  }

  getVenue(scheduleId: string): Result<VenueView> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
    const venue = actor.state.venue;
    if (venue === null) return fail('NOT_FOUND', { scheduleId, problem: 'this schedule has no venue layout: its map is GET /v1/schedules/{scheduleId}/seats' });
    const { plan } = venue;
    return ok({
      scheduleId, layoutId: plan.layoutId, seatCount: plan.seatCount, layout: JSON.parse(plan.json) as unknown,
      areas: plan.areas.map((area) => ({ id: area.id, name: area.name, categoryId: plan.layout.categories[area.categoryIndex]!.id, firstSeatNumber: area.firstSeatNumber, capacity: area.capacity })),
    });
  }

  getCompactSeatMap(scheduleId: string): Result<CompactSeatMapView> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
    const venue = actor.state.venue;
    if (venue === null) return fail('NOT_FOUND', { scheduleId, problem: 'this schedule has no venue layout: its map is GET /v1/schedules/{scheduleId}/seats' });
    return ok({
      scheduleId, version: actor.state.version, seatCount: actor.state.seats.length, statusBase64: this.schedules.compactStatus(actor),
      areas: venue.plan.areas.map((area, index) => ({ id: area.id, free: freePlaces(venue, index) })),
    });
  }

  async createConcert(input: CreateConcertInput): Promise<Result<ConcertCreatedView>> {
    if (!this.ready) return fail('NOT_READY');
    const nowMs = this.clock.now();
    const valid = validateConcert(input, nowMs, (layoutId) => this.layouts.planOf(layoutId));
    if (!valid.ok) return valid;
    const concertId = this.newId('con');
    const change = new PendingChange();
    change.record('catalogue', { type: 'concert.created', atMs: nowMs, concertId, title: input.title, venue: input.venue } as { type: string; atMs: number });
    const position = this.concerts.size;
    change.write((store) => store.insertConcert(concertId, input.title, input.venue, nowMs, position));
    const concert: Concert = { concertId, title: input.title, venue: input.venue, scheduleIds: [] };
    this.concerts.set(concertId, concert);
    const created = valid.value.map((schedule) => {
      const event: Extract<ScheduleEvent, { type: 'schedule.created' }> = {
        type: 'schedule.created', atMs: nowMs, scheduleId: this.newId('sch'), concertId,
        startsAtMs: schedule.startsAtMs, bookingOpensAtMs: schedule.bookingOpensAtMs, seatCount: schedule.seatCount, grades: schedule.grades,
        refundCutoffMs: schedule.refundCutoffMs, maxSeatsPerFan: schedule.maxSeatsPerFan,
        ...(schedule.presaleOpensAtMs === null ? {} : { presaleOpensAtMs: schedule.presaleOpensAtMs }),
        ...(schedule.holdbacks.length === 0 ? {} : { holdbacks: schedule.holdbacks }),
        ...(schedule.plan === null ? {} : { layoutId: schedule.plan.layoutId }),
      };
      const actor = this.addSchedule(createSchedule(event, schedule.plan ?? undefined));
      change.record(`schedule:${event.scheduleId}`, event);
      this.schedules.dirty.add(event.scheduleId);
      const { availableSeatCount: _available, ...created } = scheduleView(actor.state);
      return created;
    });
    this.refreshSoldOut();
    this.seatsRemainingAtMs = Number.NEGATIVE_INFINITY;
    await this.runner.submit(change);
    return ok({ concertId, title: input.title, venue: input.venue, schedules: created });
  }

  // ---------------------------------------------------------------- waiting room

  async issueQueueToken(userId: string, target: QueueTarget = {}): Promise<Result<QueueTokenIssued>> {
    let room: RoomActor | undefined;
    if (target.roomId !== undefined) {
      room = this.rooms.get(target.roomId);
      if (room === undefined) return fail('ROOM_NOT_FOUND', { roomId: target.roomId });
    } else if (target.scheduleId !== undefined) {
      if (this.schedules.get(target.scheduleId) === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: target.scheduleId });
      room = this.rooms.ofSchedule(target.scheduleId);
    }
    const outcome = await this.runner.run(userId, undefined, (change) => {
      const line = room?.queue ?? this.queue;
      const { token, created } = room === undefined ? this.queue.join(userId, change) : room.join(userId, change);
      return ok({ created, status: line.status(token) });
    });
    return outcome.ok ? ok(outcome.value) : fail(outcome.error.code, outcome.error.details);
  }

  /** The line a token names: a room's tokens name their room (room-book.ts); any other is the default line's. */
  private lineOf(tokenValue: string): QueueActor | undefined {
    if (!tokenValue.startsWith(ROOM_TOKEN_PREFIX)) return this.queue;
    return this.rooms.ofToken(tokenValue)?.queue;
  }

  /** The line whose admission opens a schedule: its sale's room, or the default line. */
  private lineOfSchedule(scheduleId: string): QueueActor {
    return this.rooms.ofSchedule(scheduleId)?.queue ?? this.queue;
  }

  queueStatus(userId: string, queueToken: string): Result<QueueStatusView> {
    const line = this.lineOf(queueToken);
    const token = line?.room.get(queueToken);
    if (line === undefined || token === undefined || token.userId !== userId) return fail('QUEUE_TOKEN_INVALID');
    if (!this.replicatedPresence) line.room.touch(token, this.clock.now());
    return ok(line.status(token));
  }

  touchQueueTokens(tokens: readonly string[]): void {
    const nowMs = this.clock.now();
    for (const value of tokens) {
      const line = this.lineOf(value);
      const token = line?.room.get(value);
      if (token !== undefined) line?.room.touch(token, nowMs);
    }
  }

  async leaveQueue(userId: string, queueToken: string): Promise<Result<null>> {
    const line = this.lineOf(queueToken);
    const token = line?.room.get(queueToken);
    if (line === undefined || token === undefined || token.userId !== userId) return fail('QUEUE_TOKEN_INVALID');
    const outcome = await this.runner.run(userId, undefined, (change) => (line.leave(queueToken, change) ? ok(null) : fail('QUEUE_TOKEN_INVALID')));
    return outcome.ok ? ok(null) : fail(outcome.error.code);
  }

  checkQueueAccess(userId: string, queueToken: string, scheduleId?: string): Result<null> {
    const line = this.lineOf(queueToken);
    const token = line?.room.get(queueToken);
    if (line === undefined || token === undefined || token.userId !== userId) return fail('QUEUE_TOKEN_INVALID');
    if (scheduleId !== undefined && this.schedules.get(scheduleId) !== undefined && this.lineOfSchedule(scheduleId) !== line) {
      return fail('QUEUE_WRONG_ROOM', { roomId: this.rooms.ofSchedule(scheduleId)?.roomId ?? null });
    }
    if (token.status !== 'ACTIVE') return fail('QUEUE_NOT_ACTIVE', { position: line.room.position(token) });
    if (this.clock.now() >= token.activeUntilMs) return fail('QUEUE_TOKEN_INVALID', { reason: 'ACTIVE_EXPIRED' });
    return ok(null);
  }

  /**
   * The gate of a queue-gated command, run by the command runner after the Idempotency-Key lookup and
   * in the same synchronous step as the decision (nothing can end the token in between). None when the
   * caller sent no token: the engine used as a library, not gated. The token must come from the line of
   * the schedule's sale.
   */
  private queueGate(command: { userId: string; scheduleId: string; queueToken?: string }): (() => Result<null>) | undefined {
    const { userId, scheduleId, queueToken } = command;
    return queueToken === undefined ? undefined : () => this.checkQueueAccess(userId, queueToken, scheduleId);
  }

  /**
   * The queue gate of a payment: a waitlist offer is its own admission (the fan was given those seats, not
   * let in to choose), so it is paid with any token or none; anything else needs the ACTIVE token.
   */
  private paymentGate(command: { userId: string; reservationId: string; queueToken?: string | null }): (() => Result<null>) | undefined {
    const { userId, reservationId, queueToken } = command;
    if (queueToken === undefined) return undefined;
    return () => {
      const live = this.schedules.reservation(reservationId);
      if (live !== undefined && live.reservation.offer === true && live.reservation.userId === userId) return ok(null);
      return queueToken === null ? fail('QUEUE_TOKEN_INVALID') : this.checkQueueAccess(userId, queueToken, live?.actor.state.scheduleId);
    };
  }

  subscribeQueue(queueToken: string, listener: (status: QueueStatusView) => void, onEnded?: (reason: QueueEndReason) => void): Unsubscribe | null {
    return this.lineOf(queueToken)?.subscribe(queueToken, listener, onEnded) ?? null;
  }

  watchQueueTokenEnd(queueToken: string, onEnded: (reason: QueueEndReason) => void): Unsubscribe | null {
    return this.lineOf(queueToken)?.watchEnd(queueToken, onEnded) ?? null;
  }

  // ---------------------------------------------------------------- per-sale waiting rooms

  createRoom(input: CreateRoomInput): Promise<Result<RoomView>> {
    return this.runner.run('', undefined, (change) => {
      const invalid = validateRoomInput(input);
      if (invalid !== null) return fail('VALIDATION_ERROR', invalid);
      for (const scheduleId of input.scheduleIds) {
        if (this.schedules.get(scheduleId) === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
        const taken = this.rooms.ofSchedule(scheduleId);
        if (taken !== undefined) return fail('ROOM_SCHEDULE_TAKEN', { scheduleId, roomId: taken.roomId });
      }
      const seed = newSeed(this.random);
      const room = this.rooms.create({
        roomId: this.newId('room'), name: input.name, scheduleIds: [...input.scheduleIds], opensAtMs: input.opensAtMs,
        ratePerMinute: input.admissionRatePerMinute ?? null, maxActive: input.maxActive ?? this.limits.queueMaxActive,
        seed, commitment: commitmentOf(seed), openedAtMs: null, entrantsDigest: null, createdAtMs: this.clock.now(),
      }, change);
      // Its schedules leave the default line: its odds and its sold-out state are summed again without them.
      this.seatsRemainingAtMs = Number.NEGATIVE_INFINITY;
      this.refreshSoldOut();
      return ok(room.view());
    }).then((outcome) => (outcome.ok ? ok(outcome.value) : fail(outcome.error.code, outcome.error.details)));
  }

  updateRoom(command: { roomId: string; admissionRatePerMinute?: number | null; maxActive?: number; opensAtMs?: number }): Promise<Result<RoomView>> {
    return this.runner.run('', undefined, (change) => {
      const room = this.rooms.get(command.roomId);
      if (room === undefined) return fail('ROOM_NOT_FOUND', { roomId: command.roomId });
      const current = room.view();
      const rate = command.admissionRatePerMinute === undefined ? current.admissionRatePerMinute : command.admissionRatePerMinute;
      const maxActive = command.maxActive ?? current.maxActive;
      const invalid = validateRoomLimits(rate, maxActive);
      if (invalid !== null) return fail('VALIDATION_ERROR', invalid);
      const opensAtMs = command.opensAtMs ?? Date.parse(current.opensAt);
      if (!Number.isSafeInteger(opensAtMs) || opensAtMs < 0) return fail('VALIDATION_ERROR', { field: 'opensAt', problem: 'a date-time' });
      // The draw's list closes at the opening: once open, the time it opened is history.
      if (command.opensAtMs !== undefined && room.opened) return fail('ROOM_ALREADY_OPEN', { roomId: command.roomId, openedAt: current.openedAt });
      room.update({ ratePerMinute: rate, maxActive, opensAtMs }, change);
      return ok(room.view());
    }).then((outcome) => (outcome.ok ? ok(outcome.value) : fail(outcome.error.code, outcome.error.details)));
  }

  listRooms(): RoomView[] {
    return this.rooms.list().map((room) => room.view());
  }

  getRoom(roomId: string): Result<RoomView> {
    const room = this.rooms.get(roomId);
    return room === undefined ? fail('ROOM_NOT_FOUND', { roomId }) : ok(room.view());
  }

  queueReceipt(userId: string, queueToken: string): Result<ReceiptFields> {
    const room = this.rooms.ofToken(queueToken);
    const token = room?.queue.room.get(queueToken);
    if (room === undefined || token === undefined || token.userId !== userId) {
      return room === undefined && this.queue.room.get(queueToken)?.userId === userId ? fail('RECEIPT_NOT_AVAILABLE', { roomId: null }) : fail('QUEUE_TOKEN_INVALID');
    }
    const receipt = room.receiptOf(token);
    return receipt === null ? fail('RECEIPT_NOT_AVAILABLE', { roomId: room.roomId, opened: room.opened }) : ok(receipt);
  }

  roomAudit(roomId: string): Result<RoomAudit> {
    const room = this.rooms.get(roomId);
    if (room === undefined) return fail('ROOM_NOT_FOUND', { roomId });
    const audit = room.audit();
    return audit === null ? fail('ROOM_NOT_OPEN', { roomId, opensAt: room.view().opensAt }) : ok(audit);
  }

  /** A room's seats for its fans' odds and its admission: its upcoming, uncancelled schedules only. */
  private roomSeats(scheduleIds: readonly string[]): { remaining: number; soldOut: boolean } {
    const nowMs = this.clock.now();
    let remaining = 0;
    let open = 0;
    let upcoming = 0;
    for (const scheduleId of scheduleIds) {
      const state = this.schedules.get(scheduleId)?.state;
      if (state === undefined || state.startsAtMs <= nowMs || state.cancellation !== null) continue;
      upcoming++;
      remaining += state.availableCount;
      open += state.availableCount + state.heldCount;
    }
    return { remaining, soldOut: upcoming === 0 || open === 0 };
  }

  /**
   * Seats AVAILABLE across the schedules still to come, summed at most once a second: every status carries
   * it, and a sum over every schedule per poll would make a poll cost grow with the catalogue.
   */
  private seatsRemaining(): number {
    const nowMs = this.clock.now();
    if (nowMs >= this.seatsRemainingAtMs && nowMs - this.seatsRemainingAtMs < SEATS_REMAINING_REFRESH_MS) return this.seatsRemainingNow;
    let seats = 0;
    for (const actor of this.schedules.actors.values()) {
      if (actor.state.startsAtMs > nowMs && actor.state.cancellation === null && this.rooms.ofSchedule(actor.state.scheduleId) === undefined) seats += actor.state.availableCount;
    }
    this.seatsRemainingNow = seats;
    this.seatsRemainingAtMs = nowMs;
    return seats;
  }

  /**
   * Sold out: there is at least one upcoming schedule and none has a seat AVAILABLE or held (a held
   * seat may come back). Recomputed on every queue tick and after each seat batch.
   */
  private refreshSoldOut(): void {
    const nowMs = this.clock.now();
    let upcoming = 0;
    let open = 0;
    for (const actor of this.schedules.actors.values()) {
      if (actor.state.startsAtMs <= nowMs || actor.state.cancellation !== null || this.rooms.ofSchedule(actor.state.scheduleId) !== undefined) continue;
      upcoming++;
      open += actor.state.availableCount + actor.state.heldCount;
      if (open > 0) break;
    }
    this.soldOutNow = upcoming > 0 && open === 0;
  }

  // ---------------------------------------------------------------- reservations

  hold(command: HoldCommand): Promise<Outcome<ReservationView>> {
    return this.runner.run(command.userId, command.idempotency, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      const selection = selectionOf(command);
      if (selection === null) return fail('VALIDATION_ERROR', { field: 'seatNumbers', problem: 'name the seats one way: seatNumbers, seatLabels, bestAvailable or generalAdmission' });
      const count = selectionSize(selection);
      if (count < 1 || count > this.limits.maxSeatsPerReservation) {
        return fail('VALIDATION_ERROR', { field: selectionField(selection), min: 1, max: this.limits.maxSeatsPerReservation });
      }
      const nowMs = this.clock.now();
      const existing = this.schedules.heldReservationOf(command.userId);
      let heldElsewhere: string | null = null;
      if (existing !== undefined) {
        // A hold past its deadline whose timer has not fired yet no longer counts: it expires now.
        if (nowMs < existing.reservation.holdExpiresAtMs) heldElsewhere = existing.reservation.reservationId;
        else this.expireReservation(existing.actor, existing.reservation.reservationId, nowMs);
      }
      // Decided here, inside the schedule's turn: two fans asking for the best seats at once get different ones.
      const seatNumbers = resolveSelection(actor.state.venue, selection);
      if (!seatNumbers.ok) return seatNumbers;
      const reservationId = this.newId('res');
      // Counted only where the organiser set a cap: a hold elsewhere pays nothing for it.
      const seatsOwned = actor.state.maxSeatsPerFan === null ? 0 : this.seatsOwnedIn(actor, command.userId);
      const decision = decideHold(actor.state, {
        reservationId, userId: command.userId, seatNumbers: seatNumbers.value, nowMs, holdTtlMs: this.limits.holdTtlMs, heldElsewhere, seatsOwned,
        ...(command.presaleCode === undefined ? {} : { presaleCode: command.presaleCode }),
      });
      if (!decision.ok) return decision;
      const effects = this.schedules.applyBatch(actor, decision.value, change);
      this.afterSeatBatch(effects.ended.reduce((n, r) => n + r.seatNumbers.length, 0));
      const reservation = actor.state.reservations.get(reservationId);
      if (reservation === undefined) throw new Error('held reservation missing after apply');
      this.holdTimers.add({ deadlineMs: reservation.holdExpiresAtMs, scheduleId: actor.state.scheduleId, reservationId });
      const seats = reservation.seatNumbers.length;
      change.then(() => this.observers.emit('holdCreated', seats));
      return ok(reservationView(actor.state, reservation));
    }, this.queueGate(command));
  }

  /** Seats of `userId`'s paid bookings in this schedule that are still theirs (a refunded seat is not). */
  private seatsOwnedIn(actor: ScheduleActor, userId: string): number {
    let owned = 0;
    for (const { actor: of, reservation } of this.schedules.liveReservationsOf(userId)) {
      if (of !== actor || reservation.status !== 'CONFIRMED') continue;
      for (const seatNumber of reservation.seatNumbers) if (seatAt(actor.state, seatNumber)?.reservationId === reservation.reservationId) owned++;
    }
    return owned;
  }

  getReservation(userId: string, reservationId: string): Result<ReservationView> {
    const live = this.schedules.reservation(reservationId);
    if (live !== undefined) {
      return live.reservation.userId === userId ? ok(reservationView(live.actor.state, live.reservation)) : fail('RESERVATION_NOT_FOUND');
    }
    const retiring = this.schedules.retiringView(reservationId);
    if (retiring !== undefined) return retiring.userId === userId ? ok(retiring) : fail('RESERVATION_NOT_FOUND');
    const archived = this.store.archivedReservation(reservationId);
    const view = archived === undefined || archived.userId !== userId ? undefined : this.schedules.endedView(archived);
    return view === undefined ? fail('RESERVATION_NOT_FOUND') : ok(view);
  }

  listReservations(userId: string, status?: ReservationStatus): ReservationView[] {
    const live = this.schedules.liveReservationsOf(userId)
      .filter(({ reservation }) => status === undefined || reservation.status === status)
      .map(({ actor, reservation }) => reservationView(actor.state, reservation));
    const archived = status === 'HELD' || status === 'CONFIRMED' || status === 'REFUNDED'
      ? []
      : [
        ...this.schedules.retiringViewsOf(userId).filter((view) => status === undefined || view.status === status),
        ...this.store.archivedReservations(userId, status ?? null, ARCHIVE_LIST_LIMIT).flatMap((row) => this.schedules.endedView(row) ?? []),
      ];
    return [...live, ...archived].sort((a, b) => b.heldAt.localeCompare(a.heldAt));
  }

  cancelReservation(userId: string, reservationId: string): Promise<Result<ReservationView>> {
    // The outcome is the result (its `replayed` is always false here): no second promise to unwrap it.
    return this.runner.run(userId, undefined, (change) => {
      const live = this.schedules.reservation(reservationId);
      if (live === undefined || live.reservation.userId !== userId) {
        const archived = this.getReservation(userId, reservationId);
        return archived.ok ? fail('RESERVATION_NOT_HELD', { status: archived.value.status }) : archived;
      }
      const nowMs = this.clock.now();
      const refusal = refusalForSettled(live.reservation, nowMs, 'cancel');
      if (!refusal.ok) {
        if (live.reservation.status === 'HELD') this.expireReservation(live.actor, reservationId, nowMs);
        return refusal;
      }
      const seats = live.reservation.seatNumbers.length;
      this.schedules.applyBatch(live.actor, [{ type: 'reservation.cancelled', scheduleId: live.actor.state.scheduleId, reservationId, atMs: nowMs }], change);
      this.afterSeatBatch(0);
      change.then(() => this.observers.emit('holdCancelled', seats));
      return ok(reservationView(live.actor.state, live.reservation));
    });
  }

  /** Timer path: expire every due hold that is still HELD, one batch per schedule. */
  private expireDue(due: HoldDeadline[]): void {
    if (!this.ready) return;
    const nowMs = this.clock.now();
    const bySchedule = new Map<string, string[]>();
    for (const entry of due) {
      const list = bySchedule.get(entry.scheduleId) ?? [];
      list.push(entry.reservationId);
      bySchedule.set(entry.scheduleId, list);
    }
    for (const [scheduleId, reservationIds] of bySchedule) {
      const actor = this.schedules.get(scheduleId);
      if (actor === undefined) continue;
      const events: ScheduleEvent[] = reservationIds
        .filter((id) => {
          const r = actor.state.reservations.get(id);
          return r !== undefined && r.status === 'HELD' && nowMs >= r.holdExpiresAtMs;
        })
        .map((reservationId) => ({ type: 'reservation.expired', scheduleId, reservationId, atMs: nowMs }));
      if (events.length === 0) continue;
      const change = new PendingChange();
      const effects = this.schedules.applyBatch(actor, events, change);
      this.afterSeatBatch(effects.ended.reduce((n, r) => n + r.seatNumbers.length, 0));
      this.runner.submitDetached(change);
    }
  }

  /** Expires one overdue hold now, as its own batch (a command found it before its timer fired). */
  private expireReservation(actor: ScheduleActor, reservationId: string, nowMs: number): void {
    const reservation = actor.state.reservations.get(reservationId);
    if (reservation === undefined || reservation.status !== 'HELD' || nowMs < reservation.holdExpiresAtMs) return;
    const change = new PendingChange();
    this.schedules.applyBatch(actor, [{ type: 'reservation.expired', scheduleId: actor.state.scheduleId, reservationId, atMs: nowMs }], change);
    this.afterSeatBatch(reservation.seatNumbers.length);
    this.runner.submitDetached(change);
  }

  /** After any seat batch: count expired seats and re-check whether everything is sold out. */
  private afterSeatBatch(expiredSeats: number): void {
    if (expiredSeats > 0) this.observers.emit('holdExpired', expiredSeats);
    const wasSoldOut = this.soldOutNow;
    this.refreshSoldOut();
    if (wasSoldOut !== this.soldOutNow) this.logger.info({ soldOut: this.soldOutNow }, 'sold-out state changed');
  }

  // ---------------------------------------------------------------- wallet

  getBalance(userId: string): BalanceView {
    return { userId, balance: this.wallets.of(userId).balance };
  }

  charge(command: { userId: string; amount: number; idempotency?: IdempotencyInput }): Promise<Outcome<ChargeView>> {
    return this.runner.run(command.userId, command.idempotency, (change) => {
      const chargeId = this.newId('chg');
      const nowMs = this.clock.now();
      const decision = this.wallets.charge(command.userId, command.amount, nowMs, chargeId, change);
      if (!decision.ok) return decision;
      const amount = command.amount;
      change.then(() => this.observers.emit('chargeCompleted', amount));
      return ok({ chargeId, userId: command.userId, chargedAmount: amount, balance: decision.value.balanceAfter, chargedAt: iso(nowMs) });
    });
  }

  balanceHistory(userId: string): BalanceHistoryView {
    return {
      entries: this.store.history(userId, HISTORY_LIMIT).map((row) => ({
        // The ledger stores signed amounts; the contract's money is never negative, so the kind gives the direction.
        entryId: String(row.entry_id), kind: row.kind as 'CHARGE' | 'PAYMENT' | 'REFUND', amount: Math.abs(row.amount), balanceAfter: row.balance_after, at: iso(row.at_ms), reference: row.reference,
      })),
    };
  }

  // ---------------------------------------------------------------- payments

  /**
   * One atomic step across schedule, wallet and queue: every check first, then every event, in one
   * batch and one transaction. No await in between, so nothing can interleave.
   */
  pay(command: { userId: string; reservationId: string; idempotency?: IdempotencyInput; queueToken?: string | null }): Promise<Outcome<PaymentView>> {
    return this.runner.run(command.userId, command.idempotency, (change) => {
      const nowMs = this.clock.now();
      const paid = decidePayment({
        schedules: this.schedules,
        wallets: this.wallets,
        queueOf: (scheduleId) => this.lineOfSchedule(scheduleId),
        nowMs,
        newPaymentId: () => this.newId('pay'),
        findReservation: (userId, reservationId) => this.getReservation(userId, reservationId),
        expireOverdue: (actor, reservationId) => this.expireReservation(actor, reservationId, nowMs),
      }, command.userId, command.reservationId, change);
      if (!paid.ok) return paid;
      this.afterSeatBatch(0);
      const amount = paid.value.amount;
      change.then(() => this.observers.emit('paymentCompleted', amount));
      return paid;
    }, this.paymentGate(command));
  }

  getPayment(userId: string, paymentId: string): Result<PaymentView> {
    const found = this.schedules.reservationOfPayment(paymentId);
    if (found === undefined || found.reservation.userId !== userId) return fail('PAYMENT_NOT_FOUND');
    const view = paymentView(found.actor.state, found.reservation);
    return view === null ? fail('PAYMENT_NOT_FOUND') : ok(view);
  }

  // ---------------------------------------------------------------- refunds and cancellations

  private refundContext(): RefundContext {
    return {
      schedules: this.schedules, wallets: this.wallets, nowMs: this.clock.now(),
      findReservation: (userId, reservationId) => this.getReservation(userId, reservationId),
      usedSeats: (schedule, reservation) => this.checkins.ticketsOf(schedule, reservation).filter((t) => t.checkedInAt !== null).map((t) => t.seatNumber),
    };
  }

  refund(command: { userId: string; reservationId: string; seatNumbers?: number[]; idempotency?: IdempotencyInput }): Promise<Outcome<RefundView>> {
    return this.runner.run(command.userId, command.idempotency, (change) => {
      const refunded = decideRefundStep(this.refundContext(), command, change);
      if (refunded.ok) this.afterSeatBatch(0);
      return refunded;
    });
  }

  cancelSchedule(command: { scheduleId: string; reason?: string }): Promise<Result<ScheduleCancellationView>> {
    // Not keyed: asking again is harmless, it answers what the first did.
    return this.runner.run('', undefined, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      const { view, releasedSeats } = decideCancellationStep(this.refundContext(), actor, command.reason ?? null, change);
      this.seatsRemainingAtMs = Number.NEGATIVE_INFINITY;
      this.afterSeatBatch(0);
      if (releasedSeats > 0) change.then(() => this.observers.emit('holdCancelled', releasedSeats));
      return ok(view);
    });
  }

  getScheduleCancellation(scheduleId: string): Result<ScheduleCancellationView> {
    const actor = this.schedules.get(scheduleId);
    return actor === undefined ? fail('SCHEDULE_NOT_FOUND', { scheduleId }) : ok(cancellationView(actor.state));
  }

  // ---------------------------------------------------------------- venue layouts

  createLayout(command: { layout: unknown }): Promise<Result<LayoutView>> {
    return this.runner.run('', undefined, (change) => this.layouts.decide(command.layout, this.newId('lay'), this.clock.now(), change));
  }

  seedDemo(): Promise<number> {
    if (!this.isEmpty()) return Promise.resolve(0);
    // Decided synchronously, layout then concerts, so a replica seeding from the log decides exactly this.
    const arena: { result?: Result<LayoutView> } = {};
    const layoutCommitted = this.runner.run('', undefined, (change) => (arena.result = this.layouts.decide(demoArenaLayout(), this.newId('lay'), this.clock.now(), change)));
    if (arena.result?.ok !== true) return layoutCommitted.then(() => { throw new Error('the demo arena layout was refused'); });
    const concerts = demoCatalogue(this.clock.now(), arena.result.value.layoutId).map((input) => this.createConcert(input));
    return Promise.all([layoutCommitted, ...concerts]).then(([, ...results]) => {
      const refused = results.find((result) => !result.ok);
      if (refused !== undefined && !refused.ok) throw new Error(`demo catalogue rejected: ${refused.error.code} ${refused.error.message}`);
      return results.length;
    });
  }

  listLayouts(): LayoutView[] {
    return this.layouts.list();
  }

  getLayout(layoutId: string): Result<LayoutDetailView> {
    return this.layouts.get(layoutId);
  }

  // ---------------------------------------------------------------- presales

  createPresaleCode(command: { scheduleId: string; code?: string; maxUses: number; channel?: string }): Promise<Result<PresaleCodeView>> {
    return this.runner.run('', undefined, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      if (!Number.isInteger(command.maxUses) || command.maxUses < 1 || command.maxUses > MAX_PRESALE_CODE_USES) {
        return fail('VALIDATION_ERROR', { field: 'maxUses', min: 1, max: MAX_PRESALE_CODE_USES });
      }
      const code = command.code ?? drawPresaleCode(this.random);
      const decision = decideCreatePresaleCode(actor.state, {
        code, maxUses: command.maxUses, nowMs: this.clock.now(), maxCodes: MAX_PRESALE_CODES, ...(command.channel === undefined ? {} : { channel: command.channel }),
      });
      if (!decision.ok) return decision;
      this.schedules.applyBatch(actor, decision.value, change);
      const created = actor.state.presaleCodes.get(normalizePresaleCode(code));
      if (created === undefined) throw new Error('presale code missing after create');
      return ok(presaleCodeView(actor.state, created));
    });
  }

  listPresaleCodes(scheduleId: string): Result<PresaleCodeView[]> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
    return ok([...actor.state.presaleCodes.values()].map((code) => presaleCodeView(actor.state, code)));
  }

  releaseHoldback(command: { scheduleId: string; channel: string }): Promise<Result<HoldbackView>> {
    return this.runner.run('', undefined, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      const decision = decideReleaseHoldback(actor.state, command.channel, this.clock.now());
      if (!decision.ok) return decision;
      // Read before the release, which removes the channel's marks: the answer says what was held back.
      const released = holdbackViews(actor.state).find((view) => view.channel === command.channel);
      if (released === undefined) throw new Error(`channel ${command.channel} held back but has no seats`);
      this.schedules.applyBatch(actor, decision.value, change);
      this.seatsRemainingAtMs = Number.NEGATIVE_INFINITY;
      this.afterSeatBatch(0);
      return ok(released);
    });
  }

  listHoldbacks(scheduleId: string): Result<HoldbackView[]> {
    const actor = this.schedules.get(scheduleId);
    return actor === undefined ? fail('SCHEDULE_NOT_FOUND', { scheduleId }) : ok(holdbackViews(actor.state));
  }

  // ---------------------------------------------------------------- waitlist

  joinWaitlist(command: { userId: string; scheduleId: string; quantity: number }): Promise<Result<{ created: boolean; entry: WaitlistEntryView }>> {
    return this.runner.run(command.userId, undefined, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      const { quantity } = command;
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > this.limits.maxSeatsPerReservation) {
        return fail('VALIDATION_ERROR', { field: 'quantity', min: 1, max: this.limits.maxSeatsPerReservation });
      }
      const seatsOwned = actor.state.maxSeatsPerFan === null ? 0 : this.seatsOwnedIn(actor, command.userId);
      const decision = decideJoinWaitlist(actor.state, {
        userId: command.userId, quantity, nowMs: this.clock.now(), seatsOwned, maxEntries: this.limits.waitlistMaxEntries,
      });
      if (!decision.ok) return decision;
      if (decision.value.length > 0) this.schedules.applyBatch(actor, decision.value, change);
      const entry = this.waitlistEntryView(actor, command.userId);
      if (entry === undefined) throw new Error('waitlist entry missing after join');
      return ok({ created: decision.value.length > 0, entry });
    });
  }

  leaveWaitlist(command: { userId: string; scheduleId: string }): Promise<Result<null>> {
    return this.runner.run(command.userId, undefined, (change) => {
      const actor = this.schedules.get(command.scheduleId);
      if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId: command.scheduleId });
      const decision = decideLeaveWaitlist(actor.state, command.userId, this.clock.now());
      if (!decision.ok) return decision;
      this.schedules.applyBatch(actor, decision.value, change);
      return ok(null);
    });
  }

  getWaitlistEntry(userId: string, scheduleId: string): Result<WaitlistEntryView> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) return fail('SCHEDULE_NOT_FOUND', { scheduleId });
    const entry = this.waitlistEntryView(actor, userId);
    return entry === undefined ? fail('WAITLIST_ENTRY_NOT_FOUND', { scheduleId }) : ok(entry);
  }

  listWaitlistDates(): WaitlistDateView[] {
    const nowMs = this.clock.now();
    // Asked by fans in line whose odds are poor, possibly many at once: one walk of the schedules a second.
    if (this.waitlistDates !== null && nowMs - this.waitlistDates.atMs < 1_000) return this.waitlistDates.dates;
    const dates: WaitlistDateView[] = [];
    for (const concert of this.concerts.values()) {
      for (const scheduleId of concert.scheduleIds) {
        const state = this.schedules.get(scheduleId)?.state;
        if (state === undefined || state.cancellation !== null || state.startsAtMs <= nowMs) continue;
        dates.push({
          scheduleId, concertId: concert.concertId, title: concert.title, venue: concert.venue, startsAt: iso(state.startsAtMs),
          soldOut: state.availableCount === 0, waitlistLength: state.waitlist.length,
        });
      }
    }
    dates.sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.scheduleId.localeCompare(b.scheduleId));
    this.waitlistDates = { atMs: nowMs, dates };
    return dates;
  }

  getWaitlist(userId: string): WaitlistView {
    const entries: WaitlistEntryView[] = [];
    for (const actor of this.schedules.actors.values()) {
      if (actor.state.waitlist.length === 0) continue;
      const entry = this.waitlistEntryView(actor, userId);
      if (entry !== undefined) entries.push(entry);
    }
    const nowMs = this.clock.now();
    const offers = this.schedules.liveReservationsOf(userId)
      .filter(({ reservation }) => reservation.offer === true && reservation.status === 'HELD' && nowMs < reservation.holdExpiresAtMs)
      .map(({ actor, reservation }) => reservationView(actor.state, reservation));
    return { entries: entries.sort((a, b) => a.joinedAt.localeCompare(b.joinedAt)), offers };
  }

  subscribeWaitlistOffers(userId: string, listener: (offer: ReservationView) => void): Unsubscribe {
    let listeners = this.offerListeners.get(userId);
    if (listeners === undefined) {
      listeners = new Set();
      this.offerListeners.set(userId, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.offerListeners.get(userId) === listeners) this.offerListeners.delete(userId);
    };
  }

  private waitlistEntryView(actor: ScheduleActor, userId: string): WaitlistEntryView | undefined {
    const { state } = actor;
    const position = waitlistPosition(state, userId);
    const entry = state.waitlist[position - 1];
    if (position === 0 || entry === undefined) return undefined;
    return {
      scheduleId: state.scheduleId, concertId: state.concertId, userId, quantity: entry.quantity, position,
      length: state.waitlist.length, joinedAt: iso(entry.joinedAtMs),
    };
  }

  /**
   * Called by the schedule book, in the change of a batch that freed seats of a schedule sold out for the
   * public: those seats become offers to the waitlist (decided here, so replicas and replays agree).
   */
  private offerFreedSeats(actor: ScheduleActor, change: PendingChange): void {
    const nowMs = this.clock.now();
    const events = decideOffers(actor.state, {
      nowMs,
      offerTtlMs: this.limits.waitlistOfferTtlMs,
      newReservationId: () => this.newId('res'),
      // Any live hold counts, even one past its deadline whose timer has not fired: a fan holds one at a time.
      holdsElsewhere: (userId) => this.schedules.heldReservationOf(userId) !== undefined,
      seatsOwned: (userId) => (actor.state.maxSeatsPerFan === null ? 0 : this.seatsOwnedIn(actor, userId)),
    });
    if (events.length === 0) return;
    const effects = this.schedules.applyBatch(actor, events, change);
    for (const offer of effects.held) {
      this.holdTimers.add({ deadlineMs: offer.holdExpiresAtMs, scheduleId: offer.scheduleId, reservationId: offer.reservationId });
      const view = reservationView(actor.state, offer);
      change.then(() => {
        for (const listener of this.offerListeners.get(offer.userId) ?? []) listener(view);
      });
    }
  }

  // ---------------------------------------------------------------- tickets and check-in

  listTickets(userId: string, reservationId: string): Result<ReservationTicketsView> {
    const found = this.getReservation(userId, reservationId);
    if (!found.ok) return found;
    const live = this.schedules.reservation(reservationId);
    if (found.value.status !== 'CONFIRMED' || live === undefined) return fail('RESERVATION_NOT_CONFIRMED', { status: found.value.status });
    const state = live.actor.state;
    return ok({ reservationId, scheduleId: state.scheduleId, concertId: state.concertId, startsAt: iso(state.startsAtMs), tickets: this.checkins.ticketsOf(state, live.reservation) });
  }

  checkIn(command: { ticket: TicketRef; scheduleId?: string }): Promise<Result<CheckinView>> {
    // Not keyed: a scanner's retry is told the ticket is already used, with the time of its first scan.
    return this.runner.run('', undefined, (change) => {
      const live = this.schedules.reservation(command.ticket.reservationId);
      const found: TicketReservation = live === undefined
        ? { live: false, endedStatus: this.schedules.retiringView(command.ticket.reservationId)?.status ?? this.store.archivedReservation(command.ticket.reservationId)?.status }
        : { live: true, schedule: live.actor.state, reservation: live.reservation };
      return this.checkins.checkIn(command.ticket, found, command.scheduleId, this.clock.now(), change);
    });
  }

  // ---------------------------------------------------------------- events and webhooks

  listEvents(query: { after: number; limit: number; types?: readonly EventType[] }): EventFeedView {
    const limit = Math.max(1, Math.min(EVENT_PAGE_LIMIT, query.limit));
    const types = query.types === undefined || query.types.length === 0 ? null : new Set<string>(query.types);
    const events: EventView[] = [];
    let nextAfter = query.after;
    // A filtered page reads on until it is full or the outbox ends, a bounded number of rows at a time.
    while (events.length < limit) {
      const rows = this.outbox.after(nextAfter, EVENT_PAGE_LIMIT);
      for (const row of rows) {
        nextAfter = row.seq;
        if (types === null || types.has(row.type)) events.push(eventView(row));
        if (events.length === limit) break;
      }
      if (rows.length < EVENT_PAGE_LIMIT) break;
    }
    return { events, nextAfter };
  }

  eventRefsAfter(after: number, limit: number): Array<{ sequence: number; type: EventType }> {
    return this.outbox.refsAfter(after, Math.max(1, Math.min(EVENT_PAGE_LIMIT, limit))).map(([sequence, type]) => ({ sequence, type: type as EventType }));
  }

  eventJsonAt(sequence: number): EventJson | undefined {
    const row = this.outbox.at(sequence);
    if (row === undefined) return undefined;
    const id = eventId(row.seq);
    // Byte for byte JSON.stringify(eventView(row)): the same keys in the same order, the data as it was stored.
    const body = `{"id":${JSON.stringify(id)},"sequence":${row.seq},"type":${JSON.stringify(row.type)},"createdAt":"${iso(row.at_ms)}","data":${row.data}}`;
    return { id, body };
  }

  createWebhookEndpoint(input: WebhookEndpointInput): Promise<Result<WebhookEndpointCreatedView>> {
    return this.runner.run('', undefined, (change) =>
      this.webhooks.create(input, this.clock.now(), this.newId('whe'), this.random, () => this.runner.outboxSeq, change));
  }

  listWebhookEndpoints(): WebhookEndpointView[] {
    return this.webhooks.list();
  }

  getWebhookEndpoint(endpointId: string): Result<WebhookEndpointView> {
    return this.webhooks.get(endpointId);
  }

  updateWebhookEndpoint(command: { endpointId: string; patch: WebhookEndpointPatch }): Promise<Result<WebhookEndpointView>> {
    return this.runner.run('', undefined, (change) => this.webhooks.update(command.endpointId, command.patch, this.clock.now(), change));
  }

  deleteWebhookEndpoint(command: { endpointId: string }): Promise<Result<null>> {
    return this.runner.run('', undefined, (change) => this.webhooks.delete(command.endpointId, this.clock.now(), change));
  }

  listWebhookDeliveries(query: { endpointId: string; status?: DeliveryStatus; limit: number }): Result<WebhookDeliveryView[]> {
    const endpoint = this.webhooks.get(query.endpointId);
    if (!endpoint.ok) return endpoint;
    const rows = this.outbox.deliveries(query.endpointId, query.status ?? null, Math.max(1, Math.min(DELIVERY_LIST_LIMIT, query.limit)));
    return ok(rows.map((row) => deliveryView(row, (this.outbox.at(row.eventSeq)?.type ?? 'payment.completed') as EventType)));
  }

  retryWebhookDelivery(command: { endpointId: string; eventSequence: number }): Promise<Result<WebhookDeliveryView>> {
    return this.runner.run('', undefined, (change) => this.webhooks.retryParked(command.endpointId, command.eventSequence, this.clock.now(), change));
  }

  webhookTargets(): WebhookTarget[] {
    return this.webhooks.targets();
  }

  recordWebhookAttempts(command: { attempts: WebhookAttempt[] }): Promise<Result<null>> {
    return this.runner.run('', undefined, (change) => {
      const nowMs = this.clock.now();
      // An attempt names an event the dispatcher read from the outbox: a sequence never given is no attempt.
      for (const attempt of command.attempts) {
        if (attempt.eventSequence >= 1 && attempt.eventSequence <= this.runner.outboxSeq) this.webhooks.recordAttempt(attempt, nowMs, change);
      }
      return ok(null);
    });
  }

  advanceWebhookCursor(command: { endpointId: string; cursor: number }): Promise<Result<null>> {
    return this.runner.run('', undefined, (change) => {
      // The dispatcher proposes only sequences it read from the committed outbox. (Not clamped to the runner's
      // sequence: on a replica that depends on how far the group commit got, and replicas must decide alike.)
      this.webhooks.advanceCursor(command.endpointId, command.cursor, change);
      return ok(null);
    });
  }

  // ---------------------------------------------------------------- operations

  stats(): AdminStatsView {
    return engineStats(this.schedules, this.queue.room, this.concerts.size, this.soldOutNow, this.clock.now(), this.listRooms());
  }

  subscribeSeatMap(scheduleId: string, listener: (delta: SeatMapDelta) => void): Unsubscribe | null {
    return this.schedules.subscribe(scheduleId, listener);
  }

  observe(observer: Partial<EngineObserver>): Unsubscribe {
    return this.observers.add(observer);
  }
}
