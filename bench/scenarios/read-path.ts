/**
 * Scenario 2, read path: GET /v1/schedules/{id}/seats and GET /v1/queue/status with real JWTs and
 * ACTIVE queue tokens, each alternated with its bare-Fastify twin (same path, headers and body shape).
 * Target: each >= 80% of its bare ceiling's req/s.
 */
import { benchPaths, describeLoad, recordCeiling, stopAll, tempDbPath } from '../lib/context.js';
import { HttpClient } from '../lib/http-client.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import { startBareServer, startRealServer, type ServerProcess } from '../lib/processes.js';
import { createSchedules, provisionActiveUsers } from '../lib/provision.js';
import { cpuCostInfo, loadMetrics, summarize, throughputTarget } from '../lib/summary.js';
import type { RunContext, Scenario, ScenarioResult } from '../lib/types.js';
import { queueStatusReads, seatMapReads } from '../lib/workloads.js';

const READ_TARGET_RATIO = 0.8;
const WARMUP_SECONDS = 1;

export const BARE_SEATS = 'bare GET seat map (50 seats)';
export const BARE_STATUS = 'bare GET queue status';

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const paths = benchPaths(context);
  let bare: ServerProcess | undefined;
  let real: ServerProcess | undefined;
  let client: HttpClient | undefined;
  try {
    bare = await startBareServer(paths);
    real = await startRealServer(paths, { name: 'read-full', dbPath: tempDbPath(context, 'read'), durability: 'FULL' });
    client = new HttpClient(real.baseUrl);
    const scheduleIds = await createSchedules(client, options.quick ? 10 : 40);
    const users = await provisionActiveUsers(client, 'reader', options.quick ? 200 : 1_000);
    context.log(`read: ${scheduleIds.length} schedules, ${users.length} ACTIVE users ready`);

    const { connections } = options;
    const specs: Array<{ label: string; make: (seconds: number) => LoadSpec }> = [
      { label: BARE_SEATS, make: (s) => ({ label: BARE_SEATS, server: bare as ServerProcess, connections, durationSeconds: s, requests: seatMapReads(users, scheduleIds) }) },
      { label: 'GET /v1/schedules/{id}/seats', make: (s) => ({ label: 'seats', server: real as ServerProcess, connections, durationSeconds: s, requests: seatMapReads(users, scheduleIds) }) },
      { label: BARE_STATUS, make: (s) => ({ label: BARE_STATUS, server: bare as ServerProcess, connections, durationSeconds: s, requests: queueStatusReads(users) }) },
      { label: 'GET /v1/queue/status', make: (s) => ({ label: 'status', server: real as ServerProcess, connections, durationSeconds: s, requests: queueStatusReads(users) }) },
    ];
    for (const spec of specs) await runLoad(spec.make(WARMUP_SECONDS));

    const results = new Map<string, LoadResult[]>(specs.map((s) => [s.label, []]));
    for (let round = 0; round < options.rounds; round++) {
      for (const spec of specs) {
        const result = await runLoad(spec.make(options.durationSeconds));
        results.get(spec.label)?.push(result);
        if (spec.label.startsWith('bare')) recordCeiling(spec.label, result);
        context.log(`read r${round + 1} ${spec.label}: ${describeLoad(result)}`);
      }
    }
    const [bareSeats, seats, bareStatus, status] = specs.map((s) => summarize(s.label, results.get(s.label) ?? []));
    if (bareSeats === undefined || seats === undefined || bareStatus === undefined || status === undefined) throw new Error('missing results');
    return {
      id: 'read',
      title: '2. Read path (JWT + ACTIVE queue token), vs bare Fastify',
      metrics: [...loadMetrics(bareSeats), ...loadMetrics(seats), ...loadMetrics(bareStatus), ...loadMetrics(status)],
      targets: [
        throughputTarget('read: GET seats >= 80% of bare', seats, bareSeats, READ_TARGET_RATIO),
        throughputTarget('read: GET queue/status >= 80% of bare', status, bareStatus, READ_TARGET_RATIO),
        cpuCostInfo('read: GET seats, bare / real server CPU per request', seats, bareSeats),
        cpuCostInfo('read: GET queue/status, bare / real server CPU per request', status, bareStatus),
      ],
      notes: [
        `${connections} keep-alive connections, ${options.durationSeconds} s per run, ${options.rounds} alternated rounds (bare, real, bare, real), medians; targets judged on the median of per-round ratios (bare and real back to back); ${users.length} users over ${scheduleIds.length} schedules, round-robin.`,
        'Bare twins answer the same paths with a static body of the same shape (Fastify default serializer) and no auth, queue gate or engine.',
      ],
      raw: { bareSeats, seats, bareStatus, status },
    };
  } finally {
    client?.close();
    await stopAll([bare, real]);
  }
}

export const readPathScenario: Scenario = { id: 'read', title: 'Read path', run };
