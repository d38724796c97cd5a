/**
 * The waiting room's admission rate (fans admitted per second), for the ETA a waiting fan is shown.
 *
 * What is measured. Admissions come in batches: a tick admits every fan it has a free slot for, all at
 * one instant, and slots free when admitted fans pay, leave or run out of time, seconds apart. The rate
 * is exponentially weighted sums of admissions and of the seconds they took, both decayed by
 * exp(-age / window) and updated only when a batch is admitted:
 *
 *     admissions <- admissions * d + batch size,  seconds <- seconds * d + gap,  rate = admissions / seconds
 *
 * so a line that admits k fans every P seconds reads exactly k / P, between its admissions as at them.
 * (A per-second average that decays every empty second saws up and down between sparse admissions: the
 * ETA it gives rises each second a fan waits and drops at the next admission.)
 *
 * On which clock. Seconds count only while someone waits in line ("line time"): an empty line admits
 * nobody whatever the slots do, so its quiet says nothing about how fast slots free. Neither does time
 * the server was down: the estimate is persisted (see `snapshot`) and resumes at the line time it had.
 *
 * Between admissions. The time since the last batch is evidence only once it exceeds what the rate
 * predicts. If a batch of the usual size came right now, the rate would become
 *
 *     ifNow = (admissions * d + mean batch) / (seconds * d + gap)
 *
 * and any later batch would leave it lower; so the honest rate now is min(rate, ifNow). Worked out,
 * ifNow >= rate exactly while gap <= mean batch / rate, the interval the rate itself predicts for the
 * next batch: until then the estimate (and a waiting fan's ETA) stays put. Once the line has been quiet
 * for longer than its rate explains, the estimate falls, towards mean batch / gap, down to the waiting
 * room's floor (every slot frees within the admission TTL).
 *
 * Which intervals. Only those between two batches with someone waiting all along: a batch after the
 * line was empty admits fans who joined since (into free slots, or after part of an interval), which
 * says nothing about how fast slots free, so it only opens the next interval. Until an interval has
 * been measured the rate is the prior; it is not averaged in afterwards (the waiting room's prior is its
 * worst case, which it applies as a floor anyway, and mixed in it would drag a real measurement towards
 * it for a whole window). Everything is driven by the timestamps it is given, so replaying the same
 * events rebuilds the same estimate; reading never mutates.
 */

/** What the estimate needs across a restart; line times are ms of line time, not wall-clock instants. */
export interface AdmissionRateSnapshot {
  admissions: number;
  seconds: number;
  batches: number;
  /** Line time of the last batch; null until the first batch. */
  lastBatchLineMs: number | null;
  /** Whether someone has waited since the last batch without a break: the next batch closes a measured interval. */
  intervalOpen: boolean;
  /** Line time when the snapshot was taken. */
  lineMs: number;
}

export class AdmissionRateEstimate {
  private admissions = 0;
  private seconds = 0;
  private batches = 0;
  private lastBatchLineMs: number | null = null;
  private intervalOpen = false;
  /** Wall-clock instant of the last batch: admissions at it (or before it) belong to that batch. */
  private lastBatchAtMs = Number.NEGATIVE_INFINITY;
  /** Whether the last batch closed a measured interval, so more admissions at its instant are counted. */
  private lastBatchCounted = false;
  /** Line time accumulated up to the wall-clock instant `lineClockAtMs`. */
  private lineMs = 0;
  private lineClockAtMs = Number.NEGATIVE_INFINITY;
  private waiting = false;

  constructor(
    private readonly windowMs: number,
    private readonly priorPerSecond: number,
  ) {
    if (!(windowMs > 0 && Number.isFinite(windowMs))) throw new RangeError('windowMs must be positive');
    if (!(priorPerSecond >= 0 && Number.isFinite(priorPerSecond))) throw new RangeError('priorPerSecond must be >= 0');
  }

  get prior(): number {
    return this.priorPerSecond;
  }

  /**
   * Whether someone waits in line from `atMs` on. Line time runs only while someone does, and an empty
   * line breaks the interval being measured: the next batch admits fans who joined since, after a part
   * of an interval only, so it opens the next measured interval instead of closing one.
   */
  setLineWaiting(waiting: boolean, atMs: number): void {
    if (waiting === this.waiting) return;
    this.advanceLineClock(atMs);
    this.waiting = waiting;
    if (!waiting) this.intervalOpen = false;
  }

