/**
 * Exponentially weighted moving average of a per-second event rate (admissions per second).
 *
 * Counts are bucketed by the whole second of their timestamp; each completed second folds into the
 * average with weight `alphaPerSecond`, and every empty second in between decays it by (1 - alpha).
 * Because it is driven only by the timestamps it is given, replaying the same events rebuilds the same
 * rate (no clock read). Reading the rate at a later instant folds the pending seconds without mutating,
 * so a quiet queue's rate falls even though nothing is recorded.
 *
 * Before the first recorded count the rate is the prior: nothing has been measured yet.
 */
export class PerSecondRateEwma {
  private rate: number;
  private started = false;
  private bucketSecond = 0;
  private bucketCount = 0;

  constructor(
    private readonly alphaPerSecond: number,
    private readonly priorPerSecond: number,
  ) {
    if (!(alphaPerSecond > 0 && alphaPerSecond <= 1)) throw new RangeError('alphaPerSecond must be in (0, 1]');
    if (!(priorPerSecond >= 0)) throw new RangeError('priorPerSecond must be >= 0');
    this.rate = priorPerSecond;
  }

  /** Adds `count` events at `atMs`. A timestamp earlier than the open second counts in the open second. */
  record(count: number, atMs: number): void {
    const second = Math.floor(atMs / 1000);
    if (!this.started) {
      this.started = true;
      this.bucketSecond = second;
    } else if (second > this.bucketSecond) {
      this.rate = this.rateAtSecond(second);
      this.bucketSecond = second;
      this.bucketCount = 0;
    }
    this.bucketCount += count;
  }

  /** The rate as of `nowMs`: completed seconds only (the open second is still counting). */
  ratePerSecondAt(nowMs: number): number {
    if (!this.started) return this.priorPerSecond;
    const second = Math.floor(nowMs / 1000);
    return second > this.bucketSecond ? this.rateAtSecond(second) : this.rate;
  }

  get prior(): number {
    return this.priorPerSecond;
  }

  private rateAtSecond(second: number): number {
    const keep = 1 - this.alphaPerSecond;
    const afterOpenSecond = this.alphaPerSecond * this.bucketCount + keep * this.rate;
    const emptySeconds = second - this.bucketSecond - 1;
    return emptySeconds > 0 ? afterOpenSecond * keep ** emptySeconds : afterOpenSecond;
  }
}
