/**
 * A replica's clock: time is the command log's. It moves only when an entry is applied, to that
 * entry's instant, so every replica fires the same timers (hold expiries, queue ticks) between the
 * same two commands and reaches the same state.
 */
import type { Clock, TimerHandle } from '../actors/clock.js';

interface PendingTimer { id: number; at: number; callback: () => void }

export class LogClock implements Clock {
  private current: number;
  private pending: PendingTimer[] = [];
  private nextId = 1;

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++;
    this.pending.push({ id, at: this.current + Math.max(0, delayMs), callback });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((timer) => timer.id !== handle.id);
  }

  /** The earliest instant a timer waits for (Infinity when none): the leader appends a tick once it has passed. */
  nextDueMs(): number {
    let earliest = Infinity;
    for (const timer of this.pending) if (timer.at < earliest) earliest = timer.at;
    return earliest;
  }

  /**
   * Jumps to `targetMs` (never backwards), then fires every timer due by then, earliest first. Time is
   * set before firing: a timer that re-arms itself (the queue's one-second tick) lands after the target
   * instead of replaying every second of a long gap, and whatever a timer records happens at the entry's time.
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
