import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueTokenRecord } from '../../src/machines/queue-token-record.js';
import { RecordIndex } from '../../src/machines/record-index.js';

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
});
