/**
 * Events and webhooks in a real cluster (three nats-servers, three nodes in one process, each with its own
 * dispatcher, as each server process has): every replica has the same events under the same ids; only the
 * leader delivers, so each event reaches the receiver once; when the leader stops, the new leader delivers
 * the events that follow without sending again what was recorded delivered.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServers } from '../../scripts/nats-servers.mjs';
import { createClusterEngine, type ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { eventually, Receiver } from '../webhooks/receiver.js';

let dir: string;
let nats: Awaited<ReturnType<typeof startNatsServers>>;
let receiver: Receiver;
const nodes: ClusterEngine[] = [];
const dispatchers: WebhookDispatcher[] = [];
const silent = { warn: () => undefined, error: () => undefined };

function node(id: string): ClusterEngine {
  const engine = createClusterEngine({
    nodeId: id, natsServers: nats.urls, clusterName: 'hooks', replicas: 3, leaseTtlMs: 2_000,
    replicaDbPath: join(dir, `${id}.db`), limits: DEFAULT_LIMITS,
  });
  const dispatcher = new WebhookDispatcher({ engine, logger: silent, isDeliverer: () => engine.replication().leader, pollIntervalMs: 50 });
  dispatchers.push(dispatcher);
  return engine;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-webhooks-'));
  nats = await startNatsServers({ dir, count: 3 });
  receiver = await Receiver.start();
  for (const id of ['a', 'b', 'c']) nodes.push(node(id));
  await Promise.all(nodes.map((n) => n.start()));
  for (const dispatcher of dispatchers) dispatcher.start();
  await eventually(() => nodes.some((n) => n.replication().leader), 15_000, 'a leader');
}, 60_000);

afterAll(async () => {
  await Promise.all(dispatchers.map((d) => d.stop()));
  await Promise.all(nodes.map((n) => n.close()));
  await receiver?.close();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function sell(engine: ClusterEngine, scheduleId: string, userId: string, seatNumber: number): Promise<void> {
  expect((await engine.charge({ userId, amount: 500_000 })).ok).toBe(true);
  const held = await engine.hold({ userId, scheduleId, seatNumbers: [seatNumber] });
  if (!held.ok) throw new Error(held.error.code);
  expect((await engine.pay({ userId, reservationId: held.value.reservationId })).ok).toBe(true);
}

describe('webhooks in cluster mode', () => {
  it('given an endpoint registered through one node and sales through the others, then each event is delivered once, by the leader, with the same id on every node; a new leader carries on', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const created = await b.createWebhookEndpoint({ url: `${receiver.url}/hooks`, events: ['payment.completed'] });
    if (!created.ok) throw new Error(created.error.code);
    const concert = await a.createConcert({
      title: 'Hooks', venue: 'Hall',
      schedules: [{ startsAt: new Date(a.now() + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 20, grades: [{ grade: 'R', from: 1, to: 20, price: 100_000 }] } }],
    });
    if (!concert.ok) throw new Error(concert.error.code);
    const scheduleId = concert.value.schedules[0]!.scheduleId;
    for (let seat = 1; seat <= 6; seat++) await sell(nodes[seat % 3]!, scheduleId, `fan${seat}`, seat);

    for (const n of nodes) await n.readBarrier();
    const feeds = nodes.map((n) => n.listEvents({ after: 0, limit: 100 }).events);
    expect(feeds[1]).toEqual(feeds[0]);
    expect(feeds[2]).toEqual(feeds[0]);
    expect(feeds[0]!.map((e) => e.type)).toEqual(Array(6).fill('payment.completed'));
    await eventually(() => receiver.idsAt('/hooks').size === 6, 15_000, 'six deliveries');
    await eventually(() => c.getWebhookEndpoint(created.value.endpointId).ok
      && (c.getWebhookEndpoint(created.value.endpointId) as { value: { deliveredThrough: number } }).value.deliveredThrough === 6, 15_000, 'the cursor through the log');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.deliveries).toHaveLength(6);
    expect(new Set(receiver.deliveries.map((d) => d.event.id))).toEqual(new Set(feeds[0]!.map((e) => e.id)));

    // The leader stops (its lease handed back): another node takes over and delivers what follows.
    const leaderIndex = nodes.findIndex((n) => n.replication().leader);
    await dispatchers[leaderIndex]!.stop();
    await nodes[leaderIndex]!.close();
    const survivors = nodes.filter((_, i) => i !== leaderIndex);
    await eventually(() => survivors.some((n) => n.replication().leader), 15_000, 'a new leader');
    for (let seat = 7; seat <= 9; seat++) await sell(survivors[seat % 2]!, scheduleId, `fan${seat}`, seat);
    await eventually(() => receiver.idsAt('/hooks').size === 9, 15_000, 'the new leader\'s deliveries');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.deliveries).toHaveLength(9);
    for (const n of survivors) {
      await n.readBarrier();
      const deliveries = n.listWebhookDeliveries({ endpointId: created.value.endpointId, limit: 100 });
      expect(deliveries.ok && deliveries.value.every((d) => d.status === 'DELIVERED')).toBe(true);
    }
  }, 90_000);
});
