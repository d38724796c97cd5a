/**
 * Scenario 3, write path: POST /v1/reservations then DELETE (hold + cancel, recycling the seat) spread
 * over many schedules and users, and the full purchase (hold + pay, a fresh user and seat each time),
 * at DB_SYNCHRONOUS=FULL and NORMAL, alternated with the bare Fastify POST+DELETE / POST+POST twin.
 * Target: hold+cancel at FULL >= 50% of bare req/s with p99 <= 3x bare p99.
 */
import { benchPaths, describeLoad, recordCeiling, stopAll, tempDbPath } from '../lib/context.js';
import { HttpClient } from '../lib/http-client.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import { startBareServer, startRealServer, type ServerProcess } from '../lib/processes.js';
import { createSchedules, provisionActiveUsers } from '../lib/provision.js';
import { commitStats, readCommitCounters, type CommitStats } from '../lib/server-metrics.js';
import { median } from '../lib/stats.js';
import { cpuCostInfo, latencyTarget, loadMetrics, summarize, throughputTarget, type LoadSummary } from '../lib/summary.js';
import type { Metric, RunContext, Scenario, ScenarioResult, TargetOutcome } from '../lib/types.js';
import { HoldCancelWorkload, PurchaseWorkload, seatSlots, type SeatSlot } from '../lib/workloads.js';

const SEATS_PER_SCHEDULE = 50;
const WRITE_TARGET_RATIO = 0.5;
const WRITE_P99_MAX_RATIO = 3;
const WARMUP_SECONDS = 1;
/** Enough for a seat's price at any grade (the demo map's dearest seat is 200,000). */
const PURCHASE_BALANCE = 1_000_000;
const PURCHASES_MIN = 200;
const PURCHASES_MAX = 20_000;

export const BARE_HOLD_CANCEL = 'bare POST + DELETE';
export const BARE_PURCHASE = 'bare POST + POST';

type Durability = 'FULL' | 'NORMAL';

interface Subject {
  durability: Durability;
  server: ServerProcess;
  client: HttpClient;
  holdCancel: HoldCancelWorkload;
  purchaseRounds: number;
}

async function prepareSubject(context: RunContext, durability: Durability, poolSize: number): Promise<Subject> {
  const server = await startRealServer(benchPaths(context), { name: `write-${durability.toLowerCase()}`, dbPath: tempDbPath(context, `write-${durability}`), durability });
  const client = new HttpClient(server.baseUrl);
  const scheduleIds = await createSchedules(client, Math.ceil(poolSize / SEATS_PER_SCHEDULE), `Hold/cancel ${durability}`);
  const users = await provisionActiveUsers(client, `hc-${durability}`, poolSize);
  return { durability, server, client, holdCancel: new HoldCancelWorkload(seatSlots(users, scheduleIds)), purchaseRounds: 0 };
}

