/**
 * The cluster under faults, over real processes: three nats-servers (JetStream, replicas 3), three
 * booking nodes, and a load driver sending every request to a node picked at random (as a load
 * balancer would), recording every acknowledged answer (waitlist fans included). After each fault every running node is audited
 * against the record with the single-node crash loop's auditor: charges and payments exactly once,
 * balances equal to ledgers and never negative, no seat held or sold twice, holds keep their absolute
 * deadlines, keys replay, queue order kept; a sale's room joined through any node keeps every acknowledged
 * join and leave and publishes a bundle that verifies; and every node must report the same state.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../reliability/support/http-client.js';
import { LEASE_TTL_MS, type ClusterNode } from './support/cluster-processes.js';
import { ClusterRun } from './support/cluster-run.js';

const FAILOVER_TARGET_MS = 10_000;
/**
 * Losing the nats-server that leads the log's stream waits for its Raft group to elect another leader:
 * 6-8 s on NATS 2.9.10 here (11.6 s once under a parallel load), which we cannot tune; the bound says
 * "keeps acknowledging", not the booking nodes' failover target.
 */
const NATS_SERVER_LOSS_LIMIT_MS = 20_000;

let dir: string;
let run: ClusterRun;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-faults-'));
  run = await ClusterRun.start({ dir, nodes: 3, seed: 17, bookingUsers: 10, waiterUsers: 6, waitlistUsers: 4 });
}, 120_000);

afterAll(async () => {
  if (run !== undefined) process.stdout.write(`cluster faults: ${run.offers} waitlist offers, ${run.venueHolds} arena holds (best available, standing), ${run.roomJoins} room joins and ${run.roomAdmissions} room admissions made and audited on every node\n`);
  await run?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('a cluster of three booking nodes on JetStream', () => {
  it('serves the contract on every node; a seat-map socket on node 1 sees changes made through node 3, in version order', async () => {
    const [n1, , n3] = run.cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
    const scheduleId = run.schedules.find((s) => !s.hot)!.scheduleId;
    const { auditorToken, auditorQueueToken } = run;
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
    expect((await run.audit('under load')).violations).toEqual([]);
  });

  it(`kill -9 of the leader under load: a survivor acknowledges writes within ${FAILOVER_TARGET_MS / 1000} s and loses nothing acknowledged`, async () => {
    await sleep(1_500);
    const leaderId = await run.cluster.waitForLeader();
    const leader = run.cluster.node(leaderId);
    await leader.server.kill();
    const failoverMs = await run.firstAcknowledgedWrite(run.cluster.running[0]!);
    const newLeader = await run.cluster.waitForLeader(leaderId);
    console.log(`failover: leader ${leaderId} killed, ${newLeader} leads, first acknowledged write after ${failoverMs} ms`);
    expect(failoverMs).toBeLessThan(FAILOVER_TARGET_MS);
    await sleep(1_000);
    const { acknowledged, violations } = await run.audit('after the leader was killed');
    expect(violations).toEqual([]);
    expect(acknowledged).toBeGreaterThan(0);
    // It comes back as a follower: replays the log and converges.
    await leader.server.start();
    await sleep(500);
    expect((await run.audit('after the killed node restarted')).violations).toEqual([]);
  });

  it('kill -9 of one nats-server of three, the one leading the log: the cluster keeps acknowledging', async () => {
    const victim = await run.cluster.streamLeaderServer();
    victim.kill('SIGKILL');
    await victim.stopped();
    const before = run.acknowledged();
    const ackMs = await run.firstAcknowledgedWrite(run.cluster.running[1]!);
    console.log(`nats-server ${victim.name} (leading the log's stream) killed: first acknowledged write after ${ackMs} ms`);
    await sleep(2_000);
    expect(ackMs).toBeLessThan(NATS_SERVER_LOSS_LIMIT_MS);
    expect(run.acknowledged()).toBeGreaterThan(before);
    expect((await run.audit('with one nats-server down')).violations).toEqual([]);
    await victim.start();
  });

  it('SIGSTOP of the leader past its lease: another node takes over; after SIGCONT the old one steps down and adds nothing', async () => {
    const leaderId = await run.cluster.waitForLeader();
    const paused = run.cluster.node(leaderId);
    paused.server.pause();
    const successor = await run.cluster.waitForLeader(leaderId, LEASE_TTL_MS * 5);
    const other = run.cluster.running.find((n) => n.id !== leaderId)!;
    expect(await run.firstAcknowledgedWrite(other)).toBeLessThan(FAILOVER_TARGET_MS);
    await sleep(LEASE_TTL_MS);
    paused.server.resume();
    await sleep(LEASE_TTL_MS * 2);
    expect(await run.cluster.leaderId()).toBe(successor);
    // It found its lease gone (or its append refused by the log) and said so.
    expect(readFileSync(join(dir, `${leaderId}.log`), 'utf8')).toContain('stepped down');
    expect((await run.audit('after the paused leader resumed')).violations).toEqual([]);
  });

  it('a fourth node joins: it catches up from the log, answers the same, and leadership never doubles', async () => {
    const leaderBefore = await run.cluster.waitForLeader();
    const fourth = await run.cluster.addNode();
    expect(fourth.server.running).toBe(true);
    expect(await run.cluster.leaderId()).toBe(leaderBefore);
    expect((await run.audit('after a fourth node joined')).violations).toEqual([]);
    // Each node's own view (its /metrics): exactly one of the four leads, the one the lease names.
    const leading = [];
    for (const node of run.cluster.running) {
      const metrics = await fetch(`${node.server.baseUrl}/metrics`).then((r) => r.text());
      if (/^cluster_leader 1$/m.test(metrics)) leading.push(node.id);
      expect(metrics).toMatch(/^cluster_log_applied_sequence \d+$/m);
    }
    expect(leading).toEqual([leaderBefore]);
    // And the arena sold through it all: its best-available and standing holds were audited on every node.
    expect(run.venueHolds).toBeGreaterThan(0);
    // And a sale's room filled, opened and admitted through it all, audited on every node.
    expect(run.roomJoins).toBeGreaterThan(0);
    expect(run.roomAdmissions).toBeGreaterThan(0);
  });
});
