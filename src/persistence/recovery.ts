/**
 * Rebuilds the engine from SQLite: concerts from their table, schedules from their latest snapshot plus
 * the journal rows after the checkpoint, wallets from the ledger accounts, the waiting room from its
 * row-wise state image. Each actor has exactly one durable source, so nothing is applied twice.
 */
import type { ScheduleEvent, ScheduleState } from '../machines/schedule.js';
import { monthOf } from '../machines/wallet.js';
import { decodeQueueImage, QUEUE_STREAM } from './queue-image.js';
import { decodeSchedule } from './schedule-snapshot.js';
import type { QueueTokenImage, Store } from './store.js';

export const CHECKPOINT_SEQ_KEY = 'checkpoint_seq';

export interface RecoveryTarget {
  addConcert(concertId: string, title: string, venue: string): void;
  /** A schedule from its snapshot. */
  addSchedule(state: ScheduleState): void;
  /**
   * A schedule event from the journal tail (after the checkpoint), in commit order, `schedule.created`
   * included. What it touches must be snapshotted at the next checkpoint, which moves past these rows.
   */
  replaySchedule(event: ScheduleEvent): void;
  restoreWallet(userId: string, balance: number, chargeMonth: string, chargedThisMonth: number): void;
  /** Every live queue token, in seq order; returns how many. The iterable may refill one object per step: copy, never keep. */
  restoreQueue(tokens: Iterable<QueueTokenImage>): number;
}

export interface RecoveryReport {
  lastSeq: number;
  checkpointSeq: number;
  schedules: number;
  replayedEvents: number;
  queueTokens: number;
  /** Where the waiting room came from: the packed image (after a graceful shutdown) or the token rows. */
  queueSource: 'image' | 'rows';
  wallets: number;
}

export function recover(store: Store, target: RecoveryTarget, nowMs: number): RecoveryReport {
  for (const concert of store.concerts()) target.addConcert(concert.concert_id, concert.title, concert.venue);

  const checkpointSeq = Number(store.getMeta(CHECKPOINT_SEQ_KEY) ?? '0');
  let schedules = 0;
  for (const snapshot of store.snapshots()) {
    if (!snapshot.stream.startsWith('schedule:')) continue;
    target.addSchedule(decodeSchedule(snapshot.data));
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

  const image = currentQueueImage(store);
  const queueTokens = target.restoreQueue(image ?? store.queueTokens());

  return { lastSeq: store.maxJournalSeq(), checkpointSeq, schedules, replayedEvents, queueTokens, queueSource: image === null ? 'rows' : 'image', wallets };
}

/**
 * The packed waiting room, when it still describes queue_tokens exactly: every change to those rows is
 * journaled in the same transaction under QUEUE_STREAM, so no such row after the image means no change.
 */
function currentQueueImage(store: Store): Iterable<QueueTokenImage> | null {
  const image = store.queueImage();
  if (image === undefined || store.journaledAfter(QUEUE_STREAM, image.journalSeq)) return null;
  return decodeQueueImage(image);
}
