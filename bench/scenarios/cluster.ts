/**
 * Scenario 8, cluster mode: the same HTTP workloads against one embedded server and against a 3-node
 * cluster (three nats-servers, JetStream replicas 3, three booking nodes) on this box, alternated in
 * rounds: hold+cancel through one follower, through the leader, spread over the three nodes; seat-map
 * reads through one node and spread. Then CPU per command of each role (routing, journaling, fan-out),
 * memory per node, and ten kill -9s of the leader with the time to the first acknowledged write on a
 * survivor (target <= 10 s). Everything but the failover is information: ratios in the same run.
 */
import { join } from 'node:path';
import { benchPaths, describeLoad, stopAll, tempDbPath } from '../lib/context.js';
import { CpuLedger, project, roleCosts, type CpuRun, type RoleCosts } from '../lib/cluster-cost.js';
import { failoverTrial, type FailoverTrial } from '../lib/cluster-failover.js';
import { BenchCluster, heapUsedBytes, type BenchNode } from '../lib/cluster-nodes.js';
import { HttpClient } from '../lib/http-client.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { startRealServer, type ServerProcess } from '../lib/processes.js';
import { cpuSecondsOf } from '../lib/proc-stat.js';
import { createSchedules, provisionActiveUsers, type BenchUser } from '../lib/provision.js';
import { runSpreadLoad, type SpreadTarget } from '../lib/spread-load.js';
import { mb, median, round, roundsText } from '../lib/stats.js';
import { loadMetrics, summarize, throughputTarget, latencyTarget } from '../lib/summary.js';
import type { Metric, RunContext, Scenario, ScenarioResult, TargetOutcome } from '../lib/types.js';
import { HoldCancelWorkload, seatMapReads, seatSlots, type SeatSlot } from '../lib/workloads.js';

const NODES = 3;
const SEATS_PER_SCHEDULE = 50;
const READ_SCHEDULES = 20;
const WARMUP_SECONDS = 2;
const FAILOVER_TRIALS = 10;
const FAILOVER_TARGET_MS = 10_000;
const PROJECTED_NODES = [1, 3, 16];

type Subject = 'embedded' | 'follower' | 'leader' | 'spread';
const WRITE_SUBJECTS: Subject[] = ['embedded', 'follower', 'leader', 'spread'];
const READ_SUBJECTS: Subject[] = ['embedded', 'follower', 'spread'];

const LABELS: Record<Subject, string> = {
  embedded: 'embedded (one process)',
  follower: 'cluster, one follower node',
  leader: 'cluster, the leader node',
  spread: `cluster, spread over ${NODES} nodes`,
};

interface Setup {
  embedded: ServerProcess;
  cluster: BenchCluster;
  leaderId: string;
  followerId: string;
  embeddedSlots: SeatSlot[];
  clusterSlots: SeatSlot[];
  embeddedReaders: { users: BenchUser[]; scheduleIds: string[] };
  clusterReaders: { users: BenchUser[]; scheduleIds: string[] };
}

async function provision(client: HttpClient, tag: string, poolSize: number): Promise<{ slots: SeatSlot[]; readers: { users: BenchUser[]; scheduleIds: string[] } }> {
  const scheduleIds = await createSchedules(client, Math.ceil(poolSize / SEATS_PER_SCHEDULE), `Cluster bench ${tag}`);
  const users = await provisionActiveUsers(client, `cl-${tag}`, poolSize);
  const readSchedules = await createSchedules(client, READ_SCHEDULES, `Cluster bench reads ${tag}`);
  return { slots: seatSlots(users, scheduleIds), readers: { users: users.slice(0, 64), scheduleIds: readSchedules } };
}

function nodeOf(setup: Setup, id: string): BenchNode {
  return setup.cluster.node(id);
}

/** Splits the slots into one disjoint pool per node, so two nodes never hold the same seat. */
function spreadWorkloads(setup: Setup, slots: readonly SeatSlot[]): Array<{ node: BenchNode; workload: HoldCancelWorkload }> {
  return setup.cluster.nodes.map((node, i) => ({ node, workload: new HoldCancelWorkload(slots.filter((_, j) => j % NODES === i)) }));
}

async function cleanUp(workload: HoldCancelWorkload, server: ServerProcess): Promise<void> {
  const client = new HttpClient(server.baseUrl);
  try {
    await workload.cleanUp(client);
  } finally {
    client.close();
  }
}

interface Measured { result: LoadResult; cpu: CpuRun; leaderChanged: boolean }

