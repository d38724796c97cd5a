/**
 * Scenario 4, flash sale: N fans (10,000) join the waiting room at once; it admits them in batches
 * (QUEUE_MAX_ACTIVE per tick, the contract's default 100); all fight for the 50 seats of one schedule.
 * Reports throughput, p50/p99 per request kind, holds succeeded (must equal the seats), time to sell out.
 * A fresh server and database per round; the fans' wallets are charged before the sale (not timed).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { benchPaths, stopAll, tempDbPath } from '../lib/context.js';
import { SaleRecorder, runFan, type RequestKind } from '../lib/flash-sale-fan.js';
import { HttpClient, mapConcurrent } from '../lib/http-client.js';
import { listenOverflows } from '../lib/kernel-counters.js';
import { BENCH_ADMIN_KEY, startRealServer, type ServerProcess } from '../lib/processes.js';
import { benchUser, charge, createSchedules } from '../lib/provision.js';
import { median, percentile, round, roundsText } from '../lib/stats.js';
import type { Metric, RunContext, Scenario, ScenarioResult } from '../lib/types.js';

const SEATS = 50;
const ADMISSION_BATCH = 100;
const SALE_SOCKETS = 1_000;
const SALE_TIMEOUT_MS = 180_000;
const KINDS: RequestKind[] = ['join', 'status', 'seats', 'hold', 'pay', 'leave'];

interface SaleRound {
  fans: number;
  durationMs: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  joinBurstMs: number;
  holdsSucceeded: number;
  paymentsSucceeded: number;
  confirmedSeats: number;
  soldOutMs: number | null;
  firstSoldOutNoticeMs: number | null;
  serverCpuPercent: number;
  /** The load generator (this process): CPU and event-loop delay, to tell a slow server from a slow client. */
  loadGeneratorCpuPercent: number;
  loadGeneratorLoopDelayP99Ms: number;
  /** Connections the kernel dropped from a full accept queue during the sale (machine-wide counter). */
  listenOverflows: number | null;
  byKind: Record<string, { count: number; p50Ms: number; p99Ms: number; statuses: Record<string, number> }>;
  outcomes: Record<string, number>;
  errors: string[];
}