  /** `count` fans admitted at `atMs`. Admissions at one instant are one batch. */
  record(count: number, atMs: number): void {
    this.advanceLineClock(atMs);
    if (atMs <= this.lastBatchAtMs) {
      if (this.lastBatchCounted) this.admissions += count;
      return;
    }
    const nowLineMs = this.lineMs;
    const previousLineMs = this.lastBatchLineMs;
    this.lastBatchAtMs = atMs;
    this.lastBatchLineMs = nowLineMs;
    this.lastBatchCounted = this.intervalOpen && previousLineMs !== null && nowLineMs > previousLineMs;
    this.intervalOpen = true;
    if (!this.lastBatchCounted || previousLineMs === null) return;
    const gapMs = nowLineMs - previousLineMs;
    const keep = Math.exp(-gapMs / this.windowMs);
    this.admissions = this.admissions * keep + count;
    this.seconds = this.seconds * keep + gapMs / 1000;
    this.batches = this.batches * keep + 1;
  }

  /** The rate as of `nowMs`: the measured rate, lowered only by a quiet spell longer than it explains. */
  ratePerSecondAt(nowMs: number): number {
    if (this.lastBatchLineMs === null || this.batches <= 0 || this.seconds <= 0) return this.priorPerSecond;
    const measured = this.admissions / this.seconds;
    const gapMs = this.lineTimeAt(nowMs) - this.lastBatchLineMs;
    if (gapMs <= 0) return measured;
    const keep = Math.exp(-gapMs / this.windowMs);
    const meanBatch = this.admissions / this.batches;
    const ifAdmittedNow = (this.admissions * keep + meanBatch) / (this.seconds * keep + gapMs / 1000);
    return Math.min(measured, ifAdmittedNow);
  }

  /** The state to persist, as of `nowMs`. */
  snapshot(nowMs: number): AdmissionRateSnapshot {
    return {
      admissions: this.admissions, seconds: this.seconds, batches: this.batches,
      lastBatchLineMs: this.lastBatchLineMs, intervalOpen: this.intervalOpen, lineMs: this.lineTimeAt(nowMs),
    };
  }

  /**
   * Resumes a persisted estimate at `nowMs` (after a restart): line time goes on from where the snapshot
   * left it, so the downtime neither counts as a quiet line nor shifts the last batch. `waiting`: whether
   * the restored line holds anyone. A snapshot that does not hold together is ignored (false).
   */
  restore(snapshot: AdmissionRateSnapshot, nowMs: number, waiting: boolean): boolean {
    if (!isSnapshot(snapshot)) return false;
    this.admissions = snapshot.admissions;
    this.seconds = snapshot.seconds;
    this.batches = snapshot.batches;
    this.lastBatchLineMs = snapshot.lastBatchLineMs;
    this.intervalOpen = snapshot.intervalOpen && waiting;
    this.lastBatchAtMs = Number.NEGATIVE_INFINITY;
    this.lastBatchCounted = false;
    this.lineMs = snapshot.lineMs;
    this.lineClockAtMs = nowMs;
    this.waiting = waiting;
    return true;
  }

  private lineTimeAt(nowMs: number): number {
    return this.waiting && nowMs > this.lineClockAtMs ? this.lineMs + (nowMs - this.lineClockAtMs) : this.lineMs;
  }

  private advanceLineClock(atMs: number): void {
    this.lineMs = this.lineTimeAt(atMs);
    if (atMs > this.lineClockAtMs) this.lineClockAtMs = atMs;
  }
}

/** A persisted snapshot as read back: every number finite and not negative, the last batch not after the snapshot. */
function isSnapshot(value: unknown): value is AdmissionRateSnapshot {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const amount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  return amount(v.admissions) && amount(v.seconds) && amount(v.batches) && amount(v.lineMs)
    && typeof v.intervalOpen === 'boolean'
    && (v.lastBatchLineMs === null || (amount(v.lastBatchLineMs) && v.lastBatchLineMs <= v.lineMs));
}