async function measure(setup: Setup, ledger: CpuLedger, subject: Subject, kind: 'write' | 'read', seconds: number, connections: number): Promise<Measured> {
  const leaderBefore = await setup.cluster.leaderId();
  const before = ledger.snapshot();
  const startedAt = performance.now();
  let result: LoadResult;
  const label = `${kind} ${LABELS[subject]}`;
  if (subject === 'spread') {
    const targets: SpreadTarget[] = [];
    const parts = kind === 'write' ? spreadWorkloads(setup, setup.clusterSlots) : [];
    for (const [i, node] of setup.cluster.nodes.entries()) {
      targets.push({ server: node.server, requests: kind === 'write' ? (parts[i] as { workload: HoldCancelWorkload }).workload.requests() : seatMapReads(setup.clusterReaders.users, setup.clusterReaders.scheduleIds) });
    }
    result = await runSpreadLoad({ label, targets, connections, durationSeconds: seconds });
    for (const part of parts) await cleanUp(part.workload, part.node.server);
  } else {
    const server = subject === 'embedded' ? setup.embedded : nodeOf(setup, subject === 'leader' ? setup.leaderId : setup.followerId).server;
    const slots = subject === 'embedded' ? setup.embeddedSlots : setup.clusterSlots;
    const readers = subject === 'embedded' ? setup.embeddedReaders : setup.clusterReaders;
    const workload = new HoldCancelWorkload(slots);
    result = await runLoad({ label, server, connections, durationSeconds: seconds, requests: kind === 'write' ? workload.requests() : seatMapReads(readers.users, readers.scheduleIds) });
    if (kind === 'write') await cleanUp(workload, server);
  }
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpuSeconds = CpuLedger.delta(before, ledger.snapshot());
  const leaderAfter = await setup.cluster.leaderId();
  const ids = setup.cluster.nodes.map((n) => n.id);
  const entry = subject === 'embedded' ? ['embedded'] : subject === 'spread' ? ids : [subject === 'leader' ? setup.leaderId : setup.followerId];
  const roles = {
    entry,
    leader: subject === 'embedded' ? null : setup.leaderId,
    idleFollowers: subject === 'embedded' ? [] : ids.filter((id) => id !== setup.leaderId && !entry.includes(id)),
  };
  return { result, cpu: { label, acknowledged: result.ok, wallSeconds: round(wallSeconds, 2), cpuSeconds, roles }, leaderChanged: leaderBefore !== setup.leaderId || leaderAfter !== setup.leaderId };
}

function costMetrics(kind: string, costs: RoleCosts, embeddedUs: number): Metric[] {
  const routingUs = round(costs.entryUs - costs.applyUs, 1);
  const journalUs = round(costs.leaderUs - costs.applyUs, 1);
  return [
    { name: `${kind}: CPU per command, embedded server`, value: round(embeddedUs, 1), unit: 'µs', detail: 'HTTP + decide + SQLite commit (FULL), one process' },
    { name: `${kind}: CPU per command, entry follower`, value: costs.entryUs, unit: 'µs', detail: `HTTP + forwarding to the leader over NATS + applying the entry; HTTP + routing = entry - apply = ${routingUs} µs, of which routing alone ≈ entry - embedded = ${round(costs.entryUs - embeddedUs, 1)} µs` },
    { name: `${kind}: CPU per command, leader`, value: costs.leaderUs, unit: 'µs', detail: `receiving forwarded commands, batching, the JetStream append, applying; journaling = leader - apply = ${journalUs} µs` },
    { name: `${kind}: CPU per command, idle follower (fan-out)`, value: costs.applyUs, unit: 'µs', detail: 'a node that took no request: reading the log and applying every command to its replica (paid by every node)' },
    { name: `${kind}: CPU per command, 3 nats-servers`, value: costs.natsUs, unit: 'µs', detail: 'the replicated append (R3) and delivery to every node, summed over the three servers' },
    { name: `${kind}: CPU per command, whole cluster`, value: costs.totalUs, unit: 'µs', detail: `3 nodes + 3 nats-servers; ${round(costs.totalUs / embeddedUs, 2)}x the embedded server` },
  ];
}

function subjectSummaries(results: Map<Subject, LoadResult[]>, kind: string): Map<Subject, ReturnType<typeof summarize>> {
  const out = new Map<Subject, ReturnType<typeof summarize>>();
  for (const [subject, list] of results) out.set(subject, summarize(`${kind} ${LABELS[subject]}`, list));
  return out;
}