async function saleRound(context: RunContext, roundIndex: number, fans: number): Promise<SaleRound> {
  let server: ServerProcess | undefined;
  const setup: HttpClient[] = [];
  try {
    server = await startRealServer(benchPaths(context), {
      name: `flash-sale-${roundIndex + 1}`, dbPath: tempDbPath(context, 'flash'), durability: 'FULL',
      extraEnv: { QUEUE_MAX_ACTIVE: String(ADMISSION_BATCH), QUEUE_ACTIVE_TTL_SECONDS: '600', QUEUE_WAITING_IDLE_SECONDS: '120' },
    });
    const admin = new HttpClient(server.baseUrl);
    setup.push(admin);
    const [scheduleId] = await createSchedules(admin, 1, 'Flash sale');
    if (scheduleId === undefined) throw new Error('no schedule created');
    const users = Array.from({ length: fans }, (_, i) => benchUser(`fan-${roundIndex}-${i}`));
    await charge(admin, users, 1_000_000);
    context.log(`flash sale r${roundIndex + 1}: ${fans} fans charged; sale starts`);

    const client = new HttpClient(server.baseUrl, SALE_SOCKETS);
    setup.push(client);
    const recorder = new SaleRecorder();
    const cpuBefore = server.cpuSeconds();
    const overflowsBefore = listenOverflows();
    const ownCpuBefore = process.cpuUsage();
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const startedAt = performance.now();
    const sale = mapConcurrent(users, fans, async (user) => {
      await runFan(client, user, scheduleId, recorder);
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([sale, new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`sale did not finish within ${SALE_TIMEOUT_MS} ms`)), SALE_TIMEOUT_MS); })]);
    clearTimeout(timer);
    const endedAt = performance.now();
    const cpuSeconds = server.cpuSeconds() - cpuBefore;
    const overflowsAfter = listenOverflows();
    loopDelay.disable();
    const ownCpu = process.cpuUsage(ownCpuBefore);

    const stats = await admin.request<{ seats: { confirmed: number } }>('GET', '/v1/admin/stats', { headers: { 'x-admin-key': BENCH_ADMIN_KEY } });
    const all = KINDS.flatMap((kind) => recorder.latencies.get(kind) ?? []);
    const byKind: SaleRound['byKind'] = {};
    for (const kind of KINDS) {
      const list = recorder.latencies.get(kind) ?? [];
      const statuses = Object.fromEntries([...(recorder.statuses.get(kind) ?? new Map<number, number>())].map(([s, n]) => [String(s), n]));
      byKind[kind] = { count: list.length, p50Ms: round(percentile(list, 50), 2), p99Ms: round(percentile(list, 99), 2), statuses };
    }
    const durationMs = endedAt - startedAt;
    const soldOutAt = recorder.paymentTimes.length >= SEATS ? [...recorder.paymentTimes].sort((a, b) => a - b)[SEATS - 1] as number : null;
    return {
      fans,
      durationMs: round(durationMs),
      requests: all.length,
      requestsPerSecond: round(all.length / (durationMs / 1000)),
      p50Ms: round(percentile(all, 50), 2),
      p99Ms: round(percentile(all, 99), 2),
      joinBurstMs: round((recorder.lastAnsweredAt.get('join') ?? startedAt) - startedAt),
      holdsSucceeded: recorder.holdsSucceeded,
      paymentsSucceeded: recorder.paymentsSucceeded,
      confirmedSeats: stats.status === 200 ? stats.body.seats.confirmed : -1,
      soldOutMs: soldOutAt === null ? null : round(soldOutAt - startedAt),
      firstSoldOutNoticeMs: recorder.firstSoldOutNoticeAt === null ? null : round(recorder.firstSoldOutNoticeAt - startedAt),
      serverCpuPercent: round((cpuSeconds / (durationMs / 1000)) * 100),
      loadGeneratorCpuPercent: round(((ownCpu.user + ownCpu.system) / 1e6 / (durationMs / 1000)) * 100),
      loadGeneratorLoopDelayP99Ms: round(loopDelay.percentile(99) / 1e6, 1),
      listenOverflows: overflowsBefore === null || overflowsAfter === null ? null : overflowsAfter - overflowsBefore,
      byKind,
      outcomes: Object.fromEntries(recorder.outcomes),
      errors: recorder.errors.slice(0, 20),
    };
  } finally {
    for (const client of setup) client.close();
    await stopAll([server]);
  }
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const fans = context.options.quick ? 2_000 : 10_000;
  const rounds: SaleRound[] = [];
  for (let i = 0; i < context.options.rounds; i++) {
    const result = await saleRound(context, i, fans);
    rounds.push(result);
    context.log(`flash sale r${i + 1}: ${result.requests} requests in ${result.durationMs} ms, holds ${result.holdsSucceeded}, paid ${result.paymentsSucceeded}, sold out at ${result.soldOutMs} ms, outcomes ${JSON.stringify(result.outcomes)}`);
  }
  const med = (pick: (r: SaleRound) => number | null): number => round(median(rounds.map(pick).filter((v): v is number => v !== null)), 2);
  const per = (pick: (r: SaleRound) => number | null): string => `rounds ${roundsText(rounds.map((r) => pick(r) ?? Number.NaN), 1)}`;
  const metrics: Metric[] = [
    { name: 'fans', value: fans, detail: `one schedule of ${SEATS} seats; admitted ${ADMISSION_BATCH} at a time (QUEUE_MAX_ACTIVE)` },
    { name: 'throughput (all requests)', value: med((r) => r.requestsPerSecond), unit: 'req/s', detail: `${per((r) => r.requestsPerSecond)}; server CPU ${med((r) => r.serverCpuPercent)}%, load generator CPU ${med((r) => r.loadGeneratorCpuPercent)}% (event-loop delay p99 ${med((r) => r.loadGeneratorLoopDelayP99Ms)} ms)` },
    { name: 'latency p50 (all requests)', value: med((r) => r.p50Ms), unit: 'ms', detail: per((r) => r.p50Ms) },
    { name: 'latency p99 (all requests)', value: med((r) => r.p99Ms), unit: 'ms', detail: per((r) => r.p99Ms) },
    { name: `all ${fans} joins answered after`, value: med((r) => r.joinBurstMs), unit: 'ms', detail: per((r) => r.joinBurstMs) },
    { name: 'holds succeeded', value: med((r) => r.holdsSucceeded), detail: `${per((r) => r.holdsSucceeded)}; must equal ${SEATS}` },
    { name: 'payments succeeded / seats confirmed', value: `${med((r) => r.paymentsSucceeded)} / ${med((r) => r.confirmedSeats)}`, detail: `${per((r) => r.paymentsSucceeded)} / ${per((r) => r.confirmedSeats)}` },
    { name: 'time to sell out (50th payment answered)', value: med((r) => r.soldOutMs), unit: 'ms', detail: per((r) => r.soldOutMs) },
    { name: 'first "soldOut: true" seen by a waiting fan', value: med((r) => r.firstSoldOutNoticeMs), unit: 'ms', detail: per((r) => r.firstSoldOutNoticeMs) },
    { name: 'connections dropped by a full accept queue', value: med((r) => r.listenOverflows), detail: `${per((r) => r.listenOverflows)}; kernel ListenOverflows during the sale (machine-wide); each costs its fan a SYN retransmit (1 s, 3 s, 7 s ...)` },
    { name: 'whole sale (every fan done)', value: med((r) => r.durationMs), unit: 'ms', detail: per((r) => r.durationMs) },
  ];
  for (const kind of KINDS) {
    const last = rounds[rounds.length - 1]?.byKind[kind];
    metrics.push({
      name: `${kind}: p50 / p99`, value: `${med((r) => r.byKind[kind]?.p50Ms ?? null)} / ${med((r) => r.byKind[kind]?.p99Ms ?? null)}`, unit: 'ms',
      detail: `count ${per((r) => r.byKind[kind]?.count ?? 0)}; statuses (last round) ${JSON.stringify(last?.statuses ?? {})}`,
    });
  }
  const exact = rounds.every((r) => r.holdsSucceeded === SEATS && r.paymentsSucceeded === SEATS && r.confirmedSeats === SEATS);
  return {
    id: 'flash-sale',
    title: '4. Flash sale: fans join at once, 50 seats',
    metrics,
    targets: [{
      target: 'flash sale: holds succeeded = seats = confirmed (no oversell, no lost sale)',
      measured: rounds.map((r) => `${r.holdsSucceeded} holds / ${r.paymentsSucceeded} paid / ${r.confirmedSeats} confirmed`).join('; '),
      ratio: null,
      threshold: `= ${SEATS} in every round`,
      met: exact,
    }],
    notes: [
      `${context.options.rounds} round(s), each on a fresh server and database (DB_SYNCHRONOUS=FULL); medians over rounds. Fans share ${SALE_SOCKETS} keep-alive sockets; latency is timed from socket assignment (the wait for a free socket in the load generator is excluded), so it is the server's answer time under this load.`,
      'A fan polls GET /v1/queue/status every 1-1.25 s while WAITING, stops on soldOut: true, and once ACTIVE reads the free seats, holds a random one (another on 409, up to 5 tries), pays, or leaves the line when nothing is free.',
      `Outcomes (last round): ${JSON.stringify(rounds[rounds.length - 1]?.outcomes ?? {})}.`,
    ],
    raw: rounds,
  };
}

export const flashSaleScenario: Scenario = { id: 'flash-sale', title: 'Flash sale', run };
