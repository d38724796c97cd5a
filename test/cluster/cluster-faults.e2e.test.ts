/**
 * The cluster under faults, over real processes: three nats-servers (JetStream, replicas 3), three
 * booking nodes, and a load driver sending every request to a node picked at random (as a load
 * balancer would), recording every acknowledged answer. After each fault every running node is audited
 * against the record with the single-node crash loop's auditor: charges and payments exactly once,
 * balances equal to ledgers and never negative, no seat held or sold twice, holds keep their absolute
 * deadlines, keys replay, queue order kept; and every node must report the same state.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditModel } from '../reliability/support/audit-model.js';
import { createSchedule, type CreatedSchedule } from '../reliability/support/catalogue.js';
import { sleep, type HttpClient } from '../reliability/support/http-client.js';
import { auditOverHttp } from '../reliability/support/http-audit.js';
import { readRecord } from '../reliability/support/record.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET } from '../reliability/support/server-process.js';
import { userToken } from '../reliability/support/tokens.js';
import { ClusterProcesses, LEASE_TTL_MS, type ClusterNode } from './support/cluster-processes.js';
import { startDriverProcess, type DriverProcess } from './support/driver-process.js';

const HOLD_TTL_SECONDS = 3;
const AUDITOR = 'auditor';
const FAILOVER_TARGET_MS = 10_000;

let dir: string;
let cluster: ClusterProcesses;
let driver: DriverProcess;
let recordPath: string;
let schedules: CreatedSchedule[];
let auditorQueueToken: string;
const auditorToken = userToken(AUDITOR, RELIABILITY_AUTH_SECRET);
let auditSeed = 1;
let keyed = 0;

async function admitAuditor(http: HttpClient): Promise<string> {
  const joined = await http.call('POST', '/v1/queue/tokens', { token: auditorToken });
  const queueToken = joined.body.token as string;
  for (let i = 0; i < 100; i++) {
    const status = await http.call('GET', '/v1/queue/status', { token: auditorToken, queueToken });
    if (status.body?.status === 'ACTIVE') return queueToken;
    await sleep(100);
  }
  throw new Error('auditor not admitted');
}

/** Every running node reports the same statistics (the same replica state) twice in a row. */
async function converged(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let previous: unknown = null;
  for (;;) {
    // The admission rate is read at each node's own log time, which the leader's ticks keep moving: left out.
    const stats = await Promise.all(cluster.running.map(async (node) => {
      const body = (await node.server.http.call('GET', '/v1/admin/stats', { adminKey: RELIABILITY_ADMIN_KEY })).body as { queue: Record<string, unknown> };
      return { ...body, queue: { ...body.queue, admissionRatePerSecond: undefined } };
    }));
    const same = stats.every((s) => isDeepStrictEqual(s, stats[0]));
    if (same && isDeepStrictEqual(stats[0], previous)) return;
    previous = same ? stats[0] : null;
    if (Date.now() > deadline) throw new Error(`nodes did not converge: ${JSON.stringify(stats)}`);
    await sleep(200);
  }
}

/** Pauses the load, lets the nodes converge, audits every running node against the record. */
async function audit(label: string): Promise<{ acknowledged: number; violations: string[] }> {
  driver.pause();
  await sleep(300);
  await converged();
  const model = new AuditModel();
  model.add(readRecord(recordPath));
  const violations: string[] = [];
  for (const node of cluster.running) {
    const report = await auditOverHttp(model, {
      http: node.server.http, authSecret: RELIABILITY_AUTH_SECRET, scheduleIds: schedules.map((s) => s.scheduleId),
      auditorUser: AUDITOR, auditorQueueToken, expiryGraceMs: 2_500, replayAllSince: 0, replaySample: 50, seed: auditSeed++,
    });
    violations.push(...report.violations.map((v) => `${label}, ${node.id}: ${v}`));
  }
  driver.resume();
  return { acknowledged: model.acknowledged, violations };
}

/** A keyed charge through `node`, retried until acknowledged: the time until writes go through again. */
async function firstAcknowledgedWrite(node: ClusterNode): Promise<number> {
  const startedAt = Date.now();
  const key = `probe-${++keyed}`;
  for (;;) {
    try {
      const reply = await node.server.http.call('POST', '/v1/users/me/balance/charge', {
        token: userToken('prober', RELIABILITY_AUTH_SECRET), idempotencyKey: key, body: { amount: 1_000 }, timeoutMs: 2_000,
      });
      if (reply.status === 200 || reply.status === 201) return Date.now() - startedAt;
    } catch { /* not answering yet */ }
    if (Date.now() - startedAt > 30_000) throw new Error('no write acknowledged within 30 s');
    await sleep(50);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-faults-'));
  cluster = await ClusterProcesses.start(dir, 3, {
    HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
    QUEUE_MAX_ACTIVE: '9',
    QUEUE_ACTIVE_TTL_SECONDS: '86400',
    QUEUE_WAITING_IDLE_SECONDS: '86400',
    BALANCE_MAX: '1000000000000',
    MONTHLY_CHARGE_MAX: '1000000000000',
  });
  const first = cluster.nodes[0]!.server.http;
  auditorQueueToken = await admitAuditor(first);
  schedules = [
    await createSchedule(first, RELIABILITY_ADMIN_KEY, 'hot', '1'),
    await createSchedule(first, RELIABILITY_ADMIN_KEY, 'big', '1'),
  ];
  const schedulesPath = join(dir, 'schedules.json');
  writeFileSync(schedulesPath, JSON.stringify(schedules));
  recordPath = join(dir, 'record.jsonl');
  driver = startDriverProcess({
    baseUrl: cluster.nodes[0]!.server.baseUrl, baseUrls: cluster.nodes.map((n) => n.server.baseUrl),
    authSecret: RELIABILITY_AUTH_SECRET, recordPath, runId: 'c', seed: 17,
    bookingUsers: Array.from({ length: 10 }, (_, i) => `fan-b${i}`), waiterUsers: Array.from({ length: 6 }, (_, i) => `fan-w${i}`),
    schedulesPath, holdTtlMs: HOLD_TTL_SECONDS * 1000, maxSeatsPerReservation: 4,
  });
  await driver.ready;
}, 120_000);

