/**
 * Three booking nodes in one process on a three-server JetStream cluster: each node is a full replica
 * fed by the command log, any node takes any command, and all of them answer the same.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServers } from '../../scripts/nats-servers.mjs';
import { createClusterEngine, type ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';
import type { SeatMapDelta } from '../../src/domain/views.js';

let dir: string;
let nats: Awaited<ReturnType<typeof startNatsServers>>;
const nodes: ClusterEngine[] = [];

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function node(id: string): ClusterEngine {
  return createClusterEngine({
    nodeId: id, natsServers: nats.urls, clusterName: 'booking', replicas: 3, leaseTtlMs: 2_000,
    replicaDbPath: join(dir, `${id}.db`), limits: { ...DEFAULT_LIMITS, queueMaxActive: 2 },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-engine-'));
  nats = await startNatsServers({ dir, count: 3 });
  for (const id of ['a', 'b', 'c']) nodes.push(node(id));
  await Promise.all(nodes.map((n) => n.start()));
  await until(() => nodes.some((n) => n.replication().leader));
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster engine', () => {
  it('answers a command taken by any node, and every replica reaches the same state', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    expect(await a.seedDemo()).toBeGreaterThan(0);
    expect(await b.seedDemo()).toBe(0);
    const concerts = c.listConcerts();
    await until(() => a.listConcerts().length === concerts.length && b.listConcerts().length === concerts.length);
    const concertId = concerts[0]!.concertId;
    const schedules = b.listSchedules(concertId);
    if (!schedules.ok) throw new Error('no schedules');
    const scheduleId = schedules.value.schedules[0]!.scheduleId;

    const deltas: SeatMapDelta[] = [];
    a.subscribeSeatMap(scheduleId, (delta) => deltas.push(delta));

    const issued = await c.issueQueueToken('fan-1');
    expect(issued.ok).toBe(true);
    if (!issued.ok) return;
    // Admission happens on the queue's tick, which the leader appends as the log's time moves.
    await until(() => b.checkQueueAccess('fan-1', issued.value.status.token).ok);

    const charged = await b.charge({ userId: 'fan-1', amount: 500_000, idempotency: { key: 'k1', requestHash: 'h1' } });
    expect(charged.ok && charged.value.balance).toBe(500_000);
    const replay = await c.charge({ userId: 'fan-1', amount: 500_000, idempotency: { key: 'k1', requestHash: 'h1' } });
    expect(replay.replayed).toBe(true);

    // Read your writes on another node: a charge acknowledged by b, read at once through a and c.
    for (let i = 0; i < 20; i++) {
      const topUp = await b.charge({ userId: 'fan-3', amount: 1_000 });
      expect(topUp.ok).toBe(true);
      for (const reader of [a, c]) {
        await reader.readBarrier();
        expect(reader.getBalance('fan-3').balance).toBe((i + 1) * 1_000);
      }
    }

    const held = await c.hold({ userId: 'fan-1', scheduleId, seatNumbers: [1, 2] });
    expect(held.ok).toBe(true);
    const taken = await a.hold({ userId: 'fan-2', scheduleId, seatNumbers: [2, 3] });
    expect(taken.ok).toBe(false);
    if (!held.ok) return;
    const paid = await b.pay({ userId: 'fan-1', reservationId: held.value.reservationId });
    expect(paid.ok).toBe(true);

    // b acknowledged, so b shows it; the others follow the same log.
    expect(b.getBalance('fan-1').balance).toBe(100_000);
    await until(() => a.getBalance('fan-1').balance === 100_000 && c.getBalance('fan-1').balance === 100_000);
    for (const n of nodes) {
      const map = n.getSeatMap(scheduleId);
      expect(map.ok && map.value.seats.filter((s) => s.status === 'RESERVED').map((s) => s.seatNumber)).toEqual([1, 2]);
    }
    // Node a's subscriber saw the changes made through c and b, in version order, without gaps.
    await until(() => deltas.length >= 2);
    for (let i = 1; i < deltas.length; i++) expect(deltas[i]!.version).toBe(deltas[i - 1]!.version + 1);
  });
});
