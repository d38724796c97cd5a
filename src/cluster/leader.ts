/**
 * The leader: the one node that appends to the command log while it holds the lease.
 *
 * The lease is a KV key with the bucket's TTL: created by a candidate (fails while another holds it),
 * renewed with compare-and-set on its revision every third of the TTL. The leader counts its lease as
 * valid only until TTL after the last renewal it *sent* (a monotonic clock, so a SIGSTOP eats into it):
 * past that it appends nothing. Every append also carries the log's expected last sequence, so an
 * append from a leader that lost the log to another is refused by the stream itself (fencing); a
 * refused or doubtful append makes the leader re-read the log's end before the next one.
 *
 * Safety does not rest on the lease: every node decides from the log alone, in log order, so even two
 * appenders could not make two nodes disagree. The lease keeps appends to one node (batching, one
 * clock for time) and fencing keeps a paused ex-leader from adding anything once it lost its place.
 */
import type { Subscription } from '@nats-io/nats-core';
import type { Logger } from 'pino';
import type { Clock } from '../actors/clock.js';
import type { CommandApplier } from './command-applier.js';
import { crashPoint } from './crash-points.js';
import { encodeEntry, type CommandEnvelope, type LogEntry } from './log-entry.js';
import type { LogClock } from './log-clock.js';
import { isWrongLastSequence, type NatsCluster } from './nats-cluster.js';
import { newSeed } from './seeded-random.js';

const LEASE_KEY = 'leader';
/** How often the leader checks whether a replica timer (a hold deadline, the queue's tick) is due. */
const TICK_CHECK_MS = 50;
/**
 * After taking over, how long the new leader lets the commands that were in flight during the election
 * (resent by the nodes that took them) land before it moves the log's time on: a payment received before
 * a hold's deadline is decided at the time it was received, before the hold expires.
 */
const IN_FLIGHT_GRACE_MS = 1_500;

export interface LeaderOptions {
  nodeId: string;
  leaseTtlMs: number;
  maxEntryBytes: number;
  /** Only a replica caught up to the log's end at start-up stands for election. */
  caughtUp: () => boolean;
}

export class LeaderRole {
  private leading = false;
  private revision = 0;
  /** performance.now() until which the lease is surely ours. */
  private leaseValidUntil = 0;
  private expectedSeq: number | null = null;
  private lastAtMs = 0;
  private readonly buffer: CommandEnvelope[] = [];
  private readonly buffered = new Set<string>();
  private appending = false;
  private flushScheduled = false;
  private markerPending = false;
  /** performance.now() until which this term's entries do not move the log's time past their commands. */
  private graceUntil = 0;
  private subscription: Subscription | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private leaseBusy = false;
  private stopped = false;
  /** Appends refused because the log moved on (fencing), for the logs and the tests. */
  fencedAppends = 0;
  terms = 0;

  constructor(
    private readonly cluster: NatsCluster,
    private readonly applier: CommandApplier,
    private readonly replicaClock: LogClock,
    private readonly clock: Clock,
    private readonly options: LeaderOptions,
    private readonly logger: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    const everyMs = Math.max(50, Math.floor(this.options.leaseTtlMs / 3));
    this.leaseTimer = setInterval(() => void this.leaseStep(), everyMs);
    this.tickTimer = setInterval(() => this.checkTick(), TICK_CHECK_MS);
    void this.leaseStep();
  }

  /** Stops appending; a leader hands the lease back so a survivor takes over at once, not after the TTL. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.leaseTimer !== null) clearInterval(this.leaseTimer);
    if (this.tickTimer !== null) clearInterval(this.tickTimer);
    const wasLeading = this.leading;
    this.stepDown('stopping');
    while (this.appending) await new Promise((resolve) => setTimeout(resolve, 5));
    if (wasLeading) {
      try {
        await this.cluster.lease.delete(LEASE_KEY, { previousSeq: this.revision });
      } catch {
        // Already taken or expired: nothing to hand back.
      }
    }
  }

  private leaseValid(): boolean {
    return this.leading && performance.now() < this.leaseValidUntil;
  }

  private async leaseStep(): Promise<void> {
    if (this.leaseBusy || this.stopped) return;
    this.leaseBusy = true;
    const sentAt = performance.now();
    try {
      if (this.leading) {
        this.revision = await this.cluster.lease.update(LEASE_KEY, this.options.nodeId, this.revision);
        this.leaseValidUntil = sentAt + this.options.leaseTtlMs;
      } else if (this.options.caughtUp()) {
        this.revision = await this.cluster.lease.create(LEASE_KEY, this.options.nodeId);
        this.leaseValidUntil = sentAt + this.options.leaseTtlMs;
        this.becomeLeader();
      }
    } catch (error) {
      if (this.leading) this.stepDown(`lease lost: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.leaseBusy = false;
    }
  }

  private becomeLeader(): void {
    if (this.stopped) return;
    this.leading = true;
    this.terms++;
    this.expectedSeq = null;
    // The first append of a term fences off whatever a previous leader still had in flight.
    this.markerPending = true;
    this.graceUntil = performance.now() + IN_FLIGHT_GRACE_MS;
    this.subscription = this.cluster.nc.subscribe(this.cluster.names.commandSubject, {
      callback: (error, message) => {
        if (error !== null) return;
        try {
          this.accept(JSON.parse(message.string()) as CommandEnvelope[]);
          message.respond('ok');
        } catch (cause) {
          this.logger.warn({ err: cause }, 'malformed forwarded commands ignored');
        }
      },
    });
    this.logger.info({ nodeId: this.options.nodeId, revision: this.revision }, 'lease acquired: leading the command log');
    this.scheduleFlush();
  }

  private stepDown(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.subscription?.unsubscribe();
    this.subscription = null;
    // Requesters resend what they have not seen applied; the next leader appends it once.
    this.buffer.length = 0;
    this.buffered.clear();
    this.logger.warn({ nodeId: this.options.nodeId, reason }, 'stepped down: no longer leading the command log');
  }

  /** Commands from any node (this one included); ids already applied or waiting are not taken twice. */
  accept(envelopes: readonly CommandEnvelope[]): void {
    if (!this.leading) return;
    for (const envelope of envelopes) {
      if (this.buffered.has(envelope.id) || this.applier.hasApplied(envelope.id)) continue;
      this.buffered.add(envelope.id);
      this.buffer.push(envelope);
    }
    this.scheduleFlush();
  }