afterAll(async () => {
  await driver?.stop();
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a cluster of three booking nodes on JetStream', () => {
  it('serves the contract on every node; a seat-map socket on node 1 sees changes made through node 3, in version order', async () => {
    const [n1, , n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const scheduleId = schedules[1]!.scheduleId;
    const url = `${n1.server.baseUrl.replace('http', 'ws')}/v1/schedules/${scheduleId}/seats/ws?token=${auditorToken}&queueToken=${auditorQueueToken}`;
    const socket = new WebSocket(url);
    const versions: number[] = [];
    const changed = new Set<number>();
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; version: number; changes?: Array<{ seatNumber: number }> };
      versions.push(message.version);
      for (const change of message.changes ?? []) changed.add(change.seatNumber);
    });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    await sleep(1_500);
    const held = await n3.server.http.call('POST', '/v1/reservations', {
      token: auditorToken, queueToken: auditorQueueToken, body: { scheduleId, seatNumbers: [400] },
    });
    expect(held.status).toBe(201);
    // Read your writes: the hold acknowledged by node 3 is there at once on node 1.
    const read = await n1.server.http.call('GET', `/v1/reservations/${held.body.reservationId as string}`, { token: auditorToken });
    expect(read.status).toBe(200);
    const cancelled = await n3.server.http.call('DELETE', `/v1/reservations/${held.body.reservationId as string}`, { token: auditorToken });
    expect(cancelled.status).toBe(200);
    const deadline = Date.now() + 5_000;
    while (!changed.has(400) && Date.now() < deadline) await sleep(20);
    socket.close();
    expect(changed.has(400)).toBe(true);
    // A snapshot first, then deltas one version apart: a gap would have brought a new snapshot.
    for (let i = 2; i < versions.length; i++) expect(versions[i]).toBe(versions[i - 1]! + 1);
    const { violations } = await audit('under load');
    expect(violations).toEqual([]);
  });

  it(`kill -9 of the leader under load: a survivor acknowledges writes within ${FAILOVER_TARGET_MS / 1000} s and loses nothing acknowledged`, async () => {
    await sleep(1_500);
    const leaderId = await cluster.waitForLeader();
    const leader = cluster.node(leaderId);
    await leader.server.kill();
    const survivor = cluster.running[0]!;
    const failoverMs = await firstAcknowledgedWrite(survivor);
    const newLeader = await cluster.waitForLeader(leaderId);
    console.log(`failover: leader ${leaderId} killed, ${newLeader} leads, first acknowledged write after ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(FAILOVER_TARGET_MS);
    await sleep(1_000);
    const { acknowledged, violations } = await audit('after the leader was killed');
    expect(violations).toEqual([]);
    expect(acknowledged).toBeGreaterThan(0);
    // It comes back as a follower: replays the log and converges.
    await leader.server.start();
    await sleep(500);
    expect((await audit('after the killed node restarted')).violations).toEqual([]);
  });

  it('kill -9 of one nats-server of three: the cluster keeps acknowledging', async () => {
    const victim = cluster.nats.servers[0]!;
    victim.kill('SIGKILL');
    await victim.stopped();
    const before = new AuditModel();
    before.add(readRecord(recordPath));
    const ackMs = await firstAcknowledgedWrite(cluster.running[1]!);
    await sleep(2_000);
    const after = new AuditModel();
    after.add(readRecord(recordPath));
    expect(ackMs).toBeLessThan(FAILOVER_TARGET_MS);
    expect(after.acknowledged).toBeGreaterThan(before.acknowledged);
    expect((await audit('with one nats-server down')).violations).toEqual([]);
    await victim.start();
  });

  it('SIGSTOP of the leader past its lease: another node takes over; after SIGCONT the old one steps down and adds nothing', async () => {
    const leaderId = await cluster.waitForLeader();
    const paused = cluster.node(leaderId);
    paused.server.pause();
    const successor = await cluster.waitForLeader(leaderId, LEASE_TTL_MS * 5);
    const other = cluster.running.find((n) => n.id !== leaderId)!;
    expect(await firstAcknowledgedWrite(other)).toBeLessThan(FAILOVER_TARGET_MS);
    await sleep(LEASE_TTL_MS);
    paused.server.resume();
    await sleep(LEASE_TTL_MS * 2);
    expect(await cluster.leaderId()).toBe(successor);
    expect((await audit('after the paused leader resumed')).violations).toEqual([]);
  });

  it('a fourth node joins: it catches up from the log, answers the same, and leadership never doubles', async () => {
    const leaderBefore = await cluster.waitForLeader();
    const fourth = await cluster.addNode();
    expect(fourth.server.running).toBe(true);
    expect(await cluster.leaderId()).toBe(leaderBefore);
    expect((await audit('after a fourth node joined')).violations).toEqual([]);
  });
});
