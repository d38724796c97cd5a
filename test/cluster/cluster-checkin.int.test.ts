/**
 * Check-in in a real cluster (three nats-servers, three nodes in one process): a ticket bought through one
 * node and scanned at two doors served by two other nodes at the same instant is admitted exactly once,
 * every replica agrees on when, and a node restarted (its replica rebuilt from the log) still has it used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { startInProcessCluster, type InProcessCluster } from './support/in-process-cluster.js';
import type { TicketRef } from '../../src/domain/tickets.js';

let cluster: InProcessCluster;
let nodes: ClusterEngine[];

beforeAll(async () => {
  cluster = await startInProcessCluster('doors');
  nodes = cluster.nodes;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('check-in in cluster mode', () => {
  it('given a ticket bought through node a, when doors on nodes b and c scan it at once, then one admits, every node agrees, and a restarted node still has it used', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const now = a.now();
    const created = await a.createConcert({
      title: 'Doors', venue: 'Hall',
      schedules: [{ startsAt: new Date(now + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 100_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    expect((await a.charge({ userId: 'fan', amount: 500_000 })).ok).toBe(true);
    const held = await a.hold({ userId: 'fan', scheduleId, seatNumbers: [4] });
    if (!held.ok) throw new Error(held.error.code);
    expect((await a.pay({ userId: 'fan', reservationId: held.value.reservationId })).ok).toBe(true);
    const ticket: TicketRef = { reservationId: held.value.reservationId, scheduleId, seatNumber: 4 };

    const scans = await Promise.all([b.checkIn({ ticket }), c.checkIn({ ticket }), b.checkIn({ ticket })]);

    const admitted = scans.filter((scan) => scan.ok);
    expect(admitted).toHaveLength(1);
    const at = admitted[0]!.ok ? admitted[0]!.value.checkedInAt : '';
    for (const refused of scans.filter((scan) => !scan.ok)) {
      expect(!refused.ok && refused.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: at } });
    }
    for (const n of nodes) {
      await n.readBarrier();
      const listed = n.listTickets('fan', ticket.reservationId);
      expect(listed.ok && listed.value.tickets[0]!.checkedInAt).toBe(at);
    }

    // Node c restarts: its replica is deleted and rebuilt from the log.
    await c.close();
    const restarted = cluster.node('c');
    nodes[2] = restarted;
    await restarted.start();
    const again = await restarted.checkIn({ ticket });
    expect(!again.ok && again.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: at } });
  }, 60_000);
});
