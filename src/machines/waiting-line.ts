import { FenwickTree } from './fenwick.js';
import { NOT_IN_LINE, PENDING_IN_LINE, type QueueTokenRecord } from './queue-token-record.js';

/** Below this many slots compaction is not worth its pause. */
export const DEFAULT_MIN_COMPACTION_SLOTS = 1024;

/**
 * The waiting tokens in seq order, as slots: an array where each waiting token sits at its `slot` and
 * leavers leave holes, plus a Fenwick tree with a 1 per occupied slot.
 * - position = prefix sum up to the token's slot: O(log n) whatever the holes;
 * - the head is a cursor that only moves forward over holes: amortized O(1) per admission;
 * - joins append (seq only grows), O(1) amortized (the array and the tree grow by doubling);
 * - when holes outnumber live tokens (plus a floor) the slots are compacted and the tree rebuilt in
 *   linear time, paid for by the removals that made the holes, so memory follows the live count and
 *   not the seq range, even if one present fan stays at the head while millions come and go.
 * A join with a seq below the tail (recovery replaying after a snapshot, or any out-of-order input)
 * is parked and the line is re-sorted lazily on the next read, so a batch of them costs one sort.
 */
export class WaitingLine {
  private slots: (QueueTokenRecord | undefined)[] = [];
  private readonly fenwick = new FenwickTree();
  private headSlot = 0;
  private liveInSlots = 0;
  private tailSeq = Number.NEGATIVE_INFINITY;
  private pending: QueueTokenRecord[] = [];

  constructor(private readonly minCompactionSlots = DEFAULT_MIN_COMPACTION_SLOTS) {}

  get size(): number {
    return this.liveInSlots + this.pending.length;
  }

  add(record: QueueTokenRecord): void {
    if (record.seq > this.tailSeq) {
      this.append(record);
    } else {
      record.slot = PENDING_IN_LINE;
      this.pending.push(record);
    }
  }

  remove(record: QueueTokenRecord): void {
    this.reorderIfNeeded();
    const slot = record.slot;
    if (slot < 0 || this.slots[slot] !== record) return;
    this.slots[slot] = undefined;
    this.fenwick.add(slot, -1);
    this.liveInSlots--;
    record.slot = NOT_IN_LINE;
    if (this.slots.length > this.minCompactionSlots && this.slots.length > 2 * this.liveInSlots) this.compact();
  }

  /** 1 for the head; 0 when not in the line. */
  rank(record: QueueTokenRecord): number {
    this.reorderIfNeeded();
    const slot = record.slot;
    if (slot < 0 || this.slots[slot] !== record) return 0;
    return this.fenwick.prefixSum(slot);
  }

  /** The token at `rank` (1 = head) in O(log n), or undefined. */
  atRank(rank: number): QueueTokenRecord | undefined {
    this.reorderIfNeeded();
    const slot = this.fenwick.indexOfRank(rank);
    return slot < 0 ? undefined : this.slots[slot];
  }

  head(): QueueTokenRecord | undefined {
    this.reorderIfNeeded();
    const slots = this.slots;
    while (this.headSlot < slots.length && slots[this.headSlot] === undefined) this.headSlot++;
    return slots[this.headSlot];
  }

  /** Waiting tokens from the head, in seq order. Do not add or remove while iterating. */
  *fromHead(): IterableIterator<QueueTokenRecord> {
    if (this.head() === undefined) return;
    const slots = this.slots;
    for (let slot = this.headSlot; slot < slots.length; slot++) {
      const record = slots[slot];
      if (record !== undefined) yield record;
    }
  }

  /** Self-check for tests: slots, tree and cursor agree. Returns a description of the first fault. */
  verify(): string | null {
    this.reorderIfNeeded();
    let live = 0;
    let previousSeq = Number.NEGATIVE_INFINITY;
    for (let slot = 0; slot < this.slots.length; slot++) {
      const record = this.slots[slot];
      if (record === undefined) continue;
      if (slot < this.headSlot) return `token at slot ${slot} is before the head cursor ${this.headSlot}`;
      if (record.slot !== slot) return `token seq ${record.seq} records slot ${record.slot} but sits at ${slot}`;
      if (record.seq <= previousSeq) return `seq ${record.seq} follows seq ${previousSeq}`;
      previousSeq = record.seq;
      live++;
      if (this.fenwick.prefixSum(slot) !== live) return `rank of slot ${slot} is ${this.fenwick.prefixSum(slot)}, expected ${live}`;
    }
    if (live !== this.liveInSlots) return `counted ${live} live tokens, tracked ${this.liveInSlots}`;
    if (this.fenwick.total() !== live) return `tree total ${this.fenwick.total()} != ${live}`;
    return null;
  }

  /** Recovery: lays out tokens already in seq order in one linear pass (the tree built once, not per token). */
  restoreInOrder(records: QueueTokenRecord[]): void {
    if (this.size > 0) throw new Error('restoreInOrder needs an empty line');
    for (let i = 1; i < records.length; i++) {
      if ((records[i] as QueueTokenRecord).seq <= (records[i - 1] as QueueTokenRecord).seq) throw new Error('restoreInOrder needs tokens in seq order');
    }
    this.rebuild(records);
  }

  private append(record: QueueTokenRecord): void {
    const slot = this.slots.length;
    this.slots.push(record);
    record.slot = slot;
    this.fenwick.add(slot, 1);
    this.liveInSlots++;
    this.tailSeq = record.seq;
  }

  private reorderIfNeeded(): void {
    if (this.pending.length === 0) return;
    const records: QueueTokenRecord[] = [];
    for (let slot = this.headSlot; slot < this.slots.length; slot++) {
      const record = this.slots[slot];
      if (record !== undefined) records.push(record);
    }
    for (const record of this.pending) records.push(record);
    this.pending = [];
    records.sort((a, b) => a.seq - b.seq);
    this.rebuild(records);
  }

  private compact(): void {
    const records: QueueTokenRecord[] = [];
    for (let slot = this.headSlot; slot < this.slots.length; slot++) {
      const record = this.slots[slot];
      if (record !== undefined) records.push(record);
    }
    this.rebuild(records);
  }

  /** Lays `records` (in seq order) out in slots 0..n-1 and rebuilds the tree in linear time. */
  private rebuild(records: QueueTokenRecord[]): void {
    for (let slot = 0; slot < records.length; slot++) (records[slot] as QueueTokenRecord).slot = slot;
    this.slots = records;
    this.headSlot = 0;
    this.liveInSlots = records.length;
    this.fenwick.resetToOnes(records.length);
    const last = records[records.length - 1];
    this.tailSeq = last === undefined ? Number.NEGATIVE_INFINITY : last.seq;
  }
}
