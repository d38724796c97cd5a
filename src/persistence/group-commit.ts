/**
 * Group commit: every unit submitted during one event-loop turn is written in ONE SQLite transaction,
 * flushed on setImmediate. Only after the transaction commits is each unit told `committed()` (which
 * acknowledges its caller and publishes its deltas), in submission order. A failed transaction is
 * fail-stop: no unit of the batch is acknowledged, later submissions are refused, and `onFatal` runs
 * (by default the process exits and recovery restores the last committed state), so memory and disk
 * never diverge in a running engine.
 */
import type { SqliteDatabase } from './database.js';
import type { Store } from './store.js';

export interface CommitUnit {
  write(store: Store): void;
  committed(): void;
  failed(error: unknown): void;
}

export interface GroupCommitHooks {
  /** Runs inside the transaction after every unit is written: the place for checkpoints. */
  beforeCommit?(store: Store): void;
  afterCommit?(batch: { units: number; durationMs: number }): void;
  /** A post-commit callback threw: the commit stands; report it. */
  onCallbackError?(error: unknown): void;
  onFatal(error: unknown): void;
}

export class EngineStoppedError extends Error {
  constructor(readonly reason: unknown) {
    super('the engine stopped after a failed commit');
  }
}

export class GroupCommitter {
  private pending: CommitUnit[] = [];
  private scheduled = false;
  private fatal: unknown = undefined;
  private readonly runBatch: (units: CommitUnit[]) => void;

  constructor(private readonly db: SqliteDatabase, private readonly store: Store, private readonly hooks: GroupCommitHooks) {
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

  /** Writes everything pending now. Safe to call at any time (close, tests). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0 || this.fatal !== undefined) return;
    const units = this.pending;
    this.pending = [];
    const startedAt = performance.now();
    try {
      this.runBatch(units);
    } catch (error) {
      this.fatal = error;
      for (const unit of units) unit.failed(error);
      this.hooks.onFatal(error);
      return;
    }
    this.hooks.afterCommit?.({ units: units.length, durationMs: performance.now() - startedAt });
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
