/**
 * One load run: autocannon (as a library, in this process) against a server in another process.
 * Latencies are recorded per response with sub-millisecond resolution (autocannon's own histogram
 * rounds to whole milliseconds); CPU of the server and of this load generator is sampled from /proc
 * and process.cpuUsage, so a run where the generator, not the server, was the bottleneck shows it.
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import type { ServerProcess } from './processes.js';
import { percentile, round } from './stats.js';

export interface LoadSpec {
  label: string;
  server: ServerProcess;
  connections: number;
  /** Run for this long ... */
  durationSeconds?: number;
  /** ... or until this many requests (then duration is ignored). */
  amount?: number;
  requests: AutocannonRequest[];
}

export interface LoadResult {
  label: string;
  /** 2xx responses per second: the throughput that counts. */
  okPerSecond: number;
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  durationSeconds: number;
  /** Server process CPU over the run, 100 = one core busy. */
  serverCpuPercent: number;
  /** This process (the load generator) CPU over the run. */
  loadGeneratorCpuPercent: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const serverCpuBefore = spec.server.cpuSeconds();
  const ownCpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon({
      url: spec.server.baseUrl,
      connections: spec.connections,
      pipelining: 1,
      timeout: 30,
      ...(spec.amount === undefined ? { duration: spec.durationSeconds ?? 5 } : { amount: spec.amount }),
      requests: spec.requests,
    }, (error, value) => (error === null ? resolve(value) : reject(error)));
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
    });
  });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const serverCpuSeconds = spec.server.cpuSeconds() - serverCpuBefore;
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  const ok = result['2xx'];
  const durationSeconds = result.duration > 0 ? result.duration : wallSeconds;
  return {
    label: spec.label,
    okPerSecond: round(ok / durationSeconds),
    requests: result.requests.total,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    p50Ms: round(percentile(latencies, 50), 2),
    p99Ms: round(percentile(latencies, 99), 2),
    maxMs: round(latencies.reduce((max, v) => (v > max ? v : max), 0), 2),
    durationSeconds: round(durationSeconds, 2),
    serverCpuPercent: round((serverCpuSeconds / wallSeconds) * 100),
    loadGeneratorCpuPercent: round(((ownCpu.user + ownCpu.system) / 1e6 / wallSeconds) * 100),
  };
}

/** Alternates baseline and subject runs: for each round, every spec once, in the given order. */
export async function alternate(rounds: number, specs: Array<() => LoadSpec>, onResult: (result: LoadResult, round: number) => void): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (const make of specs) onResult(await runLoad(make()), round);
  }
}
