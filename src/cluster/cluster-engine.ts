/**
 * The booking engine as a cluster node: the same BookingEngine the API uses, so src/api does not know
 * which mode it serves.
 *
 * Every node holds a full replica (the embedded engine on its own SQLite file) fed by one replicated
 * command log on NATS JetStream. Queries answer from the local replica, never crossing the network.
 * Commands are forwarded to the leader, which appends them to the log in batches; a command is
 * acknowledged when this node's replica has applied the entry holding it and committed it, so the
 * answer is durable twice over (a quorum of NATS servers holds the entry; this node's SQLite holds the
 * result) and this node never shows the caller a state older than its own change.
 */
import { rmSync } from 'node:fs';
import pino, { type Logger } from 'pino';
import { SystemClock, type Clock } from '../actors/clock.js';
import { createReplicaEngine, type ReplicaEngine } from '../actors/engine.js';
import type { BookingEngine, EngineLimits, EngineObserver, Outcome, QueueEndReason, QueueTarget, ReplicationStatus, Unsubscribe } from '../domain/engine.js';
import type { ReceiptFields } from '../rooms/fairness/receipt.js';
import type { RoomAudit } from '../rooms/room-actor.js';
import { fail, type Result } from '../domain/error-codes.js';
import type {
  AdminStatsView, BalanceHistoryView, BalanceView, ChargeView, ConcertCreatedView, ConcertSummaryView, CreateConcertInput,
  PaymentView, QueueStatusView, QueueTokenIssued, RefundView, ReservationStatus, ReservationView, ScheduleCancellationView, SchedulesView,
  SeatMapDelta, SeatMapView, SeatStatus, WaitlistEntryView, WaitlistView, WaitlistDateView, PresaleCodeView, HoldbackView, LayoutView, LayoutDetailView, CompactSeatMapView, VenueView,
  RoomView, CreateRoomInput,
} from '../domain/views.js';
import type {
  EventFeedView, EventJson, EventType, WebhookAttempt, WebhookRetryPolicy, WebhookDeliveryView, WebhookEndpointCreatedView, WebhookEndpointInput, WebhookEndpointView, WebhookTarget,
} from '../domain/webhooks.js';
import type { CheckinView, ReservationTicketsView } from '../domain/tickets.js';
import { CommandApplier } from './command-applier.js';
import { CommandForwarder } from './command-forwarder.js';
import { LeaderRole } from './leader.js';
import type { ClusterCommand } from './log-entry.js';
import { LogFollower } from './log-follower.js';
import { LogClock } from './log-clock.js';
import { clusterNames, openNatsCluster, type NatsCluster } from './nats-cluster.js';
import { PresenceReporter } from './presence-reporter.js';
import { ReadIndex } from './read-index.js';
import { SeededRandom } from './seeded-random.js';

export interface ClusterEngineOptions {
  nodeId: string;
  natsServers: string[];
  /** Names of the stream, subjects and lease bucket start with it (several clusters may share NATS). */
  clusterName: string;
  replicas: number;
  leaseTtlMs: number;
  /** This node's replica database: deleted and rebuilt from the log at every start. */
  replicaDbPath: string;
  limits: EngineLimits;
  webhookRetry?: WebhookRetryPolicy;
  clock?: Clock;
  logger?: Logger;
  presenceReportMs?: number;
  commandTimeoutMs?: number;
  onFatal?: (error: unknown) => void;
}

const MAX_ENTRY_BYTES = 512 * 1024;
/** A layout's JSON in one command: a quarter of an entry. */
const MAX_LAYOUT_BYTES = MAX_ENTRY_BYTES / 4;
const DEFAULT_PRESENCE_REPORT_MS = 5_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
const RESEND_AFTER_MS = 1_500;
const READ_BARRIER_TIMEOUT_MS = 2_000;

export function createClusterEngine(options: ClusterEngineOptions): ClusterEngine {
  return new ClusterEngine(options);
}

export class ClusterEngine implements BookingEngine {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly replicaClock = new LogClock();
  private readonly random = new SeededRandom();
  private readonly replica: ReplicaEngine;
  private readonly applier: CommandApplier;
  private readonly presence: PresenceReporter;
  private cluster: NatsCluster | null = null;
  private leader: LeaderRole | null = null;
  private forwarder: CommandForwarder | null = null;
  private follower: LogFollower | null = null;
  private starting: Promise<void> | null = null;
  private started = false;
  private closed = false;
  private startSeq = 0;
  private readIndex: ReadIndex | null = null;

