import type { QueueTokenRecord } from './queue-token-record.js';

/**
 * Waiting, not-present tokens ordered by last-seen time: an intrusive doubly linked list where a
 * touch moves the token to the tail in O(1). The tick walks from the head and stops at the first token
 * seen recently enough, so idle detection costs O(tokens dropped), not O(tokens waiting): a million
 * waiting fans are not scanned every second.
 *
 * Time only moves forward in practice (an injected monotonic clock), so appending at the tail keeps the
 * list sorted. If an earlier time ever arrived, the token would sit behind later ones and be dropped
 * late, never early.
 */
export class IdleList {
  private head: QueueTokenRecord | null = null;
  private tail: QueueTokenRecord | null = null;
  private length = 0;

  get size(): number {
    return this.length;
  }

  first(): QueueTokenRecord | null {
    return this.head;
  }

  /** Membership from the links themselves: no flag to keep in step (and 8 bytes less per token). */
  has(record: QueueTokenRecord): boolean {
    return record.idlePrev !== null || this.head === record;
  }

  append(record: QueueTokenRecord): void {
    if (this.has(record)) this.remove(record);
    record.idlePrev = this.tail;
    record.idleNext = null;
    if (this.tail) this.tail.idleNext = record;
    else this.head = record;
    this.tail = record;
    this.length++;
  }

  remove(record: QueueTokenRecord): void {
    if (!this.has(record)) return;
    const { idlePrev, idleNext } = record;
    if (idlePrev) idlePrev.idleNext = idleNext;
    else this.head = idleNext;
    if (idleNext) idleNext.idlePrev = idlePrev;
    else this.tail = idlePrev;
    record.idlePrev = null;
    record.idleNext = null;
    this.length--;
  }

  moveToTail(record: QueueTokenRecord): void {
    if (this.tail !== record && this.has(record)) this.append(record);
  }

  *[Symbol.iterator](): IterableIterator<QueueTokenRecord> {
    for (let node = this.head; node; node = node.idleNext) yield node;
  }
}