function info(target: TargetOutcome): TargetOutcome {
  return { ...target, threshold: 'none (information)', met: null };
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const { connections } = options;
  const poolSize = connections * 4;
  const rounds = options.rounds;
  const seconds = options.durationSeconds;
  const trials = options.quick ? 3 : FAILOVER_TRIALS;
  const paths = benchPaths(context);
  let embedded: ServerProcess | undefined;
  let cluster: BenchCluster | undefined;
  try {
    embedded = await startRealServer(paths, { name: 'embedded', dbPath: tempDbPath(context, 'cluster-embedded'), durability: 'FULL', capture: /"level":(40|50|60)/ });
    cluster = await BenchCluster.start(paths, { dir: join(context.tmpDir, 'cluster'), nodeCount: NODES });
    const leaderId = await cluster.waitForLeader();
    const startupMs = cluster.nodes.map((n) => n.server.startupMs);
    const followerId = cluster.nodes.find((n) => n.id !== leaderId)?.id as string;
    context.log(`cluster: ${NODES} nodes on 3 nats-servers ready (node start-up ${cluster.nodes.map((n) => Math.round(n.server.startupMs)).join(' / ')} ms); leader ${leaderId}, measured follower ${followerId}`);
    const embeddedClient = new HttpClient(embedded.baseUrl);
    const followerClient = new HttpClient(cluster.node(followerId).server.baseUrl);
    const e = await provision(embeddedClient, 'embedded', poolSize);
    const c = await provision(followerClient, 'cluster', poolSize);
    followerClient.close();
    embeddedClient.close();
    const setup: Setup = {
      embedded, cluster, leaderId, followerId,
      embeddedSlots: e.slots, clusterSlots: c.slots, embeddedReaders: e.readers, clusterReaders: c.readers,
    };
    context.log(`cluster: ${poolSize} hold/cancel users and ${READ_SCHEDULES} read schedules per side ready`);

    const server = embedded;
    const clusterRef = cluster;
    const ledger = new CpuLedger(() => ({
      embedded: () => server.cpuSeconds(),
      ...Object.fromEntries(clusterRef.nodes.map((n) => [n.id, () => cpuSecondsOf(n.server.pid)])),
      nats: () => clusterRef.natsCpuSeconds(),
    }));

    let clusterCommands = 0;
    let embeddedCommands = 0;
    for (const subject of WRITE_SUBJECTS) {
      const warm = await measure(setup, ledger, subject, 'write', WARMUP_SECONDS, connections);
      if (subject === 'embedded') embeddedCommands += warm.result.ok;
      else clusterCommands += warm.result.ok;
    }
    const writes = new Map<Subject, LoadResult[]>();
    const reads = new Map<Subject, LoadResult[]>();
    const writeCpu = new Map<Subject, CpuRun[]>();
    const readCpu = new Map<Subject, CpuRun[]>();
    const leaderChanges: string[] = [];
    const push = <T>(map: Map<Subject, T[]>, subject: Subject, value: T): void => {
      map.set(subject, [...(map.get(subject) ?? []), value]);
    };
    for (let r = 0; r < rounds; r++) {
      for (const [kind, subjects, results, cpu] of [['write', WRITE_SUBJECTS, writes, writeCpu], ['read', READ_SUBJECTS, reads, readCpu]] as const) {
        for (const subject of subjects) {
          const m = await measure(setup, ledger, subject, kind, seconds, connections);
          push(results, subject, m.result);
          if (kind === 'write' && subject === 'embedded') embeddedCommands += m.result.ok;
          else if (kind === 'write') clusterCommands += m.result.ok;
          push(cpu, subject, m.cpu);
          if (m.leaderChanged) leaderChanges.push(`round ${r + 1}, ${kind} ${subject}`);
          context.log(`cluster r${r + 1} ${kind} ${LABELS[subject]}: ${describeLoad(m.result)}`);
        }
      }
    }

    const rss = {
      embeddedBytes: embedded.rssBytes(),
      nodes: Object.fromEntries(cluster.nodes.map((n) => [n.id, n.server.rssBytes()])),
      natsBytes: cluster.natsRssBytes(),
      embeddedHeapBytes: await heapUsedBytes(embedded),
      nodeHeapBytes: Object.fromEntries(await Promise.all(cluster.nodes.map(async (n) => [n.id, await heapUsedBytes(n.server)] as const))),
    };
    const logAfterLoad = await cluster.logState();
    context.log(`cluster: the log holds ${logAfterLoad.entries} entries, ${mb(logAfterLoad.bytes)} MB, after ${clusterCommands} acknowledged hold/cancel commands`);
    const warnings = Object.fromEntries(cluster.nodes.map((n) => [n.id, n.server.captured.slice(-20)]));
    const warningCounts = Object.fromEntries(cluster.nodes.map((n) => [n.id, n.server.captured.length]));
    context.log(`cluster: RSS embedded ${mb(rss.embeddedBytes)} MB, nodes ${Object.values(rss.nodes).map(mb).join(' / ')} MB, nats-servers ${rss.natsBytes.map(mb).join(' / ')} MB; warnings logged by nodes ${JSON.stringify(warningCounts)}`);

    const failovers: FailoverTrial[] = [];
    for (let t = 1; t <= trials; t++) {
      const trial = await failoverTrial(cluster, t, { slots: setup.clusterSlots, connections: Math.max(2, Math.round(connections / 4)) });
      failovers.push(trial);
      context.log(`cluster failover ${t}/${trials}: killed ${trial.killed}, ${trial.newLeader} leads after ${trial.newLeaseMs} ms, first acknowledged write after ${trial.firstAckMs} ms (${trial.probesSent} probes, ${trial.probesFailed} failed); background ${trial.background === null ? 'none' : describeLoad({ ...trial.background, label: '' })}, longest acknowledged wait ${trial.background?.maxMs ?? 0} ms; ${trial.killed} back in ${trial.restartToReadyMs} ms`);
    }

    const logAtEnd = await cluster.logState();
    const warningsAfterFailover = Object.fromEntries(cluster.nodes.map((n) => [n.id, n.server.captured.slice(-20)]));

    // ---------------------------------------------------------------- figures
    const w = subjectSummaries(writes, 'hold + cancel,');
    const rd = subjectSummaries(reads, 'GET seat map,');
    const get = <T>(map: Map<Subject, T>, s: Subject): T => map.get(s) as T;
    const metrics: Metric[] = [...WRITE_SUBJECTS.flatMap((s) => loadMetrics(get(w, s))), ...READ_SUBJECTS.flatMap((s) => loadMetrics(get(rd, s)))];
    const embeddedUs = (runs: CpuRun[]): number => median(runs.map((x) => ((x.cpuSeconds.embedded ?? 0) / x.acknowledged) * 1e6));
    const followerCosts = roleCosts(get(writeCpu, 'follower'));
    const leaderEntryCosts = roleCosts(get(writeCpu, 'leader'));
    const spreadCosts = roleCosts(get(writeCpu, 'spread'));
    const readCosts = roleCosts(get(readCpu, 'follower'));
    const spreadReadCosts = roleCosts(get(readCpu, 'spread'));
    const embeddedWriteUs = embeddedUs(get(writeCpu, 'embedded'));
    const embeddedReadUs = embeddedUs(get(readCpu, 'embedded'));
    metrics.push(...costMetrics('hold + cancel through a follower', followerCosts, embeddedWriteUs));
    metrics.push(
      { name: 'hold + cancel through the leader: CPU per command, leader', value: leaderEntryCosts.entryUs, unit: 'µs', detail: `HTTP + journaling + applying in one process; each follower ${leaderEntryCosts.applyUs} µs; nats-servers ${leaderEntryCosts.natsUs} µs; whole cluster ${leaderEntryCosts.totalUs} µs` },
      { name: 'hold + cancel spread: CPU per command, whole cluster', value: spreadCosts.totalUs, unit: 'µs', detail: `per node ${roundsText(setup.cluster.nodes.map((n) => median(get(writeCpu, 'spread').map((x) => ((x.cpuSeconds[n.id] ?? 0) / x.acknowledged) * 1e6))))} µs (${setup.cluster.nodes.map((n) => (n.id === leaderId ? `${n.id} leads` : n.id)).join(', ')}); nats-servers ${spreadCosts.natsUs} µs` },
      { name: 'GET seat map through a follower: CPU per read, that node', value: readCosts.entryUs, unit: 'µs', detail: `embedded ${round(embeddedReadUs, 1)} µs; the leader meanwhile ${readCosts.leaderUs} µs and nats-servers ${readCosts.natsUs} µs per read (the read barrier asks JetStream for the log's end once per round trip)` },
      { name: `GET seat map spread over ${NODES} nodes: CPU per read, whole cluster`, value: spreadReadCosts.totalUs, unit: 'µs', detail: `nodes ${round(spreadReadCosts.totalUs - spreadReadCosts.natsUs, 1)} µs + nats-servers ${spreadReadCosts.natsUs} µs per read, vs ${readCosts.totalUs} µs through one node (each node's read barrier is shared only by the reads that node has in flight)` },
    );
    for (const nodes of PROJECTED_NODES) {
      const p = project(followerCosts, nodes);
      metrics.push({
        name: `projection, ${nodes} node${nodes === 1 ? '' : 's'}, one log`, value: p.writeCeilingPerSecond, unit: 'commands/s (ceiling, arithmetic)',
        detail: `${p.clusterCpuUsPerCommand} µs of node CPU per command over the cluster (routing + journaling once, applying x${nodes}), plus the nats-servers; one core per node; at half that write rate each node keeps ${Math.round(p.readShareAtHalfCeiling * 100)}% of its core for reads`,
      });
    }
    metrics.push(
      { name: 'RSS after the load: embedded server', value: mb(rss.embeddedBytes), unit: 'MB', detail: `heap used ${mb(rss.embeddedHeapBytes ?? 0)} MB (/metrics, not settled by a GC)` },
      ...cluster.nodes.map((n) => ({ name: `RSS after the load: ${n.id}${n.id === leaderId ? ' (leader)' : ''}`, value: mb(rss.nodes[n.id] ?? 0), unit: 'MB', detail: `a full replica of the engine + NATS client; heap used ${mb(rss.nodeHeapBytes[n.id] ?? 0)} MB; applied ${clusterCommands.toLocaleString('en-US')} hold/cancel commands (the embedded server ${embeddedCommands.toLocaleString('en-US')})` })),
      { name: 'RSS after the load: nats-servers', value: mb(rss.natsBytes.reduce((a, b) => a + b, 0) / rss.natsBytes.length), unit: 'MB each (mean)', detail: roundsText(rss.natsBytes.map(mb), 1) },
    );
    const firstAcks = failovers.map((f) => f.firstAckMs);
    metrics.push(
      { name: 'failover: kill -9 of the leader to the first acknowledged write', value: round(median(firstAcks)), unit: 'ms (median)', detail: `worst ${Math.max(...firstAcks)} ms; trials ${roundsText(firstAcks)}` },
      { name: 'failover: kill -9 to the lease naming a survivor', value: round(median(failovers.map((f) => f.newLeaseMs))), unit: 'ms (median)', detail: `trials ${roundsText(failovers.map((f) => f.newLeaseMs))}` },
      { name: 'failover: probes that failed while no leader was up', value: failovers.reduce((n, f) => n + f.probesFailed, 0), unit: 'requests', detail: `of ${failovers.reduce((n, f) => n + f.probesSent, 0)} sent; ${JSON.stringify(failovers.reduce<Record<string, number>>((acc, f) => { for (const [k, v] of Object.entries(f.failedStatuses)) acc[k] = (acc[k] ?? 0) + v; return acc; }, {}))}` },
      {
        name: 'failover: background hold+cancel through the survivors, longest acknowledged wait', value: round(median(failovers.map((f) => f.background?.maxMs ?? 0))), unit: 'ms (median)',
        detail: `per trial ${roundsText(failovers.map((f) => f.background?.maxMs ?? 0))} ms; acknowledged ${roundsText(failovers.map((f) => f.background?.ok ?? 0))}; non-2xx ${failovers.reduce((n, f) => n + (f.background?.non2xx ?? 0), 0)}, errors ${failovers.reduce((n, f) => n + (f.background?.errors ?? 0), 0)}, timeouts ${failovers.reduce((n, f) => n + (f.background?.timeouts ?? 0), 0)} over all trials`,
      },
      {
        name: 'restart of a killed node to /ready (replica rebuilt from the whole log)', value: round(median(failovers.map((f) => f.restartToReadyMs))), unit: 'ms (median)',
        detail: `trials ${roundsText(failovers.map((f) => f.restartToReadyMs))}; the log held ${logAfterLoad.entries.toLocaleString('en-US')} entries (${mb(logAfterLoad.bytes)} MB) with ≥ ${clusterCommands.toLocaleString('en-US')} commands after the load, ${logAtEnd.entries.toLocaleString('en-US')} entries (${mb(logAtEnd.bytes)} MB) at the end; first start on an empty log ${roundsText(startupMs)} ms`,
      },
    );

    const targets: TargetOutcome[] = [
      info(throughputTarget('cluster: hold+cancel through one follower vs embedded, req/s', get(w, 'follower'), get(w, 'embedded'), 0)),
      info(latencyTarget('cluster: hold+cancel through one follower vs embedded, p99', get(w, 'follower'), get(w, 'embedded'), 0)),
      info(throughputTarget('cluster: hold+cancel through the leader vs embedded, req/s', get(w, 'leader'), get(w, 'embedded'), 0)),
      info(throughputTarget(`cluster: hold+cancel spread over ${NODES} nodes vs embedded, req/s`, get(w, 'spread'), get(w, 'embedded'), 0)),
      info(latencyTarget(`cluster: hold+cancel spread over ${NODES} nodes vs embedded, p99`, get(w, 'spread'), get(w, 'embedded'), 0)),
      info(throughputTarget('cluster: GET seat map through one node vs embedded, req/s', get(rd, 'follower'), get(rd, 'embedded'), 0)),
      info(throughputTarget(`cluster: GET seat map spread over ${NODES} nodes vs embedded, req/s`, get(rd, 'spread'), get(rd, 'embedded'), 0)),
      {
        target: `cluster: kill -9 of the leader to the first acknowledged write <= ${FAILOVER_TARGET_MS / 1000} s (median and worst of ${trials})`,
        measured: `median ${round(median(firstAcks))} ms, worst ${Math.max(...firstAcks)} ms`,
        ratio: round(Math.max(...firstAcks) / FAILOVER_TARGET_MS, 3),
        threshold: `worst <= 1.00 of ${FAILOVER_TARGET_MS} ms`,
        met: Math.max(...firstAcks) <= FAILOVER_TARGET_MS,
      },
    ];
    return {
      id: 'cluster',
      title: `9. Cluster: ${NODES} booking nodes on 3 nats-servers (JetStream R3) vs the embedded server`,
      metrics,
      targets,
      notes: [
        `Same box, same run: one embedded server (DB_SYNCHRONOUS=FULL) and a cluster of ${NODES} nodes (\`node dist/server.js\` with NATS_URL, replicas on DB_SYNCHRONOUS=NORMAL, the log's durability being a quorum of nats-servers) on 3 nats-servers ${'(Debian 2.9.10, no sync_interval: a PubAck means a quorum holds the entry in memory or page cache, not fsynced)'}. All ${NODES + 4} processes and the load generator share ${'the machine\'s'} cores, so the cluster's figures are those of 7 busy processes on 2 cores, not of 3 machines.`,
        `${connections} keep-alive connections, ${seconds} s per run, ${rounds} round(s) alternating embedded, one follower, the leader, spread (writes) then embedded, one follower, spread (reads); medians; ratios are medians of per-round ratios. Hold+cancel: ${poolSize} users each bound to its own seat (spread: split into ${NODES} disjoint pools, one per node); a request is one command. Reads: GET /v1/schedules/:id/seats over ${READ_SCHEDULES} 50-seat schedules.`,
        'CPU per command: utime+stime from /proc of every process before and after each run, divided by the 2xx answers of that run. Entry = the node that took the HTTP requests; idle follower = a node that took none and only applied the log (the fan-out cost every node pays for every command). Projections are arithmetic on the measured costs (one core per node, load spread evenly), not measurements.',
        `Failover: ${trials} trials; each kills (SIGKILL) whichever node holds the lease, sends a balance charge every 25 ms alternately to the two survivors and takes the first 2xx, while a background hold+cancel load (${Math.max(2, Math.round(connections / 4))} connections) runs through the survivors from 1 s before the kill to 1 s after that first 2xx; the killed node is then started again (a fresh replica rebuilt from the whole log) before the next trial. The lease TTL is the server default (CLUSTER_LEASE_TTL_MS=3000); the nats-servers are not touched, so no Raft election of the stream is involved.`,
        leaderChanges.length === 0 ? 'The lease stayed with the same node through every load run.' : `The lease moved during load runs: ${leaderChanges.join('; ')}.`,
      ],
      raw: { writes: Object.fromEntries(w), reads: Object.fromEntries(rd), writeCpu: Object.fromEntries(writeCpu), readCpu: Object.fromEntries(readCpu), rss, logAfterLoad, logAtEnd, clusterCommands, embeddedCommands, failovers, leaderChanges, warnings, warningCounts, warningsAfterFailover, leaderId, followerId },
    };
  } finally {
    await stopAll([embedded]);
    await cluster?.stop();
  }
}

export const clusterScenario: Scenario = { id: 'cluster', title: 'Cluster mode', run };
