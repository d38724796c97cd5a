/**
 * A replica's clock: time is the command log's. It moves only when an entry is applied, to that
 * entry's instant, so every replica fires the same timers (hold expiries, queue ticks) between the
 * same two commands and reaches the same state.
 */
import { ManualClock, type PendingTimer } from '../actors/clock.js';

export class LogClock extends ManualClock {
  constructor(startMs = 0) {
    super(startMs);
  }

  /** The earliest instant a timer waits for (Infinity when none): the leader appends a tick once it has passed. */
  nextDueMs(): number {
    let earliest = Infinity;
    for (const timer of this.pending) if (timer.at < earliest) earliest = timer.at;
    return earliest;
  }

  /**
   * Jumps to `targetMs` (never backwards), then fires every timer due by then, earliest first. Unlike
   * advance(), time is set before firing: a timer that re-arms itself (the queue's one-second tick) lands
   * after the target instead of replaying every second of a long gap, and whatever a timer records
   * happens at the entry's time.
   */
  advanceTo(targetMs: number): void {
    if (targetMs > this.current) this.current = targetMs;
    for (;;) {
      let due: PendingTimer | undefined;
      for (const timer of this.pending) {
        if (timer.at <= this.current && (due === undefined || timer.at < due.at || (timer.at === due.at && timer.id < due.id))) due = timer;
      }
      if (due === undefined) return;
      const fired = due;
      this.pending = this.pending.filter((timer) => timer !== fired);
      fired.callback();
    }
  }
}
