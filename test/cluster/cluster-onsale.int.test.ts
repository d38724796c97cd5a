/**
 * The waitlist in a real cluster (three nats-servers, three nodes in one process): fans join through
 * different nodes, a hold of the sold-out show expires on the log's clock, and every replica decides the
 * same offer (same reservation id, same seats, same deadline); the fan hears it on the node they watch and
 * pays it there without a queue token. A presale code drawn through one node is the same code on every node,
 * a channel's held-back seats released through one node are the public's on every node, every node tells
 * a fan in line the same odds, and a venue layout imported through one node is on every node under the same id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterEngine } from '../../src/cluster/cluster-engine.js';
import { startInProcessCluster, until, type InProcessCluster } from './support/in-process-cluster.js';
import type { ReservationView } from '../../src/domain/views.js';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';

const HOLD_TTL_MS = 1_500;

let cluster: InProcessCluster;
let nodes: ClusterEngine[];

beforeAll(async () => {
  cluster = await startInProcessCluster('onsale', { holdTtlMs: HOLD_TTL_MS });
  nodes = cluster.nodes;
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('waitlist, presale codes and venue layouts in cluster mode', () => {
  it('given fans joining through nodes b and c, when the hold of the sold-out show expires, then every node makes the same offer and the fan pays it through node c', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const created = await a.createConcert({
      title: 'Waitlist', venue: 'Hall',
      schedules: [{ startsAt: new Date(a.now() + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 70_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    expect((await a.hold({ userId: 'holder', scheduleId, seatNumbers: [1, 2] })).ok).toBe(true);
    const first = await b.joinWaitlist({ userId: 'first', scheduleId, quantity: 2 });
    const second = await c.joinWaitlist({ userId: 'second', scheduleId, quantity: 1 });
    expect([first.ok && first.value.entry.position, second.ok && second.value.entry.position]).toEqual([1, 2]);

    const heard: ReservationView[] = [];
    c.subscribeWaitlistOffers('first', (offer) => heard.push(offer));
    await until(() => nodes.every((n) => n.getWaitlist('first').offers.length === 1));
    const offers = nodes.map((n) => n.getWaitlist('first').offers[0]);
    expect(offers[1]).toEqual(offers[0]);
    expect(offers[2]).toEqual(offers[0]);
    expect(offers[0]).toMatchObject({ waitlistOffer: true, seats: [{ seatNumber: 1 }, { seatNumber: 2 }] });
    await until(() => heard.length === 1);
    expect(heard[0]).toEqual(offers[0]);
    for (const n of nodes) expect(n.getWaitlistEntry('second', scheduleId)).toMatchObject({ ok: true, value: { position: 1, length: 1 } });
    // The dates a fan in line may wait for instead: the same on every node (each builds it from its replica).
    const dates = nodes.map((n) => n.listWaitlistDates().find((date) => date.scheduleId === scheduleId));
    expect(dates[0]).toMatchObject({ title: 'Waitlist', soldOut: true, waitlistLength: 1 });
    expect(dates[1]).toEqual(dates[0]);
    expect(dates[2]).toEqual(dates[0]);

    expect((await c.charge({ userId: 'first', amount: 140_000 })).ok).toBe(true);
    const paid = await c.pay({ userId: 'first', reservationId: offers[0]!.reservationId, queueToken: null });
    expect(paid.ok ? paid.value.amount : paid.error).toBe(140_000);
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) {
      const map = n.getSeatMap(scheduleId);
      expect(map.ok && map.value.seats.map((s) => s.status)).toEqual(['RESERVED', 'RESERVED']);
    }
  });

  it('given a presale code drawn through node b and used through node c, then every node lists the same code with its use', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const now = a.now();
    const created = await a.createConcert({
      title: 'Presale', venue: 'Hall',
      schedules: [{
        startsAt: new Date(now + 7 * 86_400_000).toISOString(), presaleOpensAt: new Date(now - 60_000).toISOString(), bookingOpensAt: new Date(now + 86_400_000).toISOString(),
        seatMap: { seatCount: 4, grades: [{ grade: 'R', from: 1, to: 4, price: 1_000 }] },
      }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    const code = await b.createPresaleCode({ scheduleId, maxUses: 3 });
    if (!code.ok) throw new Error(code.error.code);
    expect((await c.hold({ userId: 'presale-fan', scheduleId, seatNumbers: [1], presaleCode: code.value.code })).ok).toBe(true);
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(n.listPresaleCodes(scheduleId)).toMatchObject({ ok: true, value: [{ code: code.value.code, maxUses: 3, used: 1 }] });
  });

  it('given the demo arena imported through node c, then every node has it under the same id; a layout too big for one log entry is refused', async () => {
    const [, , c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const created = await c.createLayout({ layout: demoArenaLayout() });
    if (!created.ok) throw new Error(created.error.code);
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(n.getLayout(created.value.layoutId)).toMatchObject({ ok: true, value: { seatCount: 50_000, name: 'Demo arena' } });
    const huge = { ...demoArenaLayout(), padding: 'x'.repeat(200_000) };
    expect(await c.createLayout({ layout: huge })).toMatchObject({ ok: false, error: { code: 'LAYOUT_INVALID' } });
  });

  it('given an arena schedule, when fans ask for the best seats through nodes a, b and c at once, then no seat is given twice and every node has the same compact map', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const layout = await b.createLayout({ layout: demoArenaLayout() });
    if (!layout.ok) throw new Error(layout.error.code);
    const created = await c.createConcert({ title: 'Arena', venue: 'Arena', schedules: [{ startsAt: new Date(a.now() + 7 * 86_400_000).toISOString(), layoutId: layout.value.layoutId }] });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    const holds = await Promise.all([a, b, c, a, b, c].map((n, i) => n.hold({ userId: `best-${i}`, scheduleId, bestAvailable: { quantity: 4 } })));
    const seats = holds.flatMap((outcome) => (outcome.ok ? outcome.value.seats.map((seat) => seat.label) : [outcome.error.code]));
    expect(seats).toHaveLength(24);
    expect(new Set(seats).size).toBe(24);
    // The front row of the five VIP sections, each centred block before any off-centre one.
    expect(seats.filter((label) => !/^S(9|1[0-3])-1-\d+$/.test(label ?? ''))).toEqual([]);
    const floor = await a.hold({ userId: 'floor-fan', scheduleId, generalAdmission: { areaId: 'FLOOR', quantity: 2 } });
    expect(floor.ok && floor.value.seats.map((seat) => seat.seatNumber)).toEqual([50_001, 50_002]);
    for (const n of nodes) await n.readBarrier();
    const maps = nodes.map((n) => n.getCompactSeatMap(scheduleId));
    expect(maps[0]).toMatchObject({ ok: true, value: { seatCount: 55_000, areas: [{ id: 'FLOOR', free: 4_998 }] } });
    expect(maps[1]).toEqual(maps[0]);
    expect(maps[2]).toEqual(maps[0]);
  });

  it('given seats held back for the press, when released through node b, then every node shows them AVAILABLE and gives a fan in line the same odds', async () => {
    const [a, b, c] = nodes as [ClusterEngine, ClusterEngine, ClusterEngine];
    const created = await a.createConcert({
      title: 'Holdback', venue: 'Hall',
      schedules: [{ startsAt: new Date(a.now() + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 3, grades: [{ grade: 'R', from: 1, to: 3, price: 1_000 }] }, holdbacks: [{ channel: 'press', seatNumbers: [2, 3] }] }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    const statusesOn = (n: ClusterEngine): string[] => {
      const map = n.getSeatMap(scheduleId);
      return map.ok ? map.value.seats.map((seat) => seat.status) : [];
    };
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(statusesOn(n)).toEqual(['AVAILABLE', 'RESERVED', 'RESERVED']);
    expect((await b.releaseHoldback({ scheduleId, channel: 'press' })).ok).toBe(true);
    for (const n of nodes) await n.readBarrier();
    for (const n of nodes) expect(statusesOn(n)).toEqual(['AVAILABLE', 'AVAILABLE', 'AVAILABLE']);

    const issued = await c.issueQueueToken('odds-fan');
    if (!issued.ok) throw new Error(issued.error.code);
    const token = issued.value.status.token;
    const odds = (n: ClusterEngine): string => {
      const status = n.queueStatus('odds-fan', token);
      return status.ok ? JSON.stringify([status.value.seatsRemaining, status.value.outlook]) : status.error.code;
    };
    // Each node sums the seats left at most once a second of its log time: they agree within a second.
    await until(() => nodes.every((n) => odds(n) === odds(a)), 5_000);
    expect(JSON.parse(odds(a))[1]).toBe('LIKELY');
  });
});
