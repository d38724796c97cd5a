/**
 * Group commit: every unit submitted during one event-loop turn is written in ONE SQLite transaction,
 * flushed on setImmediate. Only after the transaction commits (and, with a `durableSync`, after a WAL
 * flush that began after the COMMIT has returned) is each unit told `committed()` (which acknowledges
 * its caller and publishes its deltas), in submission order. While a flush is in flight, new units
 * accumulate and commit together when it returns: the disk's latency is paid once per flush, off the
 * event loop, and a slow disk makes batches bigger rather than transactions more numerous. A failed
 * transaction or flush is fail-stop: nothing unacknowledged is acknowledged, later submissions are
 * refused, and `onFatal` runs (by default the process exits and recovery restores the last committed
 * state), so memory and disk never diverge in a running engine.
 */
import type { SqliteDatabase } from './database.js';
import type { Store } from './store.js';
import type { DurableSync } from './wal-sync.js';

export interface CommitUnit {
  /** Writes nothing and only waits for its batch (`afterInFlight`): not counted as a command. */
  readonly waiter?: true;
  write(store: Store): void;
  committed(): void;
  failed(error: unknown): void;
}

export interface GroupCommitHooks {
  /** Runs inside the transaction after every unit is written: the place for checkpoints. */
  beforeCommit?(store: Store): void;
  /**
   * A batch is acknowledged. `durationMs`: its transaction (the event loop is blocked that long);
   * `acknowledgedMs`: from the start of the transaction to the acknowledgement (includes the WAL flush).
   */
  afterCommit?(batch: { units: number; durationMs: number; acknowledgedMs: number }): void;
  /** A post-commit callback threw: the commit stands; report it. */
  onCallbackError?(error: unknown): void;
  onFatal(error: unknown): void;
}

export class EngineStoppedError extends Error {
  constructor(readonly reason: unknown) {
    super('the engine stopped after a failed commit');
  }
}

interface CommittedBatch {
  units: CommitUnit[];
  startedAt: number;
  transactionMs: number;
}

export class GroupCommitter {
  private pending: CommitUnit[] = [];
  private scheduled = false;
  private fatal: unknown = undefined;
  private readonly runBatch: (units: CommitUnit[]) => void;
  /** Committed, waiting for the WAL flush in flight. */
  private syncing: CommittedBatch | null = null;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly store: Store,
    private readonly hooks: GroupCommitHooks,
    private readonly durableSync: DurableSync | null = null,
  ) {
    this.runBatch = db.transaction((units: CommitUnit[]) => {
      for (const unit of units) unit.write(this.store);
      this.hooks.beforeCommit?.(this.store);
    });
  }

  get stopped(): boolean {
    return this.fatal !== undefined;
  }

  submit(unit: CommitUnit): void {
    if (this.fatal !== undefined) {
      unit.failed(new EngineStoppedError(this.fatal));
      return;
    }
    this.pending.push(unit);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /**
   * Commits everything pending, unless a WAL flush is in flight: then what is pending could not be
   * acknowledged before the next flush anyway, so it waits and commits as one bigger transaction when
   * the flush returns (fewer transactions, each page written once). See `drain()` for the acknowledgements.
   */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fatal !== undefined || this.syncing !== null) return;
    const units = this.pending;
    this.pending = [];
    const startedAt = performance.now();
    try {
      this.runBatch(units);
    } catch (error) {
      this.stop(error, units);
      return;
    }
    const batch = { units, startedAt, transactionMs: performance.now() - startedAt };
    if (this.durableSync === null) this.acknowledge(batch);
    else this.startSync(this.durableSync, batch);
  }

  /**
   * Resolves once everything submitted so far is acknowledged; rejects if it never will be. For an answer
   * that changed nothing but may have read what is still on its way to disk (a token issued a moment ago
   * in the same batch): answering it sooner would acknowledge a change that a failed commit then undoes.
   * At once when nothing is in flight; otherwise it rides with the batch it waits for, adding no write.
   */
  afterInFlight(): Promise<void> {
    if (this.fatal !== undefined) return Promise.reject(new EngineStoppedError(this.fatal));
    if (this.pending.length === 0 && this.syncing === null) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: CommitUnit = { waiter: true, write: () => undefined, committed: resolve, failed: reject };
      // Committed and flushing: acknowledged with that batch. Otherwise with the next one.
      if (this.pending.length === 0 && this.syncing !== null) this.syncing.units.push(waiter);
      else this.submit(waiter);
    });
  }

  /** Commits what is pending and resolves once all of it is acknowledged (or the committer stopped). */
  drain(): Promise<void> {
    this.flush();
    return this.afterInFlight().catch(() => undefined);
  }

  private startSync(durableSync: DurableSync, batch: CommittedBatch): void {
    this.syncing = batch;
    durableSync.sync((error) => {
      this.syncing = null;
      if (error !== null) {
        this.stop(error, batch.units);
      } else {
        this.acknowledge(batch);
        this.flush();
      }
    });
  }

  /** Fail-stop: the failed batch and everything waiting behind it are refused, never acknowledged. */
  private stop(error: unknown, units: CommitUnit[]): void {
    this.fatal = error;
    const unacknowledged = [...units, ...this.pending];
    this.pending = [];
    for (const unit of unacknowledged) unit.failed(error);
    this.hooks.onFatal(error);
  }

  private acknowledge({ units, startedAt, transactionMs }: CommittedBatch): void {
    let commands = 0;
    for (const unit of units) if (unit.waiter !== true) commands++;
    this.hooks.afterCommit?.({ units: commands, durationMs: transactionMs, acknowledgedMs: performance.now() - startedAt });
    for (const unit of units) {
      try {
        unit.committed();
      } catch (error) {
        // A subscriber's failure must not stop the acknowledgement of the rest of the batch.
        this.hooks.onCallbackError?.(error);
      }
    }
  }
}
