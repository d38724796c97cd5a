/** Medians over rounds and the baseline-vs-subject comparisons every target is judged on. */
import type { LoadResult } from './load.js';
import { median, pairedRatio, ratioText, round, roundsText } from './stats.js';
import type { Metric, TargetOutcome } from './types.js';

export interface LoadSummary {
  label: string;
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failures: number;
  serverCpuPercent: number;
  loadGeneratorCpuPercent: number;
  /** Server CPU time per successful request: less at the mercy of a shared machine than req/s. */
  serverCpuUsPerRequest: number;
  rounds: LoadResult[];
}

export function summarize(label: string, results: readonly LoadResult[]): LoadSummary {
  return {
    label,
    okPerSecond: round(median(results.map((r) => r.okPerSecond))),
    p50Ms: round(median(results.map((r) => r.p50Ms)), 2),
    p99Ms: round(median(results.map((r) => r.p99Ms)), 2),
    failures: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    serverCpuPercent: round(median(results.map((r) => r.serverCpuPercent))),
    loadGeneratorCpuPercent: round(median(results.map((r) => r.loadGeneratorCpuPercent))),
    serverCpuUsPerRequest: round(median(results.map((r) => (r.okPerSecond > 0 ? (r.serverCpuPercent / 100 / r.okPerSecond) * 1e6 : Number.NaN))), 1),
    rounds: [...results],
  };
}

/** Three rows per load: throughput, p50, p99, with per-round values and CPU in the detail. */
export function loadMetrics(summary: LoadSummary): Metric[] {
  const failures = summary.failures === 0 ? '' : `; ${summary.failures} non-2xx/errors over all rounds`;
  return [
    {
      name: `${summary.label}: throughput`, value: summary.okPerSecond, unit: 'req/s',
      detail: `rounds ${roundsText(summary.rounds.map((r) => r.okPerSecond))}; CPU server ${summary.serverCpuPercent}% (${summary.serverCpuUsPerRequest} µs per request) / load generator ${summary.loadGeneratorCpuPercent}%${failures}`,
    },
    { name: `${summary.label}: p50 latency`, value: summary.p50Ms, unit: 'ms', detail: `rounds ${roundsText(summary.rounds.map((r) => r.p50Ms), 2)}` },
    { name: `${summary.label}: p99 latency`, value: summary.p99Ms, unit: 'ms', detail: `rounds ${roundsText(summary.rounds.map((r) => r.p99Ms), 2)}` },
  ];
}

/** Per-round ratios as "0.87 · 1.56 · 1.33". */
function perRoundText(perRound: readonly number[]): string {
  return perRound.map((r) => ratioText(r)).join(' · ');
}

/** subject req/s >= minRatio x baseline req/s: the median of the per-round ratios (see pairedRatio). */
export function throughputTarget(target: string, subject: LoadSummary, baseline: LoadSummary, minRatio: number): TargetOutcome {
  const { ratio, perRound } = pairedRatio(subject.rounds.map((r) => r.okPerSecond), baseline.rounds.map((r) => r.okPerSecond));
  return {
    target,
    measured: `per round ${perRoundText(perRound)}; medians ${subject.okPerSecond.toLocaleString('en-US')} vs ${baseline.okPerSecond.toLocaleString('en-US')} req/s`,
    ratio: ratio === null ? null : round(ratio, 3),
    threshold: `>= ${minRatio.toFixed(2)}`,
    met: ratio !== null && ratio >= minRatio && subject.failures === 0,
  };
}

/** subject p99 <= maxRatio x baseline p99: the median of the per-round ratios. */
export function latencyTarget(target: string, subject: LoadSummary, baseline: LoadSummary, maxRatio: number): TargetOutcome {
  const { ratio, perRound } = pairedRatio(subject.rounds.map((r) => r.p99Ms), baseline.rounds.map((r) => r.p99Ms));
  return {
    target,
    measured: `per round ${perRoundText(perRound)}; medians p99 ${subject.p99Ms} vs ${baseline.p99Ms} ms`,
    ratio: ratio === null ? null : round(ratio, 3),
    threshold: `<= ${maxRatio.toFixed(2)}`,
    met: ratio !== null && ratio <= maxRatio,
  };
}

/**
 * Information: bare CPU per request / subject CPU per request, the throughput ratio a CPU-bound server
 * would reach. Less sensitive than req/s to the other tenants of a shared machine, and it separates
 * CPU cost from waiting (a synchronous fsync shows as low CPU and low throughput).
 */
export function cpuCostInfo(target: string, subject: LoadSummary, baseline: LoadSummary): TargetOutcome {
  const ratio = subject.serverCpuUsPerRequest > 0 ? baseline.serverCpuUsPerRequest / subject.serverCpuUsPerRequest : null;
  return {
    target,
    measured: `real ${subject.serverCpuUsPerRequest} µs vs bare ${baseline.serverCpuUsPerRequest} µs of server CPU per request`,
    ratio: ratio === null || !Number.isFinite(ratio) ? null : round(ratio, 3),
    threshold: 'none (information)',
    met: null,
  };
}

export { ratioText };
