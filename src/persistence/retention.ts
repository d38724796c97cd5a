/**
 * What the database keeps, and for how long. Recovery needs the schedules' snapshots and the journal rows
 * after the checkpoint; the rest of the journal is history nothing reads, so it goes:
 * - journal: rows up to the checkpoint BEFORE the last one are deleted. Recovery reads only what follows
 *   the last one; the interval between the two stays as a margin for a reader that tails the journal (the
 *   reliability audit does) and may fall up to one checkpoint behind. Money's history is the ledger.
 * - ledger (accounts, transfers, ledger_entries): kept forever, the audit trail of every balance.
 * - snapshots: one row per schedule, overwritten at each checkpoint; nothing to trim.
 * - idempotency records: `idempotencyRetentionMs` (the contract asks for at least 24 hours).
 * - ended reservations (expired, cancelled): `archiveRetentionMs` after they ended; then a lookup is 404,
 *   and the all-time counts stay in meta.
 * - outbox events: `eventRetentionMs` (the pull feed and webhook retries reach that far back), then the
 *   settled deliveries of the events gone; a retry still waiting stays.
 * Every deletion runs inside the group commit's transaction, a bounded step per commit, so trimming keeps
 * pace with the writes without ever making one commit long; SQLite reuses the freed pages, so the file stops
 * growing instead of shrinking (see README, "Disk and retention").
 */
import type { OutboxStore } from './outbox-store.js';
import type { Store } from './store.js';

export interface RetentionLimits {
  /** Journal rows one commit deletes at most (a range of the rowid B-tree). */
  journalTrimRowsPerCommit: number;
  /** Idempotency records, and separately archived reservations, one commit deletes at most. */
  purgeRowsPerCommit: number;
  idempotencyRetentionMs: number;
  archiveRetentionMs: number;
  eventRetentionMs: number;
}

const HOUR_MS = 3_600_000;

export const DEFAULT_RETENTION: RetentionLimits = {
  journalTrimRowsPerCommit: 1_000,
  purgeRowsPerCommit: 500,
  idempotencyRetentionMs: 48 * HOUR_MS,
  archiveRetentionMs: 30 * 24 * HOUR_MS,
  eventRetentionMs: 30 * 24 * HOUR_MS,
};

export class Retention {
  /** Every journal row at or below this seq is gone. */
  private trimmedThroughSeq = 0;
  /** Rows at or below this seq may go: the checkpoint before the last one. */
  private trimLimitSeq = 0;
  private idempotencyDue = false;
  private archiveDue = false;
  private outboxDue = false;

  constructor(private readonly outbox: OutboxStore | null = null, private readonly limits: RetentionLimits = DEFAULT_RETENTION) {}

  /** After recovery: where the kept journal begins. The next checkpoint makes the recovered checkpoint's rows trimmable. */
  restored(store: Store, checkpointSeq: number): void {
    const firstSeq = store.minJournalSeq();
    this.trimmedThroughSeq = firstSeq === 0 ? checkpointSeq : firstSeq - 1;
    this.trimLimitSeq = this.trimmedThroughSeq;
    this.idempotencyDue = true;
    this.archiveDue = true;
    this.outboxDue = true;
  }

  /** A checkpoint moved past `previousCheckpointSeq`: the rows up to it are no longer anyone's margin. */
  checkpointed(previousCheckpointSeq: number): void {
    this.trimLimitSeq = Math.max(this.trimLimitSeq, previousCheckpointSeq);
    this.idempotencyDue = true;
    this.archiveDue = true;
    this.outboxDue = true;
  }

  /** Inside every commit's transaction: one bounded step of whatever is due. */
  step(store: Store, nowMs: number): void {
    if (this.trimmedThroughSeq < this.trimLimitSeq) {
      const throughSeq = Math.min(this.trimLimitSeq, this.trimmedThroughSeq + this.limits.journalTrimRowsPerCommit);
      store.trimJournal(this.trimmedThroughSeq, throughSeq);
      this.trimmedThroughSeq = throughSeq;
    }
    const limit = this.limits.purgeRowsPerCommit;
    // A full batch may leave more behind; a short one means caught up until the next checkpoint.
    if (this.idempotencyDue) this.idempotencyDue = store.purgeIdempotency(nowMs - this.limits.idempotencyRetentionMs, limit) === limit;
    if (this.archiveDue) this.archiveDue = store.purgeArchive(nowMs - this.limits.archiveRetentionMs, limit) === limit;
    if (this.outboxDue && this.outbox !== null) {
      const events = this.outbox.purge(nowMs - this.limits.eventRetentionMs, limit);
      const firstKeptSeq = this.outbox.minSeq();
      const deliveries = this.outbox.purgeDeliveries(firstKeptSeq === 0 ? Number.MAX_SAFE_INTEGER : firstKeptSeq, limit);
      this.outboxDue = events === limit || deliveries === limit;
    }
  }
}
