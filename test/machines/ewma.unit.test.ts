import { describe, expect, it } from 'vitest';
import { AdmissionRateEstimate } from '../../src/machines/ewma.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const WINDOW_MS = 60_000;
const PRIOR = 1 / 6;

/** Someone waits from T0 on; `k` admitted every `everyMs`, `batches` times (the first batch only opens the measurement). */
function measured(k: number, everyMs: number, batches: number): { rate: AdmissionRateEstimate; lastMs: number } {
  const rate = new AdmissionRateEstimate(WINDOW_MS, PRIOR);
  rate.setLineWaiting(true, T0);
  let lastMs = T0;
  for (let i = 0; i < batches; i++) {
    lastMs = T0 + i * everyMs;
    for (let j = 0; j < k; j++) rate.record(1, lastMs);
  }
  return { rate, lastMs };
}

describe('AdmissionRateEstimate', () => {
  it('given nothing measured yet, then the prior', () => {
    const rate = new AdmissionRateEstimate(WINDOW_MS, PRIOR);
    expect(rate.ratePerSecondAt(T0)).toBeCloseTo(PRIOR);
    rate.setLineWaiting(true, T0);
    rate.record(50, T0 + 1_000); // the opening batch: an empty room filling its slots says nothing of the rate
    expect(rate.ratePerSecondAt(T0 + 1_000)).toBeCloseTo(PRIOR);
  });

  it('given k admitted every P seconds, then it reads k / P at a batch and all through the interval after it', () => {
    const { rate, lastMs } = measured(3, 4_000, 200);
    expect(rate.ratePerSecondAt(lastMs)).toBeCloseTo(3 / 4, 9);
    for (let ms = 0; ms <= 4_000; ms += 250) expect(rate.ratePerSecondAt(lastMs + ms)).toBe(rate.ratePerSecondAt(lastMs));
  });

  it('given a quiet spell past mean batch / rate, then the rate falls towards mean batch / gap', () => {
    const { rate, lastMs } = measured(3, 4_000, 200);
    expect(rate.ratePerSecondAt(lastMs + 4_001)).toBeLessThan(3 / 4);
    expect(rate.ratePerSecondAt(lastMs + 600_000)).toBeCloseTo(3 / 600, 3);
  });

  it('given the line empty, then its time is not counted; the next batch opens an interval instead of closing one', () => {
    const { rate, lastMs } = measured(1, 5_000, 100);
    const before = rate.ratePerSecondAt(lastMs);
    rate.setLineWaiting(false, lastMs);
    rate.setLineWaiting(true, lastMs + 3_600_000);
    expect(rate.ratePerSecondAt(lastMs + 3_600_000 + 2_000)).toBe(before);
    rate.record(1, lastMs + 3_600_000 + 1_000); // admitted a second after joining: part of an interval only
    expect(rate.ratePerSecondAt(lastMs + 3_600_000 + 1_000)).toBe(before);
  });

  it('given a snapshot, when restored later, then the same rate and the same quiet, the downtime left out', () => {
    const { rate, lastMs } = measured(1, 5_000, 100);
    const takenAt = lastMs + 3_000;
    const snapshot = JSON.parse(JSON.stringify(rate.snapshot(takenAt))) as ReturnType<AdmissionRateEstimate['snapshot']>;
    const restored = new AdmissionRateEstimate(WINDOW_MS, PRIOR);
    const restartAt = takenAt + 600_000;
    expect(restored.restore(snapshot, restartAt, true)).toBe(true);
    for (const ms of [0, 1_000, 2_000, 30_000, 300_000]) expect(restored.ratePerSecondAt(restartAt + ms)).toBe(rate.ratePerSecondAt(takenAt + ms));
  });

  it('given a snapshot that does not hold together, then it is refused and the prior kept', () => {
    const rate = new AdmissionRateEstimate(WINDOW_MS, PRIOR);
    const bad = { admissions: 1, seconds: -1, batches: 1, lastBatchLineMs: null, intervalOpen: false, lineMs: 0 };
    expect(rate.restore(bad, T0, true)).toBe(false);
    expect(rate.restore({ ...bad, seconds: 1, lastBatchLineMs: 5, lineMs: 4 }, T0, true)).toBe(false);
    expect(rate.restore({ ...bad, seconds: Number.NaN }, T0, true)).toBe(false);
    expect(rate.ratePerSecondAt(T0)).toBeCloseTo(PRIOR);
  });
});
