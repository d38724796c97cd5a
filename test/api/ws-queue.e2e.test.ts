import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QUEUE_TICK_MS } from '../../src/actors/queue-actor.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import {
  afterCommits, connectInjected, connectOverTcp, createOpenSchedule, queuePath, waitingFan,
  type Fan, type RecordingClient,
} from './ws-test-client.js';

const ACTIVE_TTL_MS = 60_000;
const WAITING_IDLE_MS = 5_000;

describe('queue WebSocket', () => {
  let t: TestApp;
  const clients: RecordingClient[] = [];

  async function watch(fan: Fan, via: 'tcp' | 'inject' = 'tcp'): Promise<RecordingClient> {
    const path = queuePath(fan.userToken, fan.queueToken);
    const client = via === 'tcp' ? await connectOverTcp(t.app, path) : await connectInjected(t.app, path);
    clients.push(client);
    return client;
  }

  /** Joins the line in order (the first fan is at the head). */
  async function line(...userIds: string[]): Promise<Fan[]> {
    const fans: Fan[] = [];
    for (const userId of userIds) fans.push(await waitingFan(t.app, t.engine, userId));
    return fans;
  }

  function tick(): void {
    t.clock.advance(QUEUE_TICK_MS);
  }

  beforeEach(async () => {
    t = await buildTestApp({ config: { limits: { queueMaxActive: 1, queueActiveTtlMs: ACTIVE_TTL_MS, queueWaitingIdleMs: WAITING_IDLE_MS } } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t.close();
  });

  it('given a waiting fan, when it connects, then its queue.status arrives at once with serverTime', async () => {
    const [, second] = await line('first', 'second');

    const client = await watch(second!);

    expect(await client.next()).toMatchObject({
      type: 'queue.status', token: second!.queueToken, userId: 'second', status: 'WAITING', position: 2,
      expiresAt: null, soldOut: false, serverTime: new Date(t.clock.now()).toISOString(),
    });
  });

  it('given a line, when the head is admitted and then leaves, then the next fan is pushed its new position and then ACTIVE', async () => {
    const [head, next] = await line('head', 'next');
    const headSocket = await watch(head!);
    const nextSocket = await watch(next!, 'inject');
    await headSocket.next();
    await nextSocket.next();

    tick();

    expect(await headSocket.next()).toMatchObject({ type: 'queue.status', status: 'ACTIVE', position: 0 });
    expect(await nextSocket.next()).toMatchObject({ type: 'queue.status', status: 'WAITING', position: 1 });

    expect((await t.engine.leaveQueue(head!.userId, head!.queueToken)).ok).toBe(true);
    expect(await headSocket.next()).toMatchObject({ type: 'queue.ended', token: head!.queueToken, reason: 'LEFT' });
    expect(await headSocket.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });

    tick();

    const admitted = await nextSocket.next();
    expect(admitted).toMatchObject({ type: 'queue.status', status: 'ACTIVE', position: 0, estimatedWaitSeconds: 0 });
    expect(admitted['expiresAt']).toBe(new Date(t.clock.now() + ACTIVE_TTL_MS).toISOString());
  });

  it('given many fans ahead leaving between two ticks, then the watcher gets one position update at the tick, not one per leave', async () => {
    const fans = await line('active', 'w1', 'w2', 'w3', 'w4', 'watcher');
    tick(); // admits 'active'; the watcher is 5th in the waiting line
    await afterCommits(t.engine); // the tick's own position push is done before the watcher connects
    const watcher = await watch(fans[5]!);
    expect(await watcher.next()).toMatchObject({ position: 5 });

    for (const fan of fans.slice(1, 5)) expect((await t.engine.leaveQueue(fan.userId, fan.queueToken)).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watcher.messages).toHaveLength(1);

    tick();

    expect(await watcher.next()).toMatchObject({ type: 'queue.status', status: 'WAITING', position: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(watcher.messages).toHaveLength(2);
  });

  it('given an ACTIVE fan watching, when it pays, then it gets queue.ended PAID and the socket closes 1000', async () => {
    const [fan] = await line('payer');
    tick();
    const client = await watch(fan!);
    expect(await client.next()).toMatchObject({ status: 'ACTIVE' });
    const scheduleId = await createOpenSchedule(t.engine);
    const held = await t.engine.hold({ userId: fan!.userId, scheduleId, seatNumbers: [3] });
    if (!held.ok) throw new Error(held.error.code);
    await t.engine.charge({ userId: fan!.userId, amount: 100_000 });

    expect((await t.engine.pay({ userId: fan!.userId, reservationId: held.value.reservationId })).ok).toBe(true);

    // The new schedule changed the seats remaining, so a status may come first: the odds are live too.
    let message = await client.next();
    while (message.type === 'queue.status') message = await client.next();
    expect(message).toMatchObject({ type: 'queue.ended', reason: 'PAID' });
    expect(await client.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });
  });

  it('given an ACTIVE fan watching, when its admission time runs out, then queue.ended ACTIVE_EXPIRED and close 1000', async () => {
    const [fan] = await line('slow');
    tick();
    const client = await watch(fan!, 'inject');
    await client.next();

    t.clock.advance(ACTIVE_TTL_MS + QUEUE_TICK_MS);

    expect(await client.next()).toMatchObject({ type: 'queue.ended', reason: 'ACTIVE_EXPIRED' });
    expect(await client.closedWithin()).toEqual({ code: 1000, reason: 'QUEUE_TOKEN_ENDED' });
  });

  it('given two idle waiting fans, when the idle limit passes, then the connected one keeps its place and the other is dropped', async () => {
    const [, connected, absent] = await line('active', 'connected', 'absent');
    const client = await watch(connected!);
    await client.next();

    for (let elapsedMs = 0; elapsedMs <= 2 * WAITING_IDLE_MS; elapsedMs += QUEUE_TICK_MS) tick();
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(t.engine.queueStatus(absent!.userId, absent!.queueToken)).toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
    expect(t.engine.queueStatus(connected!.userId, connected!.queueToken).ok).toBe(true);
    expect(client.messages.some((message) => message.type === 'queue.ended')).toBe(false);
    expect(client.socket.readyState).toBe(client.socket.OPEN);
  });

  it('given the socket closes, then presence ends and the idle limit applies again', async () => {
    const [, fan] = await line('active', 'leaver');
    const client = await watch(fan!);
    await client.next();
    client.socket.close(1000);
    await client.closedWithin();
    await new Promise((resolve) => setTimeout(resolve, 20));

    for (let elapsedMs = 0; elapsedMs <= 2 * WAITING_IDLE_MS; elapsedMs += QUEUE_TICK_MS) tick();

    expect(t.engine.queueStatus(fan!.userId, fan!.queueToken)).toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
  });

  describe('refusals (close code and reason)', () => {
    it.each([
      ['no user token', 4401, 'UNAUTHENTICATED', (fan: Fan) => `/v1/queue/ws?queueToken=${fan.queueToken}`],
      ['an invalid user token', 4401, 'UNAUTHENTICATED', (fan: Fan) => queuePath('not-a-jwt', fan.queueToken)],
      ['no queue token', 4401, 'QUEUE_TOKEN_INVALID', (fan: Fan) => `/v1/queue/ws?token=${fan.userToken}`],
      ['an unknown queue token', 4401, 'QUEUE_TOKEN_INVALID', (fan: Fan) => queuePath(fan.userToken, 'unknown')],
    ])('given %s, then the socket closes with %i %s', async (_, code, reason, path) => {
      const [fan] = await line('someone');
      const client = await connectOverTcp(t.app, path(fan!));
      clients.push(client);

      expect(await client.closedWithin()).toEqual({ code, reason });
      expect(client.messages).toEqual([]);
    });

    it('given another user\'s queue token, then 4401 QUEUE_TOKEN_INVALID and nothing about that token is sent', async () => {
      const [owner, thief] = await line('owner', 'thief');
      const client = await watch({ ...thief!, queueToken: owner!.queueToken }, 'inject');

      expect(await client.closedWithin()).toEqual({ code: 4401, reason: 'QUEUE_TOKEN_INVALID' });
      expect(client.messages).toEqual([]);
    });
  });
});