  constructor(private readonly options: ClusterEngineOptions) {
    this.clock = options.clock ?? new SystemClock();
    this.logger = options.logger ?? pino({ level: 'silent' });
    if (options.replicaDbPath !== ':memory:') {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${options.replicaDbPath}${suffix}`, { force: true });
    }
    this.replica = createReplicaEngine({
      dbPath: options.replicaDbPath,
      limits: options.limits,
      ...(options.webhookRetry === undefined ? {} : { webhookRetry: options.webhookRetry }),
      // The log is the durable source; the replica's file is rebuilt from it at every start.
      durability: 'NORMAL',
      clock: this.replicaClock,
      randomBytes: (size) => this.random.bytes(size),
      logger: this.logger.child({ component: 'replica' }),
      onFatal: (error) => this.fatal(error),
    });
    this.applier = new CommandApplier(this.replica, this.replicaClock, this.random, this.logger);
    this.presence = new PresenceReporter(options.presenceReportMs ?? DEFAULT_PRESENCE_REPORT_MS, (command) => {
      void this.submit(command);
    });
  }

  get ready(): boolean {
    return this.started && !this.closed && this.replica.ready && this.cluster !== null && !this.cluster.nc.isClosed();
  }

  now(): number {
    return this.clock.now();
  }

  replication(): ReplicationStatus {
    return {
      nodeId: this.options.nodeId,
      leader: this.leader?.isLeader ?? false,
      appliedSeq: this.applier.appliedSeq,
      appliedAtMs: this.applier.appliedAtMs,
      terms: this.leader?.terms ?? 0,
      fencedAppends: this.leader?.fencedAppends ?? 0,
      commandsInFlight: this.forwarder?.inFlight ?? 0,
    };
  }

  // ---------------------------------------------------------------- lifecycle

  start(): Promise<void> {
    this.starting ??= this.join();
    return this.starting;
  }

  private async join(): Promise<void> {
    const names = clusterNames(this.options.clusterName);
    const cluster = await openNatsCluster({
      servers: this.options.natsServers, nodeId: this.options.nodeId, names,
      replicas: this.options.replicas, leaseTtlMs: this.options.leaseTtlMs, maxEntryBytes: MAX_ENTRY_BYTES,
    });
    this.cluster = cluster;
    await this.replica.start();
    const info = await cluster.jsm.streams.info(names.stream);
    this.startSeq = info.state.last_seq;
    this.readIndex = new ReadIndex(cluster);
    this.follower = new LogFollower(cluster, this.applier, this.readIndex, this.logger, (error) => this.fatal(error));
    await this.follower.start();
    const startedAt = performance.now();
    await this.applier.caughtUpTo(this.startSeq);
    this.logger.info({ entries: this.startSeq, replayMs: Math.round(performance.now() - startedAt) }, 'replica caught up with the command log');
    this.leader = new LeaderRole(cluster, this.applier, this.replicaClock, this.clock, {
      nodeId: this.options.nodeId, leaseTtlMs: this.options.leaseTtlMs, maxEntryBytes: MAX_ENTRY_BYTES,
      caughtUp: () => this.applier.appliedSeq >= this.startSeq,
    }, this.logger.child({ component: 'leader' }));
    this.forwarder = new CommandForwarder(cluster, this.applier, {
      nodeId: this.options.nodeId,
      resendAfterMs: RESEND_AFTER_MS,
      giveUpAfterMs: this.options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      maxRequestBytes: MAX_ENTRY_BYTES / 2,
      abandoned: () => ({ ...fail('NOT_READY'), replayed: false }),
      now: () => this.clock.now(),
      deliverLocally: (envelopes) => {
        if (this.leader?.isLeader !== true) return false;
        this.leader.accept(envelopes);
        return true;
      },
    }, this.logger.child({ component: 'forwarder' }));
    this.leader.start();
    this.forwarder.start();
    this.presence.start();
    this.started = true;
  }

  private fatal(error: unknown): void {
    if (this.options.onFatal !== undefined) {
      this.options.onFatal(error);
      return;
    }
    this.logger.fatal({ err: error }, 'replica cannot follow the command log: stopping (fail-stop); a restart replays it');
    process.exit(1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.presence.stop();
    await this.starting?.catch(() => undefined);
    await this.leader?.stop();
    this.forwarder?.stop();
    await this.follower?.close();
    await this.replica.close();
    await this.cluster?.nc.close();
  }

  /**
   * A read waits until this replica has applied the log as far as it reached when the read arrived
   * (ReadIndex: one question to JetStream shared by all reads of a round trip, no trip to the leader).
   * Bounded: a replica cut off from NATS answers from what it has rather than never.
   */
  readBarrier(): Promise<void> | null {
    if (this.readIndex === null) return null;
    const caughtUp = this.readIndex.tail().then((tail) => this.applier.caughtUpTo(tail), () => undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, READ_BARRIER_TIMEOUT_MS);
      void caughtUp.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  // ---------------------------------------------------------------- commands: through the log

  private submit(command: ClusterCommand): Promise<unknown> {
    if (!this.ready || this.forwarder === null) return Promise.resolve({ ...fail('NOT_READY'), replayed: false });
    return this.forwarder.submit(command);
  }

  createConcert(input: CreateConcertInput): Promise<Result<ConcertCreatedView>> {
    return this.submit({ kind: 'createConcert', args: input }) as Promise<Result<ConcertCreatedView>>;
  }

  /** Seeds the demo catalogue once for the whole cluster, whichever nodes ask. */
  async seedDemo(): Promise<number> {
    return (await this.submit({ kind: 'seedDemo', args: {} })) as number;
  }

  issueQueueToken(userId: string, target?: QueueTarget): Promise<Result<QueueTokenIssued>> {
    return this.submit({ kind: 'issueQueueToken', args: target === undefined ? { userId } : { userId, target } }) as Promise<Result<QueueTokenIssued>>;
  }

  createRoom(input: CreateRoomInput): Promise<Result<RoomView>> {
    return this.submit({ kind: 'createRoom', args: input }) as Promise<Result<RoomView>>;
  }

  updateRoom(command: Parameters<BookingEngine['updateRoom']>[0]): Promise<Result<RoomView>> {
    return this.submit({ kind: 'updateRoom', args: command }) as Promise<Result<RoomView>>;
  }

  listRooms(): RoomView[] {
    return this.replica.listRooms();
  }

  getRoom(roomId: string): Result<RoomView> {
    return this.replica.getRoom(roomId);
  }

  queueReceipt(userId: string, queueToken: string): Result<ReceiptFields> {
    return this.replica.queueReceipt(userId, queueToken);
  }

  roomAudit(roomId: string): Result<RoomAudit> {
    return this.replica.roomAudit(roomId);
  }

  leaveQueue(userId: string, queueToken: string): Promise<Result<null>> {
    return this.submit({ kind: 'leaveQueue', args: { userId, queueToken } }) as Promise<Result<null>>;
  }

  hold(command: Parameters<BookingEngine['hold']>[0]): Promise<Outcome<ReservationView>> {
    return this.submit({ kind: 'hold', args: command }) as Promise<Outcome<ReservationView>>;
  }

  cancelReservation(userId: string, reservationId: string): Promise<Result<ReservationView>> {
    return this.submit({ kind: 'cancelReservation', args: { userId, reservationId } }) as Promise<Result<ReservationView>>;
  }

  charge(command: Parameters<BookingEngine['charge']>[0]): Promise<Outcome<ChargeView>> {
    return this.submit({ kind: 'charge', args: command }) as Promise<Outcome<ChargeView>>;
  }

  pay(command: Parameters<BookingEngine['pay']>[0]): Promise<Outcome<PaymentView>> {
    return this.submit({ kind: 'pay', args: command }) as Promise<Outcome<PaymentView>>;
  }

  refund(command: Parameters<BookingEngine['refund']>[0]): Promise<Outcome<RefundView>> {
    return this.submit({ kind: 'refund', args: command }) as Promise<Outcome<RefundView>>;
  }

  cancelSchedule(command: Parameters<BookingEngine['cancelSchedule']>[0]): Promise<Result<ScheduleCancellationView>> {
    return this.submit({ kind: 'cancelSchedule', args: command }) as Promise<Result<ScheduleCancellationView>>;
  }

  joinWaitlist(command: Parameters<BookingEngine['joinWaitlist']>[0]): ReturnType<BookingEngine['joinWaitlist']> {
    return this.submit({ kind: 'joinWaitlist', args: command }) as ReturnType<BookingEngine['joinWaitlist']>;
  }

  createPresaleCode(command: Parameters<BookingEngine['createPresaleCode']>[0]): Promise<Result<PresaleCodeView>> {
    return this.submit({ kind: 'createPresaleCode', args: command }) as Promise<Result<PresaleCodeView>>;
  }

  listPresaleCodes(scheduleId: string): Result<PresaleCodeView[]> {
    return this.replica.listPresaleCodes(scheduleId);
  }

  createLayout(command: Parameters<BookingEngine['createLayout']>[0]): Promise<Result<LayoutView>> {
    // The layout travels in one log entry: bounded well inside an entry (the compact row format keeps an
    // 80,000-seat arena at 94,815 bytes, measured), refused here rather than left to wedge the log.
    const bytes = Buffer.byteLength(JSON.stringify(command.layout ?? null));
    if (bytes > MAX_LAYOUT_BYTES) {
      return Promise.resolve(fail('LAYOUT_INVALID', {
        errors: [{ path: '$', code: 'TOO_MANY_ITEMS', message: `a layout's JSON is at most ${MAX_LAYOUT_BYTES} bytes in a cluster (this one has ${bytes}): list rows as ranges` }],
      }));
    }
    return this.submit({ kind: 'createLayout', args: command }) as Promise<Result<LayoutView>>;
  }

  listLayouts(): LayoutView[] {
    return this.replica.listLayouts();
  }

  getLayout(layoutId: string): Result<LayoutDetailView> {
    return this.replica.getLayout(layoutId);
  }

  releaseHoldback(command: Parameters<BookingEngine['releaseHoldback']>[0]): Promise<Result<HoldbackView>> {
    return this.submit({ kind: 'releaseHoldback', args: command }) as Promise<Result<HoldbackView>>;
  }

  listHoldbacks(scheduleId: string): Result<HoldbackView[]> {
    return this.replica.listHoldbacks(scheduleId);
  }

  leaveWaitlist(command: Parameters<BookingEngine['leaveWaitlist']>[0]): Promise<Result<null>> {
    return this.submit({ kind: 'leaveWaitlist', args: command }) as Promise<Result<null>>;
  }

  checkIn(command: Parameters<BookingEngine['checkIn']>[0]): Promise<Result<CheckinView>> {
    return this.submit({ kind: 'checkIn', args: command }) as Promise<Result<CheckinView>>;
  }

  createWebhookEndpoint(input: WebhookEndpointInput): Promise<Result<WebhookEndpointCreatedView>> {
    return this.submit({ kind: 'createWebhookEndpoint', args: input }) as Promise<Result<WebhookEndpointCreatedView>>;
  }

  updateWebhookEndpoint(command: Parameters<BookingEngine['updateWebhookEndpoint']>[0]): Promise<Result<WebhookEndpointView>> {
    return this.submit({ kind: 'updateWebhookEndpoint', args: command }) as Promise<Result<WebhookEndpointView>>;
  }

  deleteWebhookEndpoint(command: { endpointId: string }): Promise<Result<null>> {
    return this.submit({ kind: 'deleteWebhookEndpoint', args: command }) as Promise<Result<null>>;
  }

  retryWebhookDelivery(command: { endpointId: string; eventSequence: number }): Promise<Result<WebhookDeliveryView>> {
    return this.submit({ kind: 'retryWebhookDelivery', args: command }) as Promise<Result<WebhookDeliveryView>>;
  }

  recordWebhookAttempts(command: { attempts: WebhookAttempt[] }): Promise<Result<null>> {
    return this.submit({ kind: 'recordWebhookAttempts', args: command }) as Promise<Result<null>>;
  }

  advanceWebhookCursor(command: { endpointId: string; cursor: number }): Promise<Result<null>> {
    return this.submit({ kind: 'advanceWebhookCursor', args: command }) as Promise<Result<null>>;
  }

  // ---------------------------------------------------------------- queries: the local replica

  listEvents(query: Parameters<BookingEngine['listEvents']>[0]): EventFeedView {
    return this.replica.listEvents(query);
  }

  eventJsonAt(sequence: number): EventJson | undefined {
    return this.replica.eventJsonAt(sequence);
  }

  eventRefsAfter(after: number, limit: number): Array<{ sequence: number; type: EventType }> {
    return this.replica.eventRefsAfter(after, limit);
  }

  listWebhookEndpoints(): WebhookEndpointView[] {
    return this.replica.listWebhookEndpoints();
  }

  getWebhookEndpoint(endpointId: string): Result<WebhookEndpointView> {
    return this.replica.getWebhookEndpoint(endpointId);
  }

  listWebhookDeliveries(query: Parameters<BookingEngine['listWebhookDeliveries']>[0]): Result<WebhookDeliveryView[]> {
    return this.replica.listWebhookDeliveries(query);
  }

  webhookTargets(): WebhookTarget[] {
    return this.replica.webhookTargets();
  }

  listConcerts(): ConcertSummaryView[] {
    return this.replica.listConcerts();
  }

  listSchedules(concertId: string, options?: { includeSoldOut?: boolean }): Result<SchedulesView> {
    return this.replica.listSchedules(concertId, options);
  }

  getSeatMap(scheduleId: string, options?: { status?: SeatStatus; presaleCode?: string }): Result<SeatMapView> {
    return this.replica.getSeatMap(scheduleId, options);
  }

  getVenue(scheduleId: string): Result<VenueView> {
    return this.replica.getVenue(scheduleId);
  }

  getCompactSeatMap(scheduleId: string): Result<CompactSeatMapView> {
    return this.replica.getCompactSeatMap(scheduleId);
  }

  isEmpty(): boolean {
    return this.replica.isEmpty();
  }

  queueStatus(userId: string, queueToken: string): Result<QueueStatusView> {
    const status = this.replica.queueStatus(userId, queueToken);
    if (status.ok) this.presence.polledToken(queueToken);
    return status;
  }

  checkQueueAccess(userId: string, queueToken: string, scheduleId?: string): Result<null> {
    return this.replica.checkQueueAccess(userId, queueToken, scheduleId);
  }

  getReservation(userId: string, reservationId: string): Result<ReservationView> {
    return this.replica.getReservation(userId, reservationId);
  }

  listReservations(userId: string, status?: ReservationStatus): ReservationView[] {
    return this.replica.listReservations(userId, status);
  }

  getBalance(userId: string): BalanceView {
    return this.replica.getBalance(userId);
  }

  balanceHistory(userId: string): BalanceHistoryView {
    return this.replica.balanceHistory(userId);
  }

  getPayment(userId: string, paymentId: string): Result<PaymentView> {
    return this.replica.getPayment(userId, paymentId);
  }

  getScheduleCancellation(scheduleId: string): Result<ScheduleCancellationView> {
    return this.replica.getScheduleCancellation(scheduleId);
  }

  listTickets(userId: string, reservationId: string): Result<ReservationTicketsView> {
    return this.replica.listTickets(userId, reservationId);
  }

  stats(): AdminStatsView {
    return this.replica.stats();
  }

  subscribeSeatMap(scheduleId: string, listener: (delta: SeatMapDelta) => void): Unsubscribe | null {
    return this.replica.subscribeSeatMap(scheduleId, listener);
  }

  getWaitlistEntry(userId: string, scheduleId: string): Result<WaitlistEntryView> {
    return this.replica.getWaitlistEntry(userId, scheduleId);
  }

  getWaitlist(userId: string): WaitlistView {
    return this.replica.getWaitlist(userId);
  }

  listWaitlistDates(): WaitlistDateView[] {
    return this.replica.listWaitlistDates();
  }

  /** Every node decides every offer on its replica, so the node holding the fan's socket hears it itself. */
  subscribeWaitlistOffers(userId: string, listener: (offer: ReservationView) => void): Unsubscribe {
    return this.replica.subscribeWaitlistOffers(userId, listener);
  }

  subscribeQueue(queueToken: string, listener: (status: QueueStatusView) => void, onEnded?: (reason: QueueEndReason) => void): Unsubscribe | null {
    const unsubscribe = this.replica.subscribeQueue(queueToken, listener, onEnded);
    if (unsubscribe === null) return null;
    const close = this.presence.openSocket(queueToken);
    return () => {
      unsubscribe();
      close();
    };
  }

  watchQueueTokenEnd(queueToken: string, onEnded: (reason: QueueEndReason) => void): Unsubscribe | null {
    return this.replica.watchQueueTokenEnd(queueToken, onEnded);
  }

  observe(observer: Partial<EngineObserver>): Unsubscribe {
    return this.replica.observe(observer);
  }
}
