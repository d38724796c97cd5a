/**
 * Hold deadlines in a min-heap with ONE clock timer armed for the earliest. Deadlines are absolute
 * instants from the journal, so a restart re-arms them for their remaining time (XState `after`
 * timers are not restored from persisted snapshots: statelyai/xstate#5331).
 *
 * Most holds end before their deadline (paid or cancelled). Their entries are settled, not searched for
 * in the heap: they stop counting at once and are swept out together once they outnumber the live ones,
 * so the heap stays within twice the live holds. Left in place until their deadline, a flash sale's
 * churn of holds and cancels kept every ended hold's entry for the whole TTL (five minutes of them).
 */
import type { Clock, TimerHandle } from './clock.js';

export interface HoldDeadline { deadlineMs: number; scheduleId: string; reservationId: string }

/** Below this many settled entries the heap is not swept (a sweep is O(n)). */
const SWEEP_MIN_SETTLED = 1_024;

export class HoldTimers {
  private heap: HoldDeadline[] = [];
  /** The entry that counts for each live hold; every other entry in the heap is settled. */
  private readonly live = new Map<string, HoldDeadline>();
  private timer: TimerHandle | null = null;
  private armedForMs = Number.POSITIVE_INFINITY;

  /**
   * `onDue` receives every live deadline at or before now, earliest first. A hold that ended without its
   * settlement reaching here is still handed over: the caller skips what is no longer HELD.
   */
  constructor(
    private readonly clock: Clock,
    private readonly onDue: (due: HoldDeadline[]) => void,
    private readonly sweepMinSettled = SWEEP_MIN_SETTLED,
  ) {}

  add(entry: HoldDeadline): void {
    // A hold's deadline given again (recovery) replaces the entry, which stays in the heap, settled.
    this.live.set(entry.reservationId, entry);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    this.sweepIfMostlySettled();
    this.arm();
  }

  /** The hold ended before its deadline (paid, cancelled, or expired in a batch of its schedule). */
  settle(reservationId: string): void {
    if (this.live.delete(reservationId)) this.sweepIfMostlySettled();
  }

  /** Live holds with a deadline. */
  get size(): number {
    return this.live.size;
  }

  /** Entries in the heap, live or settled (at most about twice the live ones). */
  get heapSize(): number {
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
    while (this.heap.length > 0 && (this.heap[0] as HoldDeadline).deadlineMs <= nowMs) {
      const entry = this.pop();
      if (this.live.get(entry.reservationId) !== entry) continue;
      this.live.delete(entry.reservationId);
      due.push(entry);
    }
    if (due.length > 0) this.onDue(due);
    this.arm();
  }

  private sweepIfMostlySettled(): void {
    const settled = this.heap.length - this.live.size;
    if (settled >= this.sweepMinSettled && settled > this.live.size) this.sweep();
  }

  /** Drops every settled entry and rebuilds the heap bottom-up (O(n)). */
  private sweep(): void {
    this.heap = this.heap.filter((entry) => this.live.get(entry.reservationId) === entry);
    for (let index = (this.heap.length >> 1) - 1; index >= 0; index--) this.siftDown(index);
    // The armed timer may be for a settled entry (harmless: it would find nothing due); aim it at the
    // earliest live one. A stopped engine's timers stay stopped.
    if (this.timer !== null) {
      this.stop();
      this.arm();
    }
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
