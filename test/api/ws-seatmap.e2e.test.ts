import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUE_TICK_MS } from '../../src/actors/queue-actor.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import type { SeatChange, SeatStatus, SeatView } from '../../src/domain/views.js';
import {
  activeFans, connectInjected, connectOverTcp, createOpenSchedule, seatMapPath, waitingFan,
  type Fan, type RecordingClient, type ServerMessage,
} from './ws-test-client.js';

/** Applies snapshot + deltas the way a client must, checking that versions rise by exactly 1. */
function replay(messages: ServerMessage[]): { version: number; statuses: Map<number, SeatStatus> } {
  const [snapshot, ...deltas] = messages;
  if (snapshot?.type !== 'seatmap.snapshot') throw new Error(`first message is ${snapshot?.type}`);
  let version = snapshot.version as number;
  const statuses = new Map((snapshot['seats'] as SeatView[]).map((seat) => [seat.seatNumber, seat.status]));
  for (const delta of deltas) {
    expect(delta.type).toBe('seatmap.delta');
    expect(delta.version).toBe(version + 1);
    version = delta.version as number;
    for (const change of delta['changes'] as SeatChange[]) statuses.set(change.seatNumber, change.status);
  }
  return { version, statuses };
}

function engineStatuses(t: TestApp, scheduleId: string): { version: number; statuses: Map<number, SeatStatus> } {
  const map = t.engine.getSeatMap(scheduleId);
  if (!map.ok) throw new Error(map.error.code);
  return { version: map.value.version, statuses: new Map(map.value.seats.map((seat) => [seat.seatNumber, seat.status])) };
}

