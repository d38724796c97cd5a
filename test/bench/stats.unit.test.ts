import { describe, expect, it } from 'vitest';
import { pairedRatio } from '../../bench/lib/stats.js';

describe('pairedRatio', () => {
  it('given a machine that slows both runs of a round alike, then the ratio stays what it is in every round', () => {
    const baseline = [19_288, 9_561, 14_396];
    const subject = baseline.map((value) => value * 0.55);
    expect(pairedRatio(subject, baseline).ratio).toBeCloseTo(0.55, 10);
  });

  it('given one outlier round, then the median of the per-round ratios ignores it', () => {
    const { ratio, perRound } = pairedRatio([10, 20, 30], [10, 10, 10]);
    expect(perRound).toEqual([1, 2, 3]);
    expect(ratio).toBe(2);
  });

  it('given rounds that do not pair up, then there is no ratio', () => {
    expect(pairedRatio([1, 2], [1])).toEqual({ ratio: null, perRound: [] });
    expect(pairedRatio([], [])).toEqual({ ratio: null, perRound: [] });
    expect(pairedRatio([1], [0]).ratio).toBeNull();
  });
});