/** Fresh users (ACTIVE, with money) and fresh seats for one purchase run: a payment sells the seat for good. */
async function purchaseSlots(subject: Subject, purchases: number): Promise<SeatSlot[]> {
  subject.purchaseRounds++;
  const tag = `buy-${subject.durability}-${subject.purchaseRounds}`;
  const scheduleIds = await createSchedules(subject.client, Math.ceil(purchases / SEATS_PER_SCHEDULE), tag);
  const users = await provisionActiveUsers(subject.client, tag, purchases, PURCHASE_BALANCE);
  return seatSlots(users, scheduleIds);
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const { connections } = options;
  const poolSize = connections * 4;
  let bare: ServerProcess | undefined;
  const subjects: Subject[] = [];
  try {
    bare = await startBareServer(benchPaths(context));
    for (const durability of ['FULL', 'NORMAL'] as const) subjects.push(await prepareSubject(context, durability, poolSize));
    // The bare server checks nothing but gets the same headers and bodies: it reuses the FULL server's slots.
    const bareSlots = (subjects[0] as Subject).holdCancel.slots;
    const bareHoldCancel = new HoldCancelWorkload(bareSlots);
    context.log(`write: ${poolSize} hold/cancel users per server ready`);

    const holdCancelSpec = (server: ServerProcess, workload: HoldCancelWorkload, label: string, seconds: number): LoadSpec => ({ label, server, connections, durationSeconds: seconds, requests: workload.requests() });
    const bareServer = bare;
    const commits = new Map<string, CommitStats[]>();
    /** Runs a load on a real server and records what its group commit did meanwhile (from /metrics). */
    const measured = async (key: string, server: ServerProcess, spec: LoadSpec): Promise<LoadResult> => {
      const before = await readCommitCounters(server);
      const result = await runLoad(spec);
      const stats = commitStats(before, await readCommitCounters(server), result.durationSeconds);
      commits.set(key, [...(commits.get(key) ?? []), stats]);
      return result;
    };
    const runHoldCancel = async (subject: Subject | null, seconds: number): Promise<LoadResult> => {
      const result = subject === null
        ? await runLoad(holdCancelSpec(bareServer, bareHoldCancel, BARE_HOLD_CANCEL, seconds))
        : await measured(`hold + cancel, ${subject.durability}`, subject.server, holdCancelSpec(subject.server, subject.holdCancel, `hold+cancel ${subject.durability}`, seconds));
      await (subject === null ? bareHoldCancel.cleanUp(null) : subject.holdCancel.cleanUp(subject.client));
      return result;
    };

    for (const subject of [null, ...subjects]) await runHoldCancel(subject, WARMUP_SECONDS);
    for (const subject of subjects) {
      const slots = await purchaseSlots(subject, connections * 2);
      await measured(`hold + pay, ${subject.durability}`, subject.server, { label: 'warm-up purchase', server: subject.server, connections, amount: slots.length * 2, requests: new PurchaseWorkload(slots, false).requests() });
    }

    const holdCancel = new Map<string, LoadResult[]>();
    const purchase = new Map<string, LoadResult[]>();
    const push = (map: Map<string, LoadResult[]>, label: string, result: LoadResult): void => {
      map.set(label, [...(map.get(label) ?? []), result]);
    };
    for (let round = 0; round < options.rounds; round++) {
      const bareResult = await runHoldCancel(null, options.durationSeconds);
      push(holdCancel, BARE_HOLD_CANCEL, bareResult);
      recordCeiling(BARE_HOLD_CANCEL, bareResult);
      context.log(`write r${round + 1} ${BARE_HOLD_CANCEL}: ${describeLoad(bareResult)}`);
      for (const subject of subjects) {
        const result = await runHoldCancel(subject, options.durationSeconds);
        push(holdCancel, subject.durability, result);
        context.log(`write r${round + 1} hold+cancel ${subject.durability}: ${describeLoad(result)}`);
      }

      const barePurchase = await runLoad({ label: BARE_PURCHASE, server: bareServer, connections, durationSeconds: options.durationSeconds, requests: new PurchaseWorkload(bareSlots, true).requests() });
      push(purchase, BARE_PURCHASE, barePurchase);
      recordCeiling(BARE_PURCHASE, barePurchase);
      context.log(`write r${round + 1} ${BARE_PURCHASE}: ${describeLoad(barePurchase)}`);
      for (const subject of subjects) {
        // Size the run to last about one duration at this server's hold+cancel pace (a purchase is two requests).
        const pace = median((holdCancel.get(subject.durability) ?? []).map((r) => r.okPerSecond));
        const wanted = Math.min(PURCHASES_MAX, Math.max(PURCHASES_MIN, Math.round((pace / 2) * options.durationSeconds)));
        const purchases = Math.ceil(wanted / connections) * connections;
        const slots = await purchaseSlots(subject, purchases);
        const result = await measured(`hold + pay, ${subject.durability}`, subject.server, { label: `purchase ${subject.durability}`, server: subject.server, connections, amount: purchases * 2, requests: new PurchaseWorkload(slots, false).requests() });
        push(purchase, subject.durability, result);
        context.log(`write r${round + 1} purchase ${subject.durability} (${purchases} purchases): ${describeLoad(result)}`);
      }
    }

    const summaries = {
      bareHoldCancel: summarize(BARE_HOLD_CANCEL, holdCancel.get(BARE_HOLD_CANCEL) ?? []),
      holdCancelFull: summarize('hold + cancel, FULL', holdCancel.get('FULL') ?? []),
      holdCancelNormal: summarize('hold + cancel, NORMAL', holdCancel.get('NORMAL') ?? []),
      barePurchase: summarize(BARE_PURCHASE, purchase.get(BARE_PURCHASE) ?? []),
      purchaseFull: summarize('hold + pay, FULL', purchase.get('FULL') ?? []),
      purchaseNormal: summarize('hold + pay, NORMAL', purchase.get('NORMAL') ?? []),
    };
    const metrics: Metric[] = Object.values(summaries).flatMap((s: LoadSummary) => loadMetrics(s));
    for (const [key, list] of commits) {
      // The warm-up run is the first entry of each key; the measured rounds follow.
      const rounds = list.slice(1);
      const med = (pick: (c: CommitStats) => number): number => median(rounds.map(pick));
      metrics.push({
        name: `${key}: server group commits`, value: med((c) => c.meanCommitMs), unit: 'ms per commit',
        detail: `${med((c) => c.commitsPerSecond)} commits/s of ${med((c) => c.meanCommandsPerCommit)} commands; event loop inside commits ${Math.round(med((c) => c.commitShareOfWall) * 100)}% of the run; commits > 10 ms ${(med((c) => c.over10msShare) * 100).toFixed(1)}%, > 50 ms ${(med((c) => c.over50msShare) * 100).toFixed(2)}% (from /metrics)`,
      });
    }
    const info = (label: string, subject: LoadSummary, baseline: LoadSummary): TargetOutcome => ({ ...throughputTarget(label, subject, baseline, WRITE_TARGET_RATIO), threshold: 'none (information)', met: null });
    return {
      id: 'write',
      title: '3. Write path: holds, cancels and payments over HTTP, vs bare Fastify',
      metrics,
      targets: [
        throughputTarget('write: hold+cancel at FULL >= 50% of bare POST+DELETE', summaries.holdCancelFull, summaries.bareHoldCancel, WRITE_TARGET_RATIO),
        latencyTarget('write: hold+cancel at FULL p99 <= 3x bare p99', summaries.holdCancelFull, summaries.bareHoldCancel, WRITE_P99_MAX_RATIO),
        cpuCostInfo('write: hold+cancel at FULL, bare / real server CPU per request', summaries.holdCancelFull, summaries.bareHoldCancel),
        info('write: hold+cancel at NORMAL vs bare', summaries.holdCancelNormal, summaries.bareHoldCancel),
        info('write: hold+pay at FULL vs bare POST+POST', summaries.purchaseFull, summaries.barePurchase),
        info('write: hold+pay at NORMAL vs bare POST+POST', summaries.purchaseNormal, summaries.barePurchase),
      ],
      notes: [
        `${connections} keep-alive connections, ${options.durationSeconds} s per hold+cancel run, ${options.rounds} alternated rounds (bare, FULL, NORMAL), medians; targets judged on the median of per-round ratios. Throughput counts requests (a hold+cancel is two).`,
        `Hold+cancel: ${poolSize} users per server, each bound to its own seat over ${Math.ceil(poolSize / SEATS_PER_SCHEDULE)} schedules, so no hold collides; a loop takes a free user, holds, cancels, returns the user.`,
        'Hold+pay: every purchase is a fresh ACTIVE user with money and a fresh seat (a payment sells the seat and ends the token); each run is sized to last about one duration at that server\'s hold+cancel pace.',
        'Every 2xx of the real server was committed to SQLite before it was sent (group commit, one transaction per event-loop turn).',
      ],
      raw: { ...summaries, commits: Object.fromEntries(commits) },
    };
  } finally {
    for (const subject of subjects) subject.client.close();
    await stopAll([bare, ...subjects.map((s) => s.server)]);
  }
}

export const writePathScenario: Scenario = { id: 'write', title: 'Write path', run };
