/**
 * Rebuilds the engine from SQLite: concerts from their table, schedules from their latest snapshot plus
 * the journal rows after the checkpoint, wallets from the ledger accounts, the waiting room from its
 * row-wise state image, read meanwhile by a QueueLoad.
 * Each actor has exactly one durable source, so nothing is applied twice.
 */
import type { ScheduleEvent, ScheduleState } from '../machines/schedule.js';
import type { RestoredIndexTables, RestoreOutcome } from '../machines/waiting-room.js';
import { monthOf } from '../machines/wallet.js';
import type { QueueLoad } from './queue-load.js';
import { decodeSchedule } from './schedule-snapshot.js';
import type { VenuePlan } from '../venues/venue-plan.js';
import type { QueueTokenImage, Store } from './store.js';

export const CHECKPOINT_SEQ_KEY = 'checkpoint_seq';

export interface RecoveryTarget {
  addConcert(concertId: string, title: string, venue: string): void;
  /** A schedule from its snapshot. */
  addSchedule(state: ScheduleState): void;
  /** The layout of a schedule created from one (layouts are read before schedules, and never deleted). */
  planOf(layoutId: string): VenuePlan;
  /**
   * A schedule event from the journal tail (after the checkpoint), in commit order, `schedule.created`
   * included. What it touches must be snapshotted at the next checkpoint, which moves past these rows.
   */
  replaySchedule(event: ScheduleEvent): void;
  restoreWallet(userId: string, balance: number, chargeMonth: string, chargedThisMonth: number): void;
  /**
   * The waiting room: `add` every live token, batch after batch in seq order, then `finish` (returns how
   * many), with the indexes' tables when the reader built them. A batch may refill one object per step:
   * copy, never keep it.
   */
  beginQueueRestore(): { add(tokens: Iterable<QueueTokenImage>): void; finish(tables?: RestoredIndexTables): RestoreOutcome };
}

export interface RecoveryReport {
  lastSeq: number;
  checkpointSeq: number;
  schedules: number;
  replayedEvents: number;
  queueTokens: number;
  /** Whether a worker thread read the waiting room while the rest was recovered. */
  queueReadOffThread: boolean;
  /** Whether the waiting room adopted the token and user indexes that thread built (else they were filed here). */
  queueIndexesAdopted: boolean;
  /** How long recovery waited for the waiting room's reading, beyond restoring it (0 when it was ahead). */
  queueWaitMs: number;
  wallets: number;
  /** Why the worker's reading was not used, when it failed (the rows were read on the main thread instead). */
  queueWorkerError?: string;
}

/**
 * `queue` was started before (when the engine was created) so that its reading overlaps the start-up
 * and the schedules' recovery; nothing may write to the database before this resolves.
 */
export async function recover(store: Store, target: RecoveryTarget, nowMs: number, queue: QueueLoad): Promise<RecoveryReport> {
  for (const concert of store.concerts()) target.addConcert(concert.concert_id, concert.title, concert.venue);

  const checkpointSeq = Number(store.getMeta(CHECKPOINT_SEQ_KEY) ?? '0');
  let schedules = 0;
  for (const snapshot of store.snapshots()) {
    if (!snapshot.stream.startsWith('schedule:')) continue;
    target.addSchedule(decodeSchedule(snapshot.data, (layoutId) => target.planOf(layoutId)));
    schedules++;
  }

  let replayedEvents = 0;
  for (const row of store.journalAfter(checkpointSeq)) {
    if (!row.stream.startsWith('schedule:')) continue;
    const event = JSON.parse(row.data) as ScheduleEvent;
    if (event.type === 'schedule.created') schedules++;
    target.replaySchedule(event);
    replayedEvents++;
  }

  const month = monthOf(nowMs);
  const monthStartMs = Date.parse(`${month}-01T00:00:00.000Z`);
  const chargedThisMonth = new Map(store.chargesSince(monthStartMs).map((row) => [row.account_id, row.total]));
  let wallets = 0;
  for (const account of store.userAccounts()) {
    target.restoreWallet(account.account_id, account.balance, month, chargedThisMonth.get(account.account_id) ?? 0);
    wallets++;
  }

  // Batches read by a worker are restored as they arrive; the time between them is time spent waiting.
  const queueStartedAt = performance.now();
  let restoringMs = 0;
  const restore = target.beginQueueRestore();
  for await (const batch of queue.batches()) {
    const batchStartedAt = performance.now();
    restore.add(batch);
    restoringMs += performance.now() - batchStartedAt;
  }
  const finishStartedAt = performance.now();
  const { count: queueTokens, indexesAdopted } = restore.finish(queue.takeIndexTables());
  const queueFinishedAt = performance.now();
  restoringMs += queueFinishedAt - finishStartedAt;
  const queueWaitMs = Math.round(queueFinishedAt - queueStartedAt - restoringMs);

  return {
    // The journal may be trimmed up to the checkpoint, even empty: numbering goes on after both.
    lastSeq: Math.max(store.maxJournalSeq(), checkpointSeq), checkpointSeq, schedules, replayedEvents, queueTokens,
    queueReadOffThread: queue.offThread, queueIndexesAdopted: indexesAdopted, queueWaitMs, ...(queue.workerError === undefined ? {} : { queueWorkerError: queue.workerError }), wallets,
  };
}
