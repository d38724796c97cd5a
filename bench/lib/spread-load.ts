/**
 * One load spread over several servers at once, as a load balancer would: one autocannon instance per
 * server (the connections split between them), all in this process, latencies merged into one
 * distribution so the p99 is that of every answer, not the worst of per-server p99s.
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import type { LoadResult } from './load.js';
import type { ServerProcess } from './processes.js';
import { percentile, round } from './stats.js';

export interface SpreadTarget {
  server: ServerProcess;
  requests: AutocannonRequest[];
}

export interface SpreadSpec {
  label: string;
  targets: SpreadTarget[];
  /** In total, split as evenly as possible over the targets. */
  connections: number;
  /** The longest it runs ... */
  durationSeconds: number;
  /** ... or until this settles (a background load for as long as something else takes). */
  until?: Promise<unknown>;
}

function runOne(target: SpreadTarget, connections: number, spec: SpreadSpec, latencies: number[]): Promise<AutocannonResult> {
  const { durationSeconds } = spec;
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: target.server.baseUrl, connections, pipelining: 1, timeout: 30, duration: durationSeconds, requests: target.requests,
    }, (error, value) => (error === null ? resolve(value) : reject(error)));
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    });
    void spec.until?.finally(() => instance.stop());
  });
}

/** A LoadResult for the whole spread; serverCpuPercent sums the targets' processes (100 = one core). */
export async function runSpreadLoad(spec: SpreadSpec): Promise<LoadResult & { perTarget: Array<{ name: string; ok: number }> }> {
  const latencies: number[] = [];
  const count = spec.targets.length;
  const cpuBefore = spec.targets.map((t) => t.server.cpuSeconds());
  const ownBefore = process.cpuUsage();
  const startedAt = performance.now();
  const results = await Promise.all(spec.targets.map((target, i) => {
    const connections = Math.floor(spec.connections / count) + (i < spec.connections % count ? 1 : 0);
    return runOne(target, connections, spec, latencies);
  }));
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const own = process.cpuUsage(ownBefore);
  const serverCpuSeconds = spec.targets.reduce((sum, t, i) => sum + t.server.cpuSeconds() - (cpuBefore[i] as number), 0);
  const statusCodes: Record<string, number> = {};
  let ok = 0;
  let requests = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  for (const result of results) {
    ok += result['2xx'];
    requests += result.requests.total;
    non2xx += result.non2xx;
    errors += result.errors;
    timeouts += result.timeouts;
    for (const [code, { count: n }] of Object.entries(result.statusCodeStats)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  }
  const durationSeconds = Math.max(...results.map((r) => r.duration), 0) || wallSeconds;
  return {
    label: spec.label,
    okPerSecond: round(ok / durationSeconds),
    requests, ok, non2xx, errors, timeouts, statusCodes,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies.reduce((max, v) => (v > max ? v : max), 0), 2),
    durationSeconds: round(durationSeconds, 2),
    serverCpuPercent: round((serverCpuSeconds / wallSeconds) * 100),
    loadGeneratorCpuPercent: round(((own.user + own.system) / 1e6 / wallSeconds) * 100),
    perTarget: results.map((r, i) => ({ name: (spec.targets[i] as SpreadTarget).server.name, ok: r['2xx'] })),
  };
}
