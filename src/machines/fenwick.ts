/**
 * A Fenwick (binary indexed) tree of small non-negative counts over indices 0..capacity-1.
 * The waiting line keeps a 1 per live waiting token at its slot, so a token's position is a prefix sum
 * (O(log n)) however many holes leaving and idle drops have punched into the line.
 *
 * The capacity is always a power of two: then node `capacity` holds the grand total, and doubling only
 * needs that one new node filled in (every other new node covers only new, empty indices).
 * Int32Array keeps it at 4 bytes a slot and out of the garbage collector's way.
 */
const MIN_CAPACITY = 1024;

export class FenwickTree {
  /** 1-based: tree[i] holds the sum of (i - lowbit(i), i]. tree[0] is unused. */
  private tree: Int32Array;
  private size: number;

  constructor(initialCapacity = MIN_CAPACITY) {
    this.size = powerOfTwoAtLeast(initialCapacity);
    this.tree = new Int32Array(this.size + 1);
  }

  get capacity(): number {
    return this.size;
  }

  /** Sum of every count. */
  total(): number {
    return this.tree[this.size] ?? 0;
  }

  /** Grows by doubling until `index` fits; never shrinks (see resetToOnes). */
  ensureIndex(index: number): void {
    while (index >= this.size) {
      const doubled = new Int32Array(this.size * 2 + 1);
      doubled.set(this.tree);
      doubled[this.size * 2] = this.tree[this.size] ?? 0;
      this.tree = doubled;
      this.size *= 2;
    }
  }

  add(index: number, delta: number): void {
    this.ensureIndex(index);
    const tree = this.tree;
    for (let i = index + 1; i <= this.size; i += i & -i) tree[i] = (tree[i] ?? 0) + delta;
  }

  /** Sum of counts at indices 0..index inclusive (0 for a negative index). */
  prefixSum(index: number): number {
    const tree = this.tree;
    let sum = 0;
    for (let i = Math.min(index + 1, this.size); i > 0; i -= i & -i) sum += tree[i] ?? 0;
    return sum;
  }

  /** The smallest index whose prefix sum reaches `rank` (1-based), or -1 if the total is below it. */
  indexOfRank(rank: number): number {
    if (rank < 1 || rank > this.total()) return -1;
    const tree = this.tree;
    let position = 0;
    let remaining = rank;
    for (let step = this.size; step > 0; step >>= 1) {
      const next = position + step;
      const nodeSum = tree[next] ?? 0;
      if (next <= this.size && nodeSum < remaining) {
        position = next;
        remaining -= nodeSum;
      }
    }
    return position; // 1-based `position + 1` is the node; as a 0-based index that is `position`
  }

  /**
   * Rebuilds in linear time with a count of 1 at indices 0..count-1 and 0 elsewhere: what the waiting
   * line needs after compacting its live tokens to the front. Shrinks the capacity when it is far too big.
   */
  resetToOnes(count: number): void {
    const wanted = powerOfTwoAtLeast(Math.max(MIN_CAPACITY, count * 2));
    if (wanted !== this.size) {
      this.size = wanted;
      this.tree = new Int32Array(wanted + 1);
    } else {
      this.tree.fill(0);
    }
    const tree = this.tree;
    for (let i = 1; i <= count; i++) tree[i] = 1;
    for (let i = 1; i <= this.size; i++) {
      const parent = i + (i & -i);
      if (parent <= this.size) tree[parent] = (tree[parent] ?? 0) + (tree[i] ?? 0);
    }
  }
}

function powerOfTwoAtLeast(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}
