/**
 * When and what to checkpoint. Runs inside the group commit's transaction, after the batch's rows, when
 * memory holds exactly what the transaction commits: dirty schedules get a fresh snapshot, reservations
 * that ended unsold since the last checkpoint go to the archive table, and the checkpoint moves to the
 * last journal row, so recovery replays only the tail after it. Every batch also takes one bounded step of
 * trimming what checkpoints cover and purging what outlived its retention (persistence/retention.ts).
 */
import type { Clock } from './clock.js';
import type { CommandRunner } from './command-runner.js';
import type { ScheduleBook } from './schedule-book.js';
import type { WaitingRoom } from '../machines/waiting-room.js';
import { CHECKPOINT_SEQ_KEY } from '../persistence/recovery.js';
import { Retention } from '../persistence/retention.js';
import { encodeSchedule } from '../persistence/schedule-snapshot.js';
import type { Store } from '../persistence/store.js';

export const QUEUE_NEXT_SEQ_KEY = 'queue_next_seq';
const CHECKPOINT_EVERY_ROWS = 5_000;
const CHECKPOINT_EVERY_MS = 10_000;

export class Checkpoints {
  private lastCheckpointAtMs = 0;
  private persistedQueueNextSeq = 0;
  private checkpointSeq = 0;

  constructor(
    private readonly clock: Clock,
    private readonly runner: CommandRunner,
    private readonly schedules: ScheduleBook,
    private readonly room: WaitingRoom,
    private readonly retention = new Retention(),
  ) {}

  /** After recovery: the checkpoint, the kept journal and the queue seq as they are on disk. */
  restored(store: Store): void {
    this.lastCheckpointAtMs = this.clock.now();
    this.checkpointSeq = Number(store.getMeta(CHECKPOINT_SEQ_KEY) ?? '0');
    this.retention.restored(store, this.checkpointSeq);
    this.persistedQueueNextSeq = Number(store.getMeta(QUEUE_NEXT_SEQ_KEY) ?? '0');
    this.room.restoreNextSeq(this.persistedQueueNextSeq);
  }

  /** Every batch: the queue seq, a checkpoint when one is due (or forced, at shutdown), a step of trimming. */
  beforeCommit(store: Store, force = false): void {
    this.persistQueueSeq(store);
    // A checkpoint's own commit is the long one (snapshots): trimming waits for the next.
    if (!this.maybeCheckpoint(store, force)) this.retention.step(store, this.clock.now());
  }

  /**
   * The highest queue seq ever issued survives restarts even when its token has ended, so a seq is
   * never handed out twice and later joins always queue behind earlier ones.
   */
  private persistQueueSeq(store: Store): void {
    const nextSeq = this.room.nextSeq();
    if (nextSeq === this.persistedQueueNextSeq) return;
    store.setMeta(QUEUE_NEXT_SEQ_KEY, String(nextSeq));
    this.persistedQueueNextSeq = nextSeq;
  }

  /** True when it checkpointed. */
  private maybeCheckpoint(store: Store, force: boolean): boolean {
    const nowMs = this.clock.now();
    const due = this.runner.rowsSinceCheckpoint >= CHECKPOINT_EVERY_ROWS || nowMs - this.lastCheckpointAtMs >= CHECKPOINT_EVERY_MS;
    if (!force && !due) return false;
    if (this.schedules.dirty.size === 0 && this.runner.rowsSinceCheckpoint === 0) return false;
    for (const scheduleId of this.schedules.dirty) {
      const actor = this.schedules.get(scheduleId);
      if (actor !== undefined) store.upsertSnapshot(`schedule:${scheduleId}`, this.runner.journalSeq, encodeSchedule(actor.state));
    }
    // Moving past the journal rows that ended these reservations: from now on the archive is their record.
    this.schedules.archiveRetired(store);
    store.setMeta(CHECKPOINT_SEQ_KEY, String(this.runner.journalSeq));
    this.retention.checkpointed(this.checkpointSeq);
    this.checkpointSeq = this.runner.journalSeq;
    this.schedules.dirty.clear();
    this.runner.rowsSinceCheckpoint = 0;
    this.lastCheckpointAtMs = nowMs;
    return true;
  }
}
