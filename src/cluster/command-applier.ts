/**
 * Applies the command log to this node's replica engine, entry by entry in log order: the log's time
 * first (so due holds expire and the queue ticks at the same point on every node), then each command,
 * each decided synchronously by the engine in that order. A command id is applied at most once, so a
 * command its requester sent twice (a retry after a leader died) lands once.
 *
 * The node that took a command from its HTTP client waits here for it: its answer is the outcome its
 * own replica computed, after its own commit, so the client never reads this node older than its change.
 */
import type { Logger } from 'pino';
import type { ReplicaEngine } from '../actors/engine.js';
import type { ClusterCommand, LogEntry } from './log-entry.js';
import type { LogClock } from './log-clock.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * How long (in log time) an applied command id is remembered. A command reaches the log twice only
 * through its requester's resends, which stop when the requester gives up (30 s by default, see
 * ClusterEngineOptions.commandTimeoutMs); the window covers that with room for log time standing still
 * during an election. Ids cost ~185 B each: at 8,000 commands a second, ~180 MB a node.
 */
export const DEDUPE_WINDOW_MS = 120_000;

interface Waiter { resolve: (outcome: unknown) => void; reject: (error: unknown) => void }

export class CommandApplier {
  /** Stream sequence of the last entry applied. */
  appliedSeq = 0;
  /** Log time of the last entry applied. */
  appliedAtMs = 0;
  private readonly seen = new Map<string, number>();
  private readonly waiters = new Map<string, Waiter>();
  private readonly seqWaiters: Array<{ seq: number; resolve: () => void }> = [];

  constructor(
    private readonly engine: ReplicaEngine,
    private readonly clock: LogClock,
    private readonly random: SeededRandom,
    private readonly logger: Logger,
  ) {}

  apply(seq: number, entry: LogEntry): void {
    if (seq <= this.appliedSeq) return;
    this.random.reseed(entry.seed);
    for (const { id, command, atMs } of entry.commands) {
      // Timers due before the command fire first (a hold past its deadline expires), never those after.
      this.clock.advanceTo(Math.min(atMs ?? entry.atMs, entry.atMs));
      if (this.seen.has(id)) continue;
      this.seen.set(id, this.clock.now());
      const outcome = this.execute(command);
      const waiter = this.waiters.get(id);
      if (waiter === undefined) {
        outcome.catch((error: unknown) => this.logger.error({ err: error, kind: command.kind }, 'replicated command failed'));
      } else {
        this.waiters.delete(id);
        outcome.then(waiter.resolve, waiter.reject);
      }
    }
    this.clock.advanceTo(entry.atMs);
    this.forgetOldIds();
    this.appliedSeq = seq;
    this.appliedAtMs = this.clock.now();
    this.releaseSeqWaiters();
  }

  hasApplied(id: string): boolean {
    return this.seen.has(id);
  }

  /** Resolves with the command's outcome once an entry holding `id` is applied here and committed. */
  waitFor(id: string): Promise<unknown> {
    return new Promise((resolve, reject) => this.waiters.set(id, { resolve, reject }));
  }

  /** Stops waiting for `id` (the requester gave up); the command may still apply later, unanswered. */
  abandon(id: string, outcome: unknown): void {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return;
    this.waiters.delete(id);
    waiter.resolve(outcome);
  }

  abandonAll(outcome: unknown): void {
    for (const id of [...this.waiters.keys()]) this.abandon(id, outcome);
  }

  /** Resolves once the entry at `seq` (or a later one) is applied. */
  caughtUpTo(seq: number): Promise<void> {
    if (this.appliedSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.seqWaiters.push({ seq, resolve }));
  }

  private releaseSeqWaiters(): void {
    if (this.seqWaiters.length === 0) return;
    for (let i = this.seqWaiters.length - 1; i >= 0; i--) {
      const waiter = this.seqWaiters[i];
      if (waiter !== undefined && waiter.seq <= this.appliedSeq) {
        this.seqWaiters.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  private forgetOldIds(): void {
    const horizon = this.clock.now() - DEDUPE_WINDOW_MS;
    // Insertion order is log order and log time never goes back: the oldest ids come first.
    for (const [id, atMs] of this.seen) {
      if (atMs > horizon) break;
      this.seen.delete(id);
    }
  }

  private execute(command: ClusterCommand): Promise<unknown> {
    try {
      return this.run(command);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private run(command: ClusterCommand): Promise<unknown> {
    const engine = this.engine;
    switch (command.kind) {
      case 'hold': return engine.hold(command.args);
      case 'cancelReservation': return engine.cancelReservation(command.args.userId, command.args.reservationId);
      case 'charge': return engine.charge(command.args);
      case 'pay': return engine.pay(command.args);
      case 'refund': return engine.refund(command.args);
      case 'cancelSchedule': return engine.cancelSchedule(command.args);
      case 'issueQueueToken': return engine.issueQueueToken(command.args.userId, command.args.target);
      case 'createRoom': return engine.createRoom(command.args);
      case 'updateRoom': return engine.updateRoom(command.args);
      case 'leaveQueue': return engine.leaveQueue(command.args.userId, command.args.queueToken);
      case 'createConcert': return engine.createConcert(command.args);
      case 'checkIn': return engine.checkIn(command.args);
      case 'joinWaitlist': return engine.joinWaitlist(command.args);
      case 'createPresaleCode': return engine.createPresaleCode(command.args);
      case 'releaseHoldback': return engine.releaseHoldback(command.args);
      case 'createLayout': return engine.createLayout(command.args);
      case 'leaveWaitlist': return engine.leaveWaitlist(command.args);
      case 'createWebhookEndpoint': return engine.createWebhookEndpoint(command.args);
      case 'updateWebhookEndpoint': return engine.updateWebhookEndpoint(command.args);
      case 'deleteWebhookEndpoint': return engine.deleteWebhookEndpoint(command.args);
      case 'retryWebhookDelivery': return engine.retryWebhookDelivery(command.args);
      case 'recordWebhookAttempts': return engine.recordWebhookAttempts(command.args);
      case 'advanceWebhookCursor': return engine.advanceWebhookCursor(command.args);
      // The whole catalogue is decided now, in this entry, before anything else can interleave.
      case 'seedDemo': return engine.seedDemo();
      case 'touchQueueTokens':
        engine.touchQueueTokens(command.args.tokens);
        return Promise.resolve(null);
    }
  }
}
