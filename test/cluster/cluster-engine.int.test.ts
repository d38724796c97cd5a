/**
 * Three booking nodes in one process on a three-server JetStream cluster: each node is a full replica
 * fed by the command log, any node takes any command, and all of them answer the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { startInProcessCluster, until, type InProcessCluster } from './support/in-process-cluster.js';
import type { SeatMapDelta } from '../../src/domain/views.js';

let cluster: InProcessCluster;
let nodes: ClusterEngine[];

beforeAll(async () => {
  cluster = await startInProcessCluster('booking', { queueMaxActive: 2 });
  nodes = cluster.nodes;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
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
