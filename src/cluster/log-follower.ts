/**
 * Reads the command log into the replica, from the entry after the last one applied, in order, for as
 * long as the node runs. An ordered consumer re-creates itself after a gap, but its iteration can also
 * just end (the server it read from died, heartbeats missed): then a new one starts where the replica
 * stands. A watchdog restarts one that stays silent while the log has entries the replica lacks.
 */
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { CommandApplier } from './command-applier.js';
import { decodeEntry } from './log-entry.js';
import type { NatsCluster } from './nats-cluster.js';
import type { ReadIndex } from './read-index.js';

const FOLLOW_RETRY_MS = 250;
const FOLLOW_WATCHDOG_MS = 2_000;

export class LogFollower {
  private messages: ConsumerMessages | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private watchedSeq = -1;
  private closed = false;

  constructor(
    private readonly cluster: NatsCluster,
    private readonly applier: CommandApplier,
    private readonly readIndex: ReadIndex,
    private readonly logger: Logger,
    /** An entry that cannot be read: the replica cannot go on (fail-stop). */
    private readonly fatal: (error: unknown) => void,
  ) {}

  /** Resolves once the first consumer is reading; entries are applied from then on. */
  start(): Promise<void> {
    const started = new Promise<void>((resolve) => void this.run(resolve));
    this.watchdog = setInterval(() => void this.checkFollowing(), FOLLOW_WATCHDOG_MS);
    return started;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    await this.messages?.close();
  }

  private async run(started: () => void): Promise<void> {
    while (!this.closed) {
      try {
        const consumer = await this.cluster.js.consumers.get(this.cluster.names.stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.applier.appliedSeq + 1,
        });
        this.messages = await consumer.consume({ max_messages: 512 });
        started();
        for await (const message of this.messages) {
          let entry;
          try {
            entry = decodeEntry(message.data);
          } catch (error) {
            this.fatal(error);
            return;
          }
          this.applier.apply(message.seq, entry);
        }
      } catch (error) {
        if (!this.closed) this.logger.warn({ err: error, appliedSeq: this.applier.appliedSeq }, 'reading the command log failed: following again');
      }
      if (!this.closed) await new Promise((resolve) => setTimeout(resolve, FOLLOW_RETRY_MS));
    }
  }

  /** A replica behind the log's end that applied nothing since the last check is following a dead consumer. */
  private async checkFollowing(): Promise<void> {
    const applied = this.applier.appliedSeq;
    const stalled = applied === this.watchedSeq;
    this.watchedSeq = applied;
    if (!stalled || this.closed) return;
    try {
      const tail = await this.readIndex.tail();
      if (tail > this.applier.appliedSeq && this.applier.appliedSeq === applied) {
        this.logger.warn({ appliedSeq: applied, tail }, 'the command log is ahead and nothing arrived: following again');
        await this.messages?.close();
      }
    } catch {
      // NATS unreachable: nothing to follow until it is back.
    }
  }
}
