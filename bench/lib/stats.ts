/** Small statistics helpers: medians over rounds, percentiles over samples. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The median of per-round ratios subject[i] / baseline[i]. Baseline and subject run back to back within
 * each round, so whatever slows the shared machine for a while slows both: pairing cancels it, where a
 * ratio of the two medians can pair a fast round of one with a slow round of the other (in one run the
 * same bare server measured 9,561 and 19,288 req/s a minute apart).
 */
export function pairedRatio(subject: readonly number[], baseline: readonly number[]): { ratio: number | null; perRound: number[] } {
  if (subject.length === 0 || subject.length !== baseline.length) return { ratio: null, perRound: [] };
  const perRound = subject.map((value, i) => value / (baseline[i] as number));
  const ratio = median(perRound);
  return { ratio: Number.isFinite(ratio) ? ratio : null, perRound };
}

/** Nearest-rank percentile of unsorted samples (copies and sorts). */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function round(value: number, digits = 0): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** "1.23" style ratio text, or "n/a". */
export function ratioText(value: number | null): string {
  return value === null || !Number.isFinite(value) ? 'n/a' : value.toFixed(2);
}

/** Per-round values for the detail column: "r1 12,300 · r2 12,100". */
export function roundsText(values: readonly number[], digits = 0): string {
  return values.map((v) => round(v, digits).toLocaleString('en-US')).join(' · ');
}

export function mb(bytes: number): number {
  return round(bytes / 1_048_576, 1);
}