  private checkTick(): void {
    if (this.leading && (this.buffer.length > 0 || this.tickDue())) this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private tickDue(): boolean {
    if (this.markerPending) return true;
    return performance.now() >= this.graceUntil && this.replicaClock.nextDueMs() <= this.clock.now();
  }

  /** One append at a time: each names the sequence the one before it got. */
  private async flush(): Promise<void> {
    if (this.appending || !this.leaseValid()) return;
    if (this.buffer.length === 0 && !this.tickDue()) return;
    this.appending = true;
    const commands = this.takeBatch();
    try {
      if (this.expectedSeq === null) {
        const info = await this.cluster.jsm.streams.info(this.cluster.names.stream);
        this.expectedSeq = info.state.last_seq;
      }
      if (!this.leaseValid()) throw new LeaseLapsed();
      crashPoint('before-append', commands);
      const entry = this.entryOf(commands);
      const ack = await this.cluster.js.publish(this.cluster.names.logSubject, encodeEntry(entry), { expect: { lastSequence: this.expectedSeq } });
      crashPoint('after-append', commands);
      this.expectedSeq = ack.seq;
      this.lastAtMs = entry.atMs;
      this.markerPending = false;
      for (const envelope of commands) this.buffered.delete(envelope.id);
    } catch (error) {
      this.expectedSeq = null;
      if (isWrongLastSequence(error)) this.fencedAppends++;
      if (!(error instanceof LeaseLapsed)) this.logger.warn({ err: error, commands: commands.length }, 'append refused or in doubt: re-reading the log end');
      // Whether it landed or not, appending it again is safe: a command id applies once.
      if (this.leading) this.buffer.unshift(...commands);
      else for (const envelope of commands) this.buffered.delete(envelope.id);
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      this.appending = false;
    }
    if (this.leading && (this.buffer.length > 0 || this.tickDue())) this.scheduleFlush();
  }

  /**
   * Each command happens when it was received, but not after this leader's clock; the entry then moves
   * the log's time to this clock, except in the grace after an election, when it goes no further than its
   * commands (timers that fell due during the election fire after the commands that were in flight).
   */
  private entryOf(commands: CommandEnvelope[]): LogEntry {
    const nowMs = this.clock.now();
    const floorMs = Math.max(this.lastAtMs, this.applier.appliedAtMs);
    let latestMs = floorMs;
    const timed = commands.map((envelope) => {
      const atMs = Math.max(floorMs, Math.min(envelope.receivedAtMs, nowMs));
      if (atMs > latestMs) latestMs = atMs;
      return { ...envelope, atMs };
    });
    const atMs = performance.now() < this.graceUntil ? latestMs : Math.max(nowMs, floorMs);
    return { atMs, seed: newSeed(), leader: this.options.nodeId, commands: timed };
  }

  private takeBatch(): CommandEnvelope[] {
    const batch: CommandEnvelope[] = [];
    // Room for the entry's own fields; a command's size is that of its JSON.
    let bytes = 256;
    while (this.buffer.length > 0) {
      const next = this.buffer[0] as CommandEnvelope;
      const size = JSON.stringify(next).length + 1;
      if (batch.length > 0 && bytes + size > this.options.maxEntryBytes) break;
      bytes += size;
      batch.push(next);
      this.buffer.shift();
    }
    return batch;
  }
}

class LeaseLapsed extends Error {
  constructor() {
    super('lease lapsed before the append');
  }
}
