/**
 * Hold deadlines in a min-heap with ONE clock timer armed for the earliest. Deadlines are absolute
 * instants from the journal, so a restart re-arms them for their remaining time (XState `after`
 * timers are not restored from persisted snapshots: statelyai/xstate#5331).
 */
import type { Clock, TimerHandle } from './clock.js';

export interface HoldDeadline { deadlineMs: number; scheduleId: string; reservationId: string }

export class HoldTimers {
  private readonly heap: HoldDeadline[] = [];
  private timer: TimerHandle | null = null;
  private armedForMs = Number.POSITIVE_INFINITY;

  /** `onDue` receives every deadline at or before now, earliest first; stale entries are the caller's to skip. */
  constructor(private readonly clock: Clock, private readonly onDue: (due: HoldDeadline[]) => void) {}

  add(entry: HoldDeadline): void {
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    this.arm();
  }

  get size(): number {
    return this.heap.length;
  }

  stop(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.armedForMs = Number.POSITIVE_INFINITY;
  }

  /** Pops every deadline that has passed and hands them to onDue. */
  fireDue(): void {
    const nowMs = this.clock.now();
    const due: HoldDeadline[] = [];
    while (this.heap.length > 0 && (this.heap[0] as HoldDeadline).deadlineMs <= nowMs) due.push(this.pop());
    if (due.length > 0) this.onDue(due);
    this.arm();
  }

  private arm(): void {
    const next = this.heap[0];
    if (next === undefined) {
      this.stop();
      return;
    }
    if (this.timer !== null && this.armedForMs <= next.deadlineMs) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.armedForMs = next.deadlineMs;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.armedForMs = Number.POSITIVE_INFINITY;
      this.fireDue();
    }, next.deadlineMs - this.clock.now());
  }

  private pop(): HoldDeadline {
    const top = this.heap[0] as HoldDeadline;
    const last = this.heap.pop() as HoldDeadline;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if ((heap[parent] as HoldDeadline).deadlineMs <= (heap[index] as HoldDeadline).deadlineMs) break;
      [heap[parent], heap[index]] = [heap[index] as HoldDeadline, heap[parent] as HoldDeadline];
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && (heap[left] as HoldDeadline).deadlineMs < (heap[smallest] as HoldDeadline).deadlineMs) smallest = left;
      if (right < heap.length && (heap[right] as HoldDeadline).deadlineMs < (heap[smallest] as HoldDeadline).deadlineMs) smallest = right;
      if (smallest === index) return;
      [heap[smallest], heap[index]] = [heap[index] as HoldDeadline, heap[smallest] as HoldDeadline];
      index = smallest;
    }
  }
}
