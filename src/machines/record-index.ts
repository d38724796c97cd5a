import type { QueueTokenRecord } from './queue-token-record.js';

/** The key a RecordIndex files records under. */
export type RecordKey = 'token' | 'userId';

const MIN_CAPACITY = 1024;
const EMPTY = undefined;

/**
 * A string-keyed index of waiting-room records: open addressing with linear probing over a plain array
 * of records plus an Int32Array of their hashes, kept at most half full.
 *
 * Why not a Map: recovery puts a million tokens into two of these before /ready, and a Map of a million
 * string keys costs ~1 s to fill (it grows by rehashing its whole table several times, and each entry
 * is three words). Here the table is sized once for the count (`reserve`), an entry is one pointer and
 * one int, and removal shifts the probe run back instead of leaving tombstones.
 *
 * The hash is FNV-1a with a per-index random seed, so the table layout cannot be predicted from outside.
 */
export class RecordIndex {
  private records: (QueueTokenRecord | undefined)[];
  private hashes: Int32Array;
  private mask: number;
  private count = 0;
  private readonly seed: number;

  constructor(
    private readonly key: RecordKey,
    seed: number = (Math.random() * 0x1_0000_0000) >>> 0,
  ) {
    this.seed = seed | 0;
    this.records = new Array<QueueTokenRecord | undefined>(MIN_CAPACITY).fill(EMPTY);
    this.hashes = new Int32Array(MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Sizes the table for `count` records at once, so a bulk load never grows it step by step. */
  reserve(count: number): void {
    const capacity = capacityFor(count);
    if (capacity > this.mask + 1) this.resize(capacity);
  }

  get(keyValue: string): QueueTokenRecord | undefined {
    const hash = this.hashOf(keyValue);
    const records = this.records;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const record = records[i];
      if (record === EMPTY) return undefined;
      if (hashes[i] === hash && record[this.key] === keyValue) return record;
    }
  }

  has(keyValue: string): boolean {
    return this.get(keyValue) !== undefined;
  }

  /**
   * Files `record` under its key; false (and nothing filed) when a record with the same key is already
   * there. Found for free: a record with the same key sits in the probe run this walks to its empty slot.
   */
  add(record: QueueTokenRecord): boolean {
    if (2 * (this.count + 1) > this.mask + 1) this.resize(2 * (this.mask + 1));
    const keyValue = record[this.key];
    const hash = this.hashOf(keyValue);
    const records = this.records;
    const hashes = this.hashes;
    const mask = this.mask;
    let i = hash & mask;
    for (let at = records[i]; at !== EMPTY; i = (i + 1) & mask, at = records[i]) {
      if (hashes[i] === hash && at[this.key] === keyValue) return false;
    }
    records[i] = record;
    hashes[i] = hash;
    this.count++;
    return true;
  }

  /** Removes `record` (the record itself, not just any record with its key). Returns whether it was there. */
  delete(record: QueueTokenRecord): boolean {
    const records = this.records;
    const hashes = this.hashes;
    const mask = this.mask;
    let hole = this.hashOf(record[this.key]) & mask;
    for (; ; hole = (hole + 1) & mask) {
      const at = records[hole];
      if (at === EMPTY) return false;
      if (at === record) break;
    }
    // Backward-shift deletion: pull later members of the probe run into the hole when their home slot
    // does not lie (cyclically) between the hole and where they sit, so every lookup still finds them.
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const moving = records[next];
      if (moving === EMPTY) break;
      const home = (hashes[next] as number) & mask;
      const homeAfterHole = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (homeAfterHole) continue;
      records[hole] = moving;
      hashes[hole] = hashes[next] as number;
      hole = next;
    }
    records[hole] = EMPTY;
    hashes[hole] = 0;
    this.count--;
    if (this.mask + 1 > MIN_CAPACITY && 8 * this.count < this.mask + 1) this.resize((this.mask + 1) / 2);
    return true;
  }

  *values(): IterableIterator<QueueTokenRecord> {
    for (const record of this.records) if (record !== EMPTY) yield record;
  }

  private place(record: QueueTokenRecord, hash: number): void {
    const records = this.records;
    const mask = this.mask;
    let i = hash & mask;
    while (records[i] !== EMPTY) i = (i + 1) & mask;
    records[i] = record;
    this.hashes[i] = hash;
  }

  private resize(capacity: number): void {
    const oldRecords = this.records;
    const oldHashes = this.hashes;
    this.records = new Array<QueueTokenRecord | undefined>(capacity).fill(EMPTY);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let i = 0; i < oldRecords.length; i++) {
      const record = oldRecords[i];
      if (record !== EMPTY) this.place(record, oldHashes[i] as number);
    }
  }

  private hashOf(keyValue: string): number {
    let hash = 0x811c9dc5 ^ this.seed;
    for (let i = 0; i < keyValue.length; i++) hash = Math.imul(hash ^ keyValue.charCodeAt(i), 0x01000193);
    // A final avalanche: FNV's low bits (the ones the mask keeps) mix poorly for keys that differ only at the end.
    hash ^= hash >>> 16;
    hash = Math.imul(hash, 0x85ebca6b);
    hash ^= hash >>> 13;
    return hash | 0;
  }
}

function capacityFor(count: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}
