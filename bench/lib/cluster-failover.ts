/**
 * Failover trials: kill -9 of the leader node, then the time until a survivor acknowledges a write
 * (a balance charge, one command through the log). Probes go out every PROBE_EVERY_MS from the kill on,
 * alternately to each survivor, each left to wait (a node holds a command until some leader appends
 * it); the figure is when the first of them came back 2xx. Meanwhile a background hold+cancel load
 * runs through the survivors (as during a sale): what its clients saw is reported beside. The killed
 * node is then started again (its replica rebuilt from the log) before the next trial, so every trial
 * starts from three nodes.
 */
import type { BenchCluster } from './cluster-nodes.js';
import { HttpClient } from './http-client.js';
import type { LoadResult } from './load.js';
import { benchUser } from './provision.js';
import { runSpreadLoad } from './spread-load.js';
import { round } from './stats.js';
import { HoldCancelWorkload, type SeatSlot } from './workloads.js';

const PROBE_EVERY_MS = 25;
const PROBE_TIMEOUT_MS = 30_000;
const GIVE_UP_MS = 30_000;
const SETTLE_MS = 1_000;
const LOAD_BEFORE_KILL_MS = 1_000;
const BACKGROUND_MAX_SECONDS = 60;

export interface FailoverTrial {
  killed: string;
  newLeader: string;
  /** From the SIGKILL to the first 2xx of a write on a survivor. */
  firstAckMs: number;
  /** From the SIGKILL to the lease naming another node (as read from NATS, polled every 50 ms). */
  newLeaseMs: number;
  probesSent: number;
  probesFailed: number;
  failedStatuses: Record<string, number>;
  /** Restart of the killed node to /ready: its replica rebuilt from the whole log. */
  restartToReadyMs: number;
  /** The background hold+cancel load through the survivors, from 1 s before the kill to 1 s after the first acknowledged probe. */
  background: Omit<LoadResult, 'label'> | null;
}

export interface BackgroundLoad {
  /** Slots no other load uses meanwhile; split between the survivors. */
  slots: readonly SeatSlot[];
  connections: number;
}

async function writeThrough(client: HttpClient, authorization: string): Promise<number> {
  try {
    const response = await client.request('POST', '/v1/users/me/balance/charge', { headers: { authorization }, body: { amount: 1 }, timeoutMs: PROBE_TIMEOUT_MS });
    return response.status;
  } catch {
    return 0;
  }
}

export async function failoverTrial(cluster: BenchCluster, trial: number, backgroundLoad: BackgroundLoad | null): Promise<FailoverTrial> {
  const killed = await cluster.waitForLeader();
  const survivors = cluster.nodes.filter((n) => n.id !== killed);
  const clients = survivors.map((n) => new HttpClient(n.server.baseUrl, 1_024));
  const prober = benchUser(`failover-prober-${trial}`);
  let stopBackground = (): void => undefined;
  const backgroundDone = new Promise<void>((resolve) => {
    stopBackground = resolve;
  });
  try {
    // Every survivor acknowledges a write before the kill: the trial starts from a working cluster.
    for (const client of clients) {
      const status = await writeThrough(client, prober.authorization);
      if (status !== 200) throw new Error(`failover trial ${trial}: write before the kill answered ${status}`);
    }
    const workloads = backgroundLoad === null ? [] : survivors.map((_, i) => new HoldCancelWorkload(backgroundLoad.slots.filter((__, j) => j % survivors.length === i)));
    const background = backgroundLoad === null ? null : runSpreadLoad({
      label: `failover ${trial} background`,
      targets: survivors.map((node, i) => ({ server: node.server, requests: (workloads[i] as HoldCancelWorkload).requests() })),
      connections: backgroundLoad.connections, durationSeconds: BACKGROUND_MAX_SECONDS, until: backgroundDone,
    });
    if (background !== null) await new Promise((resolve) => setTimeout(resolve, LOAD_BEFORE_KILL_MS));
    const killedAt = performance.now();
    await cluster.kill(killed);
    let firstAckAt: number | null = null;
    let sent = 0;
    let failed = 0;
    const failedStatuses: Record<string, number> = {};
    const inFlight: Array<Promise<void>> = [];
    const leaseWatch = cluster.waitForLeader(killed, GIVE_UP_MS).then((id) => ({ id, atMs: performance.now() - killedAt }));
    while (firstAckAt === null && performance.now() - killedAt < GIVE_UP_MS) {
      const client = clients[sent % clients.length] as HttpClient;
      sent++;
      inFlight.push(writeThrough(client, prober.authorization).then((status) => {
        if (status === 200) firstAckAt ??= performance.now();
        else {
          failed++;
          failedStatuses[String(status)] = (failedStatuses[String(status)] ?? 0) + 1;
        }
      }));
      await new Promise((resolve) => setTimeout(resolve, PROBE_EVERY_MS));
    }
    if (firstAckAt === null) throw new Error(`failover trial ${trial}: no write acknowledged within ${GIVE_UP_MS} ms of killing ${killed}`);
    const firstAckMs = (firstAckAt as number) - killedAt;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    stopBackground();
    const backgroundResult = background === null ? null : await background;
    for (const [i, workload] of workloads.entries()) await workload.cleanUp(clients[i] as HttpClient);
    await Promise.all(inFlight);
    const lease = await leaseWatch;
    const restarted = await cluster.restart(killed);
    return {
      killed, newLeader: lease.id, firstAckMs: round(firstAckMs), newLeaseMs: round(lease.atMs),
      probesSent: sent, probesFailed: failed, failedStatuses, restartToReadyMs: round(restarted.startupMs),
      background: backgroundResult === null ? null : (({ label: _label, ...rest }) => rest)(backgroundResult),
    };
  } finally {
    stopBackground();
    for (const client of clients) client.close();
  }
}
