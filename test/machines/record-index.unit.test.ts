import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueTokenRecord } from '../../src/machines/queue-token-record.js';
import { keyHash, RecordIndex, tableCapacityFor, type PrebuiltIndexTable } from '../../src/machines/record-index.js';

function recordFor(n: number): QueueTokenRecord {
  return new QueueTokenRecord(`token-${n}`, `user-${n}`, n, 0);
}

/** Applies adds and deletes to the index and to a Map, then checks that every key answers the same. */
function checkAgainstMap(seed: number, keySpace: number, operations: Array<{ add: boolean; key: number }>): void {
  const index = new RecordIndex('userId', seed);
  const model = new Map<string, QueueTokenRecord>();
  for (const { add, key } of operations) {
    const existing = model.get(`user-${key}`);
    if (add) {
      const record = recordFor(key);
      expect(index.add(record)).toBe(existing === undefined);
      if (existing === undefined) model.set(record.userId, record);
    } else {
      expect(index.delete(existing ?? recordFor(key))).toBe(existing !== undefined);
      model.delete(`user-${key}`);
    }
  }
  expect(index.size).toBe(model.size);
  for (let key = 0; key < keySpace; key++) expect(index.get(`user-${key}`)).toBe(model.get(`user-${key}`));
  expect(new Set(index.values())).toEqual(new Set(model.values()));
}

/** A table as recovery's reader builds one: the records' keys hashed with `seed`, placed by linear probing in ordinal order. */
function prebuiltTable(records: readonly QueueTokenRecord[], seed: number, capacity = tableCapacityFor(records.length)): PrebuiltIndexTable {
  const table = { seed, slots: new Int32Array(capacity), hashes: new Int32Array(capacity) };
  records.forEach((record, ordinal) => {
    const hash = keyHash(record.token, 0, record.token.length, seed);
    let i = hash & (capacity - 1);
    while (table.slots[i] !== 0) i = (i + 1) & (capacity - 1);
    table.slots[i] = ordinal + 1;
    table.hashes[i] = hash;
  });
  return table;
}

describe('RecordIndex', () => {
  it('given records filed by user, when looked up, removed and re-added, then each key finds its own record', () => {
    const index = new RecordIndex('userId');
    const a = recordFor(1);
    const b = recordFor(2);
    expect(index.add(a)).toBe(true);
    expect(index.add(b)).toBe(true);
    expect(index.add(recordFor(1))).toBe(false); // same key: refused, the first record stays
    expect(index.get('user-1')).toBe(a);
    expect(index.delete(recordFor(1))).toBe(false); // another record with the key is not removed
    expect(index.delete(a)).toBe(true);
    expect(index.get('user-1')).toBeUndefined();
    expect(index.get('user-2')).toBe(b);
    expect(index.size).toBe(1);
  });

  it('given a bulk load far past the initial capacity, when half is removed, then lookups stay exact down to empty', () => {
    const index = new RecordIndex('token', 7);
    const records = Array.from({ length: 20_000 }, (_, n) => recordFor(n));
    index.reserve(records.length);
    for (const record of records) expect(index.add(record)).toBe(true);
    for (let n = 0; n < records.length; n += 2) expect(index.delete(records[n] as QueueTokenRecord)).toBe(true);
    for (let n = 0; n < records.length; n++) expect(index.get(`token-${n}`)).toBe(n % 2 === 0 ? undefined : records[n]);
    for (let n = 1; n < records.length; n += 2) index.delete(records[n] as QueueTokenRecord);
    expect(index.size).toBe(0);
    expect([...index.values()]).toEqual([]);
  });

  it('property: any sequence of adds and removals answers like a Map (probe runs, wrap-around, growth and shrinking)', () => {
    const keySpace = 3_000;
    const operation = fc.record({ add: fc.boolean(), key: fc.nat(keySpace - 1) });
    fc.assert(
      fc.property(fc.nat(0xffff_ffff), fc.array(fc.record({ add: fc.constant(true), key: fc.nat(keySpace - 1) }), { maxLength: 2_500 }), fc.array(operation, { maxLength: 4_000 }), (seed, fill, operations) => {
        checkAgainstMap(seed, keySpace, [...fill, ...operations]);
      }),
      { numRuns: 40 },
    );
  });

  it('given a table prebuilt for records by ordinal, when adopted, then it answers like records filed one by one, through removals and growth', () => {
    const records = Array.from({ length: 5_000 }, (_, n) => recordFor(n));
    const index = new RecordIndex('token');
    expect(index.adopt(prebuiltTable(records, 0xdead_beef), records)).toBe(true);
    expect(index.size).toBe(records.length);
    for (const record of records) expect(index.get(record.token)).toBe(record);
    expect(index.add(recordFor(17))).toBe(false); // the adopted record with that key is found
    for (let n = 0; n < records.length; n += 3) expect(index.delete(records[n] as QueueTokenRecord)).toBe(true);
    const added = Array.from({ length: 5_000 }, (_, n) => recordFor(10_000 + n));
    for (const record of added) expect(index.add(record)).toBe(true);
    for (let n = 0; n < records.length; n++) expect(index.get(`token-${n}`)).toBe(n % 3 === 0 ? undefined : records[n]);
    for (const record of added) expect(index.get(record.token)).toBe(record);
  });

  it.each([
    ['hashed with another seed than it says', (records: QueueTokenRecord[]) => ({ ...prebuiltTable(records, 1), seed: 2 })],
    ['missing a record', (records: QueueTokenRecord[]) => prebuiltTable(records.slice(0, -1), 1)],
    ['filing a record under another record\'s key', (records: QueueTokenRecord[]) => prebuiltTable([...records.slice(0, -1), records[0] as QueueTokenRecord], 1)],
    ['more than half full', (records: QueueTokenRecord[]) => prebuiltTable(records, 1, tableCapacityFor(records.length) / 2)],
    ['not a power of two in size (though big enough)', (records: QueueTokenRecord[]) => prebuiltTable(records, 1, 3 * tableCapacityFor(records.length) / 2)],
  ])('given a prebuilt table %s, then adopt refuses it and the index stays empty and usable', (_case, tableFor) => {
    const records = Array.from({ length: 1_000 }, (_, n) => recordFor(n));
    const index = new RecordIndex('token');
    expect(index.adopt(tableFor(records), records)).toBe(false);
    expect(index.size).toBe(0);
    expect(index.get('token-1')).toBeUndefined();
    expect(index.add(records[1] as QueueTokenRecord)).toBe(true);
    expect(index.adopt(prebuiltTable(records, 1), records)).toBe(false); // only into an empty index
  });
});
