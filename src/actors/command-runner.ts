/**
 * How a command becomes durable: its journal rows get their sequence numbers and are written with its
 * projection rows (and, for a keyed command, its stored outcome) in the group commit's transaction. The
 * caller's promise resolves only after that commit; then the change's post-commit actions publish it.
 */
import type { Logger } from 'pino';
import type { IdempotencyInput, Outcome } from '../domain/engine.js';
import { fail, type Result } from '../domain/error-codes.js';
import type { GroupCommitter } from '../persistence/group-commit.js';
import type { OutboxStore } from '../persistence/outbox-store.js';
import type { Store } from '../persistence/store.js';
import type { Clock } from './clock.js';
import { PendingChange } from './pending-change.js';

export class CommandRunner {
  /** Sequence number of the last journal row written (in the current transaction or before). */
  journalSeq = 0;
  /**
   * Sequence of the last outbox event submitted: an event's id. Given at submission, which follows each
   * decision synchronously, so it is the decide order, the commit order, and the same on every replica of a
   * cluster whatever its group commit is doing (a decision may read it: see WebhookBook.create).
   */
  outboxSeq = 0;
  /** Journal rows since the last checkpoint: the checkpoint policy reads and resets it. */
  rowsSinceCheckpoint = 0;
  /** Keyed commands between decide and commit: a repeat now is IDEMPOTENCY_IN_PROGRESS. */
  private readonly inflightKeys = new Map<string, string>();

  constructor(
    private readonly committer: GroupCommitter,
    private readonly store: Store,
    private readonly outbox: OutboxStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly isReady: () => boolean,
    /** Events up to this sequence are committed (the dispatcher may deliver them). */
    private readonly onEventsCommitted: (throughSeq: number) => void = () => undefined,
  ) {}

  /** Hands a change to the group commit; resolves once it is durable and its effects are published. */
  submit(change: PendingChange): Promise<void>;
  /** The same, resolving with `answer`. */
  submit<A>(change: PendingChange, answer: A): Promise<A>;
  submit<A>(change: PendingChange, answer?: A): Promise<A | undefined> {
    for (const event of change.events) event.seq = ++this.outboxSeq;
    const lastEventSeq = this.outboxSeq;
    return new Promise<A | undefined>((resolve, reject) => {
      this.committer.submit({
        write: (store) => {
          for (const entry of change.journal) {
            store.appendJournal(++this.journalSeq, entry.atMs, entry.stream, entry.type, JSON.stringify(entry.data));
          }
          this.rowsSinceCheckpoint += change.journal.length;
          for (const write of change.writes) write(store);
          for (const event of change.events) this.outbox.append(event.seq, event.type, event.atMs, JSON.stringify(event.data));
        },
        committed: () => {
          resolve(answer);
          if (change.events.length > 0) this.onEventsCommitted(lastEventSeq);
          for (const action of change.afterCommit) {
            try {
              action();
            } catch (error) {
              this.logger.error({ err: error }, 'post-commit publication failed; the change itself is committed');
            }
          }
        },
        failed: reject,
      });
    });
  }

  /** For changes nobody waits on (timer expiries): a failed commit is already fail-stop. */
  submitDetached(change: PendingChange): void {
    this.submit(change).catch(() => undefined);
  }

  /**
   * Runs one command: idempotency check, then `admit` (the queue gate; its refusal is never stored), then
   * the synchronous decide + evolve, then the commit. The stored outcome of a keyed command is written in
   * the same transaction as its change, so a retry after a crash finds both or neither. A keyed retry is
   * answered from its stored outcome before `admit` runs: the first command may have changed what `admit`
   * reads (a payment ends its queue token), and the retry must still get the answer the first one got.
   */
  run<T>(
    userId: string,
    idempotency: IdempotencyInput | undefined,
    decide: (change: PendingChange) => Result<T>,
    admit?: () => Result<null>,
  ): Promise<Outcome<T>> {
    if (!this.isReady()) return Promise.resolve({ ...fail<T>('NOT_READY'), replayed: false });
    if (idempotency !== undefined) return this.runKeyed(userId, idempotency, decide, admit);
    // Not async: the hot path of every unkeyed command allocates one promise, not three. A decide that
    // throws (a broken invariant) still rejects the promise rather than throwing at the caller. A command
    // that changed nothing may have answered from changes not yet durable: it is answered after them.
    try {
      const change = new PendingChange();
      const refusal = admit === undefined ? undefined : refusalOf<T>(admit());
      const outcome: Outcome<T> = { ...(refusal ?? decide(change)), replayed: false };
      return change.isEmpty ? this.committer.afterInFlight().then(() => outcome) : this.submit(change, outcome);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private async runKeyed<T>(
    userId: string,
    idempotency: IdempotencyInput,
    decide: (change: PendingChange) => Result<T>,
    admit: (() => Result<null>) | undefined,
  ): Promise<Outcome<T>> {
    const slot = `${userId}\u0000${idempotency.key}`;
    const inflightHash = this.inflightKeys.get(slot);
    if (inflightHash !== undefined) {
      return { ...fail<T>(inflightHash === idempotency.requestHash ? 'IDEMPOTENCY_IN_PROGRESS' : 'IDEMPOTENCY_KEY_REUSED'), replayed: false };
    }
    const stored = this.store.getIdempotency(userId, idempotency.key);
    if (stored !== undefined) {
      if (stored.request_hash !== idempotency.requestHash) return { ...fail<T>('IDEMPOTENCY_KEY_REUSED'), replayed: false };
      return { ...(JSON.parse(stored.outcome) as Result<T>), replayed: true };
    }
    // A refusal at the gate is not the command's outcome: the same key may be sent again once admitted.
    const refusal = admit === undefined ? undefined : refusalOf<T>(admit());
    if (refusal !== undefined) {
      await this.committer.afterInFlight();
      return { ...refusal, replayed: false };
    }
    const change = new PendingChange();
    const result = decide(change);
    const atMs = this.clock.now();
    const outcome = JSON.stringify(result);
    change.write((store) => store.putIdempotency(userId, idempotency.key, idempotency.requestHash, outcome, atMs));
    this.inflightKeys.set(slot, idempotency.requestHash);
    try {
      await this.submit(change);
    } finally {
      this.inflightKeys.delete(slot);
    }
    return { ...result, replayed: false };
  }
}

/** The gate's refusal as the command's result type, or undefined when it admits. */
function refusalOf<T>(gate: Result<null>): Result<T> | undefined {
  return gate.ok ? undefined : { ok: false, error: gate.error };
}
