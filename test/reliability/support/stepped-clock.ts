/**
 * A test clock whose time and timers move separately: `setNow` moves time without firing anything (a
 * timer that is late, as under event-loop lag), `fireDue` then fires what is due. With it a request and
 * a hold's expiry timer can meet in the same millisecond in either order.
 */
import type { Clock, TimerHandle } from '../../../src/actors/clock.js';

interface Pending { id: number; at: number; callback: () => void }

export class SteppedClock implements Clock {
  private pending: Pending[] = [];
  private nextId = 1;

  constructor(private current: number) {}

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

  /** Moves time (forward only) without firing timers. */
  setNow(ms: number): void {
    this.current = Math.max(this.current, ms);
  }

  /** Fires every timer due at the current time, earliest first (timers armed meanwhile included). */
  fireDue(): void {
    for (;;) {
      const due = this.pending.filter((timer) => timer.at <= this.current).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) return;
      this.pending = this.pending.filter((timer) => timer.id !== due.id);
      due.callback();
    }
  }

  /** Moves time and fires what falls due, like ManualClock.advance. */
  advance(ms: number): void {
    this.setNow(this.current + ms);
    this.fireDue();
  }
}
