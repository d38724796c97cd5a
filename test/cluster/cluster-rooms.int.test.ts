/**
 * A sale's waiting room in a real cluster (three nats-servers, three nodes in one process): created through
 * one node, joined through the others, it opens on the log's clock and every replica draws the same order
 * from the same committed seed; every node tells a fan the same place, gives the same receipt fields and
 * publishes the same audit, which passes the verifier; a rate changed through one node holds on all; a
 * node that joins later rebuilds the room from the log alone, order and log included.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { signLogHead } from '../../src/rooms/fairness/admission-log.js';
import { commitmentOf, fairOrder } from '../../src/rooms/fairness/fair-order.js';
import { signReceipt } from '../../src/rooms/fairness/receipt.js';
import { verifyRoomAudit } from '../../src/rooms/fairness/verify-room.js';
import { startInProcessCluster, until, type InProcessCluster } from './support/in-process-cluster.js';
import { okValue } from '../support/results.js';

const KEY = generateKeyPairSync('ed25519').privateKey;

let cluster: InProcessCluster;
let nodes: ClusterEngine[];

beforeAll(async () => {
  cluster = await startInProcessCluster('rooms', { queueMaxActive: 100 });
  nodes = cluster.nodes;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('waiting rooms per sale in cluster mode', () => {
  it('given entrants joining through nodes b and c, when the room opens on the log\'s clock, then every node has the same draw, places, receipts and audit', { timeout: 60_000 }, async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const created = await a.createConcert({
      title: 'Cluster sale', venue: 'Hall',
      schedules: [{ startsAt: new Date(a.now() + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 1_000 }] } }],
    });
    const scheduleId = okValue(created).schedules[0]!.scheduleId;
    const room = okValue(await a.createRoom({ name: 'Cluster sale', scheduleIds: [scheduleId], opensAtMs: a.now() + 3_000, maxActive: 2 }));

    const tokens = new Map<string, string>();
    for (let i = 0; i < 12; i++) {
      const node = i % 2 === 0 ? b : c;
      const issued = okValue(await node.issueQueueToken(`cluster-fan-${i}`, { roomId: room.roomId }));
      expect(issued.status).toMatchObject({ status: 'PRE_QUEUE', roomId: room.roomId });
      tokens.set(`cluster-fan-${i}`, issued.status.token);
    }
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(okValue(n.getRoom(room.roomId))).toMatchObject({ state: 'PRE_QUEUE', entrants: 12, commitment: room.commitment, seed: null });

    await until(() => nodes.every((n) => n.getRoom(room.roomId).ok && okValue(n.getRoom(room.roomId)).state === 'OPEN'), 20_000);
    for (const n of nodes) await n.readBarrier();
    const views = nodes.map((n) => okValue(n.getRoom(room.roomId)));
    expect(views[0]!.seed).not.toBeNull();
    expect(commitmentOf(views[0]!.seed!)).toBe(room.commitment);
    expect(views.map((v) => [v.seed, v.openedAt, v.active, v.admitted])).toEqual([0, 1, 2].map(() => [views[0]!.seed, views[0]!.openedAt, 2, 2]));

    // The same places on every node, and they are the seed's order.
    const placesOn = (n: ClusterEngine): Array<[string, number, string]> => [...tokens].map(([userId, token]) => {
      const status = okValue(n.queueStatus(userId, token));
      return [status.entrantId!, status.position, status.status];
    });
    const places = placesOn(a);
    expect(placesOn(b)).toEqual(places);
    expect(placesOn(c)).toEqual(places);
    const order = fairOrder(views[0]!.seed!, places.map(([entrantId]) => entrantId));
    const byEntrant = new Map(places.map(([entrantId, position, status]) => [entrantId, status === 'ACTIVE' ? 0 : position]));
    expect(order.map((entrantId) => byEntrant.get(entrantId))).toEqual([0, 0, ...Array.from({ length: 10 }, (_, i) => i + 1)]);

    // Receipts and the audit: the same fields on every node, and the bundle verifies.
    const receiptsOn = (n: ClusterEngine): unknown[] => [...tokens].map(([userId, token]) => okValue(n.queueReceipt(userId, token)));
    expect(receiptsOn(b)).toEqual(receiptsOn(a));
    expect(receiptsOn(c)).toEqual(receiptsOn(a));
    const audit = okValue(a.roomAudit(room.roomId));
    expect(okValue(b.roomAudit(room.roomId))).toEqual(audit);
    expect(okValue(c.roomAudit(room.roomId))).toEqual(audit);
    const { head, ...published } = audit;
    const bundle = {
      ...published,
      publicKey: createPublicKey(KEY).export({ format: 'der', type: 'spki' }).toString('base64'),
      logHead: signLogHead({ roomId: room.roomId, count: head.count, headHash: head.headHash }, KEY),
      receipts: [...tokens].map(([userId, token]) => signReceipt(okValue(a.queueReceipt(userId, token)), KEY)),
    };
    expect(verifyRoomAudit(bundle)).toMatchObject({ ok: true, entrants: 12, admissions: 2, receipts: 12 });

    // The room's tokens open its show through any node; the default line's do not.
    const first = [...tokens].find(([userId, token]) => okValue(a.queueStatus(userId, token)).status === 'ACTIVE')!;
    expect(c.checkQueueAccess(first[0], first[1], scheduleId)).toEqual({ ok: true, value: null });
    const outsider = okValue(await b.issueQueueToken('cluster-outsider'));
    await until(() => b.queueStatus('cluster-outsider', outsider.status.token).ok && okValue(b.queueStatus('cluster-outsider', outsider.status.token)).status === 'ACTIVE');
    expect(b.checkQueueAccess('cluster-outsider', outsider.status.token, scheduleId)).toMatchObject({ ok: false, error: { code: 'QUEUE_WRONG_ROOM', details: { roomId: room.roomId } } });

    // A rate set through node c holds on every node; a new node rebuilds the room from the log alone.
    const patched = okValue(await c.updateRoom({ roomId: room.roomId, admissionRatePerMinute: 30, maxActive: 5 }));
    expect(patched).toMatchObject({ admissionRatePerMinute: 30, maxActive: 5 });
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(okValue(n.getRoom(room.roomId))).toMatchObject({ admissionRatePerMinute: 30, maxActive: 5 });
    const late = cluster.node('d');
    await late.start();
    try {
      await late.readBarrier();
      await until(() => late.getRoom(room.roomId).ok && okValue(late.getRoom(room.roomId)).admitted >= okValue(a.getRoom(room.roomId)).admitted);
      for (const n of nodes) await n.readBarrier();
      expect(placesOn(late).map(([entrantId]) => entrantId)).toEqual(places.map(([entrantId]) => entrantId));
      expect(okValue(late.roomAudit(room.roomId)).seed).toBe(audit.seed);
      expect(okValue(late.roomAudit(room.roomId)).log.slice(0, 2)).toEqual(audit.log);
    } finally {
      await late.close();
    }
  });
});
