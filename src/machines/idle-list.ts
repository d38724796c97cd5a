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

  append(record: QueueTokenRecord): void {
    if (record.inIdleList) this.remove(record);
    record.inIdleList = true;
    record.idlePrev = this.tail;
    record.idleNext = null;
    if (this.tail) this.tail.idleNext = record;
    else this.head = record;
    this.tail = record;
    this.length++;
  }

  remove(record: QueueTokenRecord): void {
    if (!record.inIdleList) return;
    const { idlePrev, idleNext } = record;
    if (idlePrev) idlePrev.idleNext = idleNext;
    else this.head = idleNext;
    if (idleNext) idleNext.idlePrev = idlePrev;
    else this.tail = idlePrev;
    record.idlePrev = null;
    record.idleNext = null;
    record.inIdleList = false;
    this.length--;
  }

  moveToTail(record: QueueTokenRecord): void {
    if (record.inIdleList && this.tail !== record) this.append(record);
  }

  *[Symbol.iterator](): IterableIterator<QueueTokenRecord> {
    for (let node = this.head; node; node = node.idleNext) yield node;
  }
}
