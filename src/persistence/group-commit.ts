/**
 * Group commit: every unit submitted during one event-loop turn is written in ONE SQLite transaction,
 * flushed on setImmediate. Only after the transaction commits (and, with a `durableSync`, after a WAL
 * flush that began after the COMMIT has returned) is each unit told `committed()` (which acknowledges
 * its caller and publishes its deltas), in submission order. Transactions are not held back while a
 * flush is in flight: they commit on the next turn as usual and wait together for the next flush, so
 * the disk's latency is paid once per flush, off the event loop. A failed transaction or flush is
 * fail-stop: nothing unacknowledged is acknowledged, later submissions are refused, and `onFatal` runs
 * (by default the process exits and recovery restores the last committed state), so memory and disk
 * never diverge in a running engine.
 */
import type { SqliteDatabase } from './database.js';
import type { Store } from './store.js';
import type { DurableSync } from './wal-sync.js';

export interface CommitUnit {
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
  /** Committed, waiting for the next flush. */
  private unsynced: CommittedBatch[] = [];
  /** Committed, covered by the flush in flight. */
  private syncing: CommittedBatch[] | null = null;
  private drainWaiters: Array<() => void> = [];

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

  /** Commits everything pending now. Safe to call at any time (close, tests); see `drain()` for the acknowledgements. */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fatal !== undefined) return;
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
    if (this.durableSync === null) {
      this.acknowledge(batch);
      return;
    }
    this.unsynced.push(batch);
    if (this.syncing === null) this.startSync(this.durableSync);
  }

  /** Commits what is pending and resolves once every committed batch is acknowledged (or the committer stopped). */
  drain(): Promise<void> {
    this.flush();
    if (this.syncing === null) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private startSync(durableSync: DurableSync): void {
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = covered;
    durableSync.sync((error) => {
      this.syncing = null;
      const units = covered.flatMap((batch) => batch.units);
      if (this.fatal !== undefined) {
        // A later transaction failed meanwhile: after a fatal error nothing more is acknowledged.
        for (const unit of units) unit.failed(this.fatal);
      } else if (error !== null) {
        this.stop(error, units);
      } else {
        for (const batch of covered) this.acknowledge(batch);
        if (this.unsynced.length > 0) {
          this.startSync(durableSync);
          return;
        }
      }
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  private stop(error: unknown, units: CommitUnit[]): void {
    this.fatal = error;
    const unacknowledged = [...units, ...this.unsynced.flatMap((batch) => batch.units)];
    this.unsynced = [];
    for (const unit of unacknowledged) unit.failed(error);
    this.hooks.onFatal(error);
  }

  private acknowledge({ units, startedAt, transactionMs }: CommittedBatch): void {
    this.hooks.afterCommit?.({ units: units.length, durationMs: transactionMs, acknowledgedMs: performance.now() - startedAt });
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