describe('seat-map WebSocket', () => {
  let t: TestApp;
  let scheduleId: string;
  let fans: Fan[];
  const clients: RecordingClient[] = [];

  async function open(fan: Fan, via: 'tcp' | 'inject' = 'tcp'): Promise<RecordingClient> {
    const path = seatMapPath(scheduleId, fan.userToken, fan.queueToken);
    const client = via === 'tcp' ? await connectOverTcp(t.app, path) : await connectInjected(t.app, path);
    clients.push(client);
    return client;
  }

  beforeEach(async () => {
    t = await buildTestApp({ config: { limits: { holdTtlMs: 60_000, queueMaxActive: 50 } } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    scheduleId = await createOpenSchedule(t.engine);
    fans = await activeFans(t.app, t.engine, t.clock, Array.from({ length: 12 }, (_, i) => `fan${i}`));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t.close();
  });

  it('given an ACTIVE fan, when it connects, then the first message is the snapshot with serverTime', async () => {
    const client = await open(fans[0]!);

    const snapshot = await client.next();

    const expected = t.engine.getSeatMap(scheduleId);
    if (!expected.ok) throw new Error('schedule missing');
    expect(snapshot).toEqual({
      type: 'seatmap.snapshot', scheduleId, version: expected.value.version, seats: expected.value.seats,
      serverTime: new Date(t.clock.now()).toISOString(),
    });
    expect(snapshot.seats).toHaveLength(50);
  });

  it('given two watchers, when a burst of concurrent holds commits, then both get every delta in order with no gap', async () => {
    const overTcp = await open(fans[0]!, 'tcp');
    const injected = await open(fans[1]!, 'inject');
    await overTcp.next();
    await injected.next();

    const outcomes = await Promise.all(fans.map((fan, i) => t.engine.hold({ userId: fan.userId, scheduleId, seatNumbers: [1 + 3 * i, 2 + 3 * i] })));
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);

    const expected = engineStatuses(t, scheduleId);
    for (const client of [overTcp, injected]) {
      const messages = await client.waitForMessages(1 + fans.length);
      const seen = replay(messages);
      expect(seen.version).toBe(expected.version);
      expect(seen.statuses).toEqual(expected.statuses);
      for (const message of messages) expect(message.serverTime).toBe(new Date(t.clock.now()).toISOString());
    }
    expect(injected.messages.map((m) => m.version)).toEqual(overTcp.messages.map((m) => m.version));
  });

  it('given holds over HTTP while a fan connects mid-burst, then its snapshot plus deltas equal the final map exactly once', async () => {
    const holds = fans.slice(2).map((fan, i) => t.app.inject({
      method: 'POST', url: '/v1/reservations',
      headers: { authorization: `Bearer ${fan.userToken}`, 'x-queue-token': fan.queueToken },
      payload: { scheduleId, seatNumbers: [10 + 2 * i, 11 + 2 * i] },
    }));
    const latecomer = await open(fans[0]!);
    const responses = await Promise.all(holds);
    expect(responses.map((response) => response.statusCode)).toEqual(responses.map(() => 201));

    const expected = engineStatuses(t, scheduleId);
    const snapshotVersion = (await latecomer.next()).version as number;
    const deltasStillDue = expected.version - snapshotVersion;
    const messages = await latecomer.waitForMessages(1 + deltasStillDue);
    const seen = replay(messages);
    expect(seen.statuses).toEqual(expected.statuses);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(latecomer.messages).toHaveLength(1 + deltasStillDue);
  });

  it('given a hold, when the manual clock passes its deadline, then the expiry arrives as a delta back to AVAILABLE', async () => {
    const client = await open(fans[0]!);
    const snapshot = await client.next();
    const held = await t.engine.hold({ userId: fans[1]!.userId, scheduleId, seatNumbers: [7, 8] });
    expect(held.ok).toBe(true);
    const holdDelta = await client.next();
    expect(holdDelta).toMatchObject({ type: 'seatmap.delta', version: (snapshot.version as number) + 1 });
    expect(holdDelta['changes']).toEqual(expect.arrayContaining([{ seatNumber: 7, status: 'TEMP_RESERVED' }, { seatNumber: 8, status: 'TEMP_RESERVED' }]));

    t.clock.advance(60_000);

    const expiryDelta = await client.next();
    expect(expiryDelta).toMatchObject({ type: 'seatmap.delta', version: (snapshot.version as number) + 2 });
    expect(expiryDelta['changes']).toEqual(expect.arrayContaining([{ seatNumber: 7, status: 'AVAILABLE' }, { seatNumber: 8, status: 'AVAILABLE' }]));
    expect(expiryDelta.serverTime).toBe(new Date(t.clock.now()).toISOString());
  });

  it('given a hold, when it is cancelled and another is paid, then both appear as deltas (AVAILABLE, RESERVED)', async () => {
    const client = await open(fans[0]!);
    await client.next();
    const [canceller, payer] = [fans[1]!, fans[2]!];
    const cancelled = await t.engine.hold({ userId: canceller.userId, scheduleId, seatNumbers: [20] });
    const paid = await t.engine.hold({ userId: payer.userId, scheduleId, seatNumbers: [21] });
    if (!cancelled.ok || !paid.ok) throw new Error('hold failed');
    await t.engine.cancelReservation(canceller.userId, cancelled.value.reservationId);
    await t.engine.charge({ userId: payer.userId, amount: 100_000 });
    const payment = await t.engine.pay({ userId: payer.userId, reservationId: paid.value.reservationId });
    expect(payment.ok).toBe(true);

    const deltas = (await client.waitForMessages(5)).slice(1);
    expect(deltas.map((delta) => delta['changes'])).toEqual([
      [{ seatNumber: 20, status: 'TEMP_RESERVED' }],
      [{ seatNumber: 21, status: 'TEMP_RESERVED' }],
      [{ seatNumber: 20, status: 'AVAILABLE' }],
      [{ seatNumber: 21, status: 'RESERVED' }],
    ]);
  });

  describe('for as long as the fan\'s turn lasts', () => {
    it('given two watching fans, when one pays, then its seat map closes 1000 QUEUE_TOKEN_ENDED and the other\'s gets the sale and stays open', async () => {
      const [payer, other] = [fans[0]!, fans[1]!];
      const payerSocket = await open(payer);
      const otherSocket = await open(other, 'inject');
      await payerSocket.next();
      await otherSocket.next();
      const held = await t.engine.hold({ userId: payer.userId, scheduleId, seatNumbers: [5] });
      if (!held.ok) throw new Error(held.error.code);
      await t.engine.charge({ userId: payer.userId, amount: 200_000 });

      expect((await t.engine.pay({ userId: payer.userId, reservationId: held.value.reservationId })).ok).toBe(true);

      expect(await payerSocket.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });
      const [, holdDelta, saleDelta] = await otherSocket.waitForMessages(3);
      expect(holdDelta?.['changes']).toEqual([{ seatNumber: 5, status: 'TEMP_RESERVED' }]);
      expect(saleDelta?.['changes']).toEqual([{ seatNumber: 5, status: 'RESERVED' }]);
      expect(otherSocket.socket.readyState).toBe(otherSocket.socket.OPEN);
    });

    it('given a watching fan, when it leaves the line, then its seat map closes 1000 QUEUE_TOKEN_ENDED', async () => {
      const client = await open(fans[0]!, 'inject');
      await client.next();

      expect((await t.engine.leaveQueue(fans[0]!.userId, fans[0]!.queueToken)).ok).toBe(true);

      expect(await client.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });
    });

    it('given a watching fan, when its admission time runs out, then its seat map closes 1000 QUEUE_TOKEN_ENDED', async () => {
      const client = await open(fans[0]!);
      await client.next();

      t.clock.advance(t.config.limits.queueActiveTtlMs + QUEUE_TICK_MS);

      expect(await client.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });
    });
  });

  describe('refusals (close code and reason)', () => {
    it.each([
      ['no user token', 4401, 'UNAUTHENTICATED', (fan: Fan) => `/v1/schedules/SID/seats/ws?queueToken=${fan.queueToken}`],
      ['a forged user token', 4401, 'UNAUTHENTICATED', (fan: Fan) => `/v1/schedules/SID/seats/ws?token=${fan.userToken}x&queueToken=${fan.queueToken}`],
      ['no queue token', 4401, 'QUEUE_TOKEN_INVALID', (fan: Fan) => `/v1/schedules/SID/seats/ws?token=${fan.userToken}`],
      ['an unknown queue token', 4401, 'QUEUE_TOKEN_INVALID', (fan: Fan) => `/v1/schedules/SID/seats/ws?token=${fan.userToken}&queueToken=nope`],
      ['an unknown schedule', 4404, 'SCHEDULE_NOT_FOUND', (fan: Fan) => seatMapPath('no-such-schedule', fan.userToken, fan.queueToken)],
    ])('given %s, then the socket closes with %i %s and no seat data', async (_, code, reason, path) => {
      const client = await connectOverTcp(t.app, path(fans[0]!).replace('SID', scheduleId));
      clients.push(client);

      expect(await client.closedWithin()).toEqual({ code, reason });
      expect(client.messages).toEqual([]);
    });

    it('given another user\'s queue token, then 4401 QUEUE_TOKEN_INVALID', async () => {
      const client = await open({ ...fans[0]!, queueToken: fans[1]!.queueToken }, 'inject');
      expect(await client.closedWithin()).toEqual({ code: 4401, reason: 'QUEUE_TOKEN_INVALID' });
    });

    it('given a WAITING queue token, then 4403 QUEUE_NOT_ACTIVE', async () => {
      const waiting = await waitingFan(t.app, t.engine, 'latecomer');
      const client = await open(waiting);
      expect(await client.closedWithin()).toEqual({ code: 4403, reason: 'QUEUE_NOT_ACTIVE' });
    });
  });
});

describe('seat-map WebSocket subscriber limit', () => {
  it('given a schedule at its subscriber limit, when one more connects, then it closes 1013 until a watcher leaves', async () => {
    const t = await buildTestApp({ config: { ws: { maxSubscribersPerSchedule: 2 } } });
    try {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const scheduleId = await createOpenSchedule(t.engine);
      const [a, b, c] = await activeFans(t.app, t.engine, t.clock, ['a', 'b', 'c']);
      const first = await connectOverTcp(t.app, seatMapPath(scheduleId, a!.userToken, a!.queueToken));
      const second = await connectOverTcp(t.app, seatMapPath(scheduleId, b!.userToken, b!.queueToken));
      await first.next();
      await second.next();

      const refused = await connectOverTcp(t.app, seatMapPath(scheduleId, c!.userToken, c!.queueToken));
      expect(await refused.closedWithin()).toEqual({ code: 1013, reason: 'try again later' });

      first.socket.close(1000);
      await first.closedWithin();
      const retried = await connectOverTcp(t.app, seatMapPath(scheduleId, c!.userToken, c!.queueToken));
      expect((await retried.next()).type).toBe('seatmap.snapshot');
      second.close();
      retried.close();
    } finally {
      await t.close();
    }
  });
});
