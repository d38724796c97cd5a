import type { QueueTokenRecord } from './queue-token-record.js';

/** The key a RecordIndex files records under. */
export type RecordKey = 'token' | 'userId';

const EMPTY = undefined;
/** One in this many records of an adopted table is looked up before the table is trusted. */
const ADOPT_CHECK_EVERY = 64;

/**
 * The index's hash of `text.slice(start, end)` without slicing it: FNV-1a over UTF-16 units with a seed,
 * and a final avalanche (FNV's low bits, the ones the mask keeps, mix poorly for keys that differ only
 * at the end). Self-contained on purpose: recovery's reader thread evaluates this very function's
 * source to build tables that `adopt` takes.
 */
export function keyHash(text: string, start: number, end: number, seed: number): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash | 0;
}

/** Slots for `count` records: a power of two, at least 1024, at most half full. Self-contained (see keyHash). */
export function tableCapacityFor(count: number): number {
  let capacity = 1024;
  while (capacity < 2 * count) capacity *= 2;
  return capacity;
}

const MIN_CAPACITY = tableCapacityFor(0);

/**
 * An index table built elsewhere for records known by ordinal (their place in a list the builder and
 * the adopter share): recovery's reader thread hashes and places a million keys while the main thread
 * does other work. The same layout as the index's own.
 */
export interface PrebuiltIndexTable {
  seed: number;
  /** Per slot: 1 + the ordinal of the record filed there, or 0 when the slot is empty. */
  slots: Int32Array;
  /** Per slot: keyHash of the record's key with `seed` (any value where the slot is empty). */
  hashes: Int32Array;
}

/**
 * A string-keyed index of waiting-room records: open addressing with linear probing over a plain array
 * of records plus an Int32Array of their hashes, kept at most half full.
 *
 * Why not a Map: recovery puts a million tokens into two of these before /ready, and a Map of a million
 * string keys costs ~1 s to fill (it grows by rehashing its whole table several times, and each entry
 * is three words). Here the table is sized once for the count (`reserve`), an entry is one pointer and
 * one int, and removal shifts the probe run back instead of leaving tombstones.
 *
 * The hash is keyHash with a per-index random seed, so the table layout cannot be predicted from outside.
 */
export class RecordIndex {
  private records: (QueueTokenRecord | undefined)[];
  private hashes: Int32Array;
  private mask: number;
  private count = 0;
  private seed: number;

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
    const capacity = tableCapacityFor(count);
    if (capacity > this.mask + 1) this.resize(capacity);
  }

  /**
   * Takes a prebuilt table for `byOrdinal` instead of filing the records one by one (into an empty
   * index). Refuses it (false, the index unchanged) unless it holds together: a power-of-two size at
   * most half full, every ordinal exactly once, and a sample of the records found under their keys.
   * Unlike `add`, it does not look for two records with the same key: the table's builder vouches for that.
   */
  adopt(table: PrebuiltIndexTable, byOrdinal: readonly QueueTokenRecord[]): boolean {
    const { slots, hashes } = table;
    const capacity = slots.length;
    const total = byOrdinal.length;
    if (this.count > 0 || hashes.length !== capacity || capacity < tableCapacityFor(total) || (capacity & (capacity - 1)) !== 0) return false;
    const records = new Array<QueueTokenRecord | undefined>(capacity).fill(EMPTY);
    const seen = new Uint8Array(total);
    let filed = 0;
    for (let i = 0; i < capacity; i++) {
      const ordinal = (slots[i] as number) - 1;
      if (ordinal < 0) continue;
      if (ordinal >= total || seen[ordinal] === 1) return false;
      seen[ordinal] = 1;
      records[i] = byOrdinal[ordinal];
      filed++;
    }
    if (filed !== total) return false;
    const mask = capacity - 1;
    const seed = table.seed | 0;
    const found = (record: QueueTokenRecord): boolean => {
      const keyValue = record[this.key];
      return lookup(records, hashes, mask, this.key, keyValue, keyHash(keyValue, 0, keyValue.length, seed)) === record;
    };
    for (let ordinal = 0; ordinal < total; ordinal += ADOPT_CHECK_EVERY) if (!found(byOrdinal[ordinal] as QueueTokenRecord)) return false;
    if (total > 0 && !found(byOrdinal[total - 1] as QueueTokenRecord)) return false;
    this.records = records;
    this.hashes = hashes;
    this.mask = mask;
    this.seed = seed;
    this.count = total;
    return true;
  }

  get(keyValue: string): QueueTokenRecord | undefined {
    return lookup(this.records, this.hashes, this.mask, this.key, keyValue, this.hashOf(keyValue));
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
    return keyHash(keyValue, 0, keyValue.length, this.seed);
  }
}

/** The record filed under `keyValue` (whose hash is `hash`): its probe run, from its home slot to the first empty one. */
function lookup(records: readonly (QueueTokenRecord | undefined)[], hashes: Int32Array, mask: number, key: RecordKey, keyValue: string, hash: number): QueueTokenRecord | undefined {
  for (let i = hash & mask; ; i = (i + 1) & mask) {
    const record = records[i];
    if (record === EMPTY) return undefined;
    if (hashes[i] === hash && record[key] === keyValue) return record;
  }
}
