import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FenwickTree } from '../../src/machines/fenwick.js';

type Operation = { kind: 'add'; index: number; delta: number } | { kind: 'reset'; count: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 9, arbitrary: fc.record({ kind: fc.constant('add' as const), index: fc.nat(5000), delta: fc.integer({ min: 0, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), count: fc.nat(3000) }) },
);

function naivePrefix(counts: number[], index: number): number {
  let sum = 0;
  for (let i = 0; i <= index && i < counts.length; i++) sum += counts[i] ?? 0;
  return sum;
}

function naiveIndexOfRank(counts: number[], rank: number): number {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    sum += counts[i] ?? 0;
    if (rank >= 1 && sum >= rank) return i;
  }
  return -1;
}

describe('FenwickTree', () => {
  it('given counts at a few indices, when asked for prefix sums and ranks, then it answers like a plain array', () => {
    const tree = new FenwickTree(4);
    tree.add(0, 1);
    tree.add(2, 1);
    tree.add(9, 1); // grows past the initial capacity
    expect(tree.prefixSum(-1)).toBe(0);
    expect(tree.prefixSum(0)).toBe(1);
    expect(tree.prefixSum(1)).toBe(1);
    expect(tree.prefixSum(2)).toBe(2);
    expect(tree.prefixSum(100)).toBe(3);
    expect(tree.total()).toBe(3);
    expect(tree.indexOfRank(1)).toBe(0);
    expect(tree.indexOfRank(2)).toBe(2);
    expect(tree.indexOfRank(3)).toBe(9);
    expect(tree.indexOfRank(4)).toBe(-1);
    expect(tree.indexOfRank(0)).toBe(-1);
  });

  it('given a tree that grew by doubling, when a count is removed, then sums stay exact', () => {
    const tree = new FenwickTree(1);
    for (let i = 0; i < 100; i++) tree.add(i, 1);
    tree.add(50, -1);
    expect(tree.capacity).toBe(128);
    expect(tree.prefixSum(49)).toBe(50);
    expect(tree.prefixSum(50)).toBe(50);
    expect(tree.prefixSum(99)).toBe(99);
    expect(tree.indexOfRank(51)).toBe(51);
  });

  it('property: any sequence of adds and resets matches a naive array', () => {
    fc.assert(
      fc.property(fc.nat(64), fc.array(operation, { maxLength: 200 }), fc.array(fc.nat(6000), { maxLength: 30 }), (initialCapacity, operations, probes) => {
        const tree = new FenwickTree(initialCapacity);
        let counts: number[] = [];
        for (const op of operations) {
          if (op.kind === 'add') {
            tree.add(op.index, op.delta);
            while (counts.length <= op.index) counts.push(0);
            counts[op.index] = (counts[op.index] ?? 0) + op.delta;
          } else {
            tree.resetToOnes(op.count);
            counts = new Array<number>(op.count).fill(1);
          }
        }
        const total = counts.reduce((a, b) => a + b, 0);
        expect(tree.total()).toBe(total);
        for (const probe of probes) {
          expect(tree.prefixSum(probe)).toBe(naivePrefix(counts, probe));
          expect(tree.indexOfRank(probe)).toBe(naiveIndexOfRank(counts, probe));
        }
        expect(tree.indexOfRank(total)).toBe(naiveIndexOfRank(counts, total));
      }),
      { numRuns: 300 },
    );
  });
});
