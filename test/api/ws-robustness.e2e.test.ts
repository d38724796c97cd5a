import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { createEngine } from '../../src/actors/engine.js';
import { buildApp } from '../../src/app.js';
import { loggerOptions } from '../../src/logger.js';
import { testConfig } from '../helpers/build-test-app.js';
import { QUEUE_TICK_MS } from '../../src/actors/queue-actor.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import {
  activeFans, connectInjected, connectOverTcp, createOpenSchedule, queuePath, RecordingClient, seatMapPath, waitingFan,
  type ServerMessage,
} from './ws-test-client.js';

const SEATS_PER_HOLD = 100;

function listeningPort(t: TestApp): number {
  const address = t.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening');
  return address.port;
}

describe('WebSocket robustness', () => {
  let t: TestApp | undefined;
  const clients: RecordingClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await t?.close();
    t = undefined;
  });

  it('given a watcher that stops reading, when deltas pile up past maxBufferedBytes, then it is dropped while a reading watcher gets every delta', async () => {
    t = await buildTestApp({
      config: { ws: { maxBufferedBytes: 1_024 }, limits: { maxSeatsPerReservation: SEATS_PER_HOLD, queueMaxActive: 10 } },
    });
    const scheduleId = await createOpenSchedule(t.engine, 2 * SEATS_PER_HOLD);
    const [reader, stalled, booker] = await activeFans(t.app, t.engine, t.clock, ['reader', 'stalled', 'booker']);
    const fast = await connectInjected(t.app, seatMapPath(scheduleId, reader!.userToken, reader!.queueToken));
    const slow = await connectInjected(t.app, seatMapPath(scheduleId, stalled!.userToken, stalled!.queueToken));
    clients.push(fast, slow);
    await fast.next();
    await slow.next();
    const [serverSideSlow] = [...t.app.websocketServer.clients].filter((socket) => socket.readyState === WebSocket.OPEN).slice(-1);

    slow.socket.pause();
    const seatNumbers = Array.from({ length: SEATS_PER_HOLD }, (_, i) => i + 1);
    const cycles = 40; // 80 deltas of ~2.5 KB: far past the in-memory pipe buffers and the 1 KiB limit
    for (let cycle = 0; cycle < cycles; cycle++) {
      const held = await t.engine.hold({ userId: booker!.userId, scheduleId, seatNumbers });
      if (!held.ok) throw new Error(held.error.code);
      await t.engine.cancelReservation(booker!.userId, held.value.reservationId);
    }

    const messages = await fast.waitForMessages(1 + 2 * cycles);
    expect(messages.slice(1).map((m) => m.version)).toEqual(Array.from({ length: 2 * cycles }, (_, i) => (messages[0]!.version as number) + 1 + i));
    expect(serverSideSlow?.readyState).toBe(WebSocket.CLOSED);
    slow.socket.resume();
    expect((await slow.closedWithin()).code).toBe(1006);
    expect(slow.messages.length).toBeLessThan(1 + 2 * cycles);
  });

  it('given more watchers than one fan-out slice, when a burst of holds commits, then every watcher gets every delta in order', async () => {
    t = await buildTestApp({ config: { limits: { queueMaxActive: 20 } } });
    const scheduleId = await createOpenSchedule(t.engine);
    const fans = await activeFans(t.app, t.engine, t.clock, Array.from({ length: 10 }, (_, i) => `booker${i}`));
    const viewer = fans[0]!;
    const watchers = await Promise.all(Array.from({ length: 1_100 }, () => connectInjected(t!.app, seatMapPath(scheduleId, viewer.userToken, viewer.queueToken))));
    clients.push(...watchers);
    await Promise.all(watchers.map((watcher) => watcher.next()));
    const firstVersion = (watchers[0]!.messages[0]!.version as number) + 1;

    const holds = await Promise.all(fans.map((fan, i) => t!.engine.hold({ userId: fan.userId, scheduleId, seatNumbers: [1 + i] })));
    expect(holds.every((hold) => hold.ok)).toBe(true);

    const expectedVersions = Array.from({ length: fans.length }, (_, i) => firstVersion + i);
    for (const watcher of watchers) {
      const messages = await watcher.waitForMessages(1 + fans.length, 10_000);
      expect(messages.slice(1).map((message) => message.version)).toEqual(expectedVersions);
    }
  });

  it('given a peer that never answers pings, then it is terminated after a missed heartbeat, while a live peer stays', async () => {
    t = await buildTestApp({ config: { ws: { heartbeatMs: 100 } } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const [silent, live] = await Promise.all([waitingFan(t.app, t.engine, 'silent'), waitingFan(t.app, t.engine, 'live')]);
    const base = `ws://127.0.0.1:${listeningPort(t)}`;
    const deaf = new RecordingClient(new WebSocket(`${base}${queuePath(silent.userToken, silent.queueToken)}`, { autoPong: false }));
    const healthy = new RecordingClient(new WebSocket(`${base}${queuePath(live.userToken, live.queueToken)}`));
    clients.push(deaf, healthy);
    let pingsSeen = 0;
    healthy.socket.on('ping', () => pingsSeen++);
    await deaf.next();
    await healthy.next();

    const closed = await deaf.closedWithin(1_000);

    expect(closed.code).toBe(1006);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(pingsSeen).toBeGreaterThanOrEqual(3);
    expect(healthy.socket.readyState).toBe(WebSocket.OPEN);
  });

  it('given a plain HTTP GET on a WebSocket endpoint, then 426 Upgrade Required in the contract error shape', async () => {
    t = await buildTestApp();

    const response = await t.app.inject({ method: 'GET', url: '/v1/queue/ws?token=a&queueToken=b' });

    expect(response.statusCode).toBe(426);
    expect(response.headers['upgrade']).toBe('websocket');
    expect(response.json()).toMatchObject({ statusCode: 426, code: 'VALIDATION_ERROR', error: 'Upgrade Required' });
  });

  it('given a client message larger than the inbound limit, then the socket is closed with 1009', async () => {
    t = await buildTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const fan = await waitingFan(t.app, t.engine, 'chatty');
    const client = await connectOverTcp(t.app, queuePath(fan.userToken, fan.queueToken));
    clients.push(client);
    await client.next();

    client.socket.send('x'.repeat(64 * 1024));

    expect((await client.closedWithin()).code).toBe(1009);
  });

  it('given open seat-map and queue sockets, when the app closes, then each gets 1001 and the subscriptions are released', async () => {
    t = await buildTestApp({ config: { limits: { queueMaxActive: 1, queueWaitingIdleMs: 5_000 } } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const scheduleId = await createOpenSchedule(t.engine);
    const [viewer] = await activeFans(t.app, t.engine, t.clock, ['viewer']);
    const waiter = await waitingFan(t.app, t.engine, 'waiter');
    const seatMap = await connectOverTcp(t.app, seatMapPath(scheduleId, viewer!.userToken, viewer!.queueToken));
    const queue = await connectOverTcp(t.app, queuePath(waiter.userToken, waiter.queueToken));
    const injected = await connectInjected(t.app, queuePath(waiter.userToken, waiter.queueToken));
    clients.push(seatMap, queue, injected);
    await Promise.all([seatMap.next(), queue.next(), injected.next()]);

    const startedMs = Date.now();
    await t.app.close();

    expect(Date.now() - startedMs).toBeLessThan(2_000);
    for (const client of [seatMap, queue, injected]) {
      expect(await client.closedWithin()).toEqual({ code: 1001, reason: 'server shutting down' });
    }
    // The engine outlives the app here: its seat-map subscription is gone (a change reaches nobody) and the
    // waiting socket's presence has ended, so the idle limit drops the waiter.
    const seenBefore: ServerMessage[] = [...seatMap.messages];
    expect((await t.engine.hold({ userId: viewer!.userId, scheduleId, seatNumbers: [1] })).ok).toBe(true);
    for (let elapsedMs = 0; elapsedMs <= 10_000; elapsedMs += QUEUE_TICK_MS) t.clock.advance(QUEUE_TICK_MS);
    expect(t.engine.queueStatus(waiter.userId, waiter.queueToken)).toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
    expect(seatMap.messages).toEqual(seenBefore);
  });

  it('given sockets served and refused with info logging on, then no log line carries a query token', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
    const config = testConfig({ logLevel: 'info', ws: { maxBufferedBytes: 1_024 } });
    const clock = new ManualClock();
    const engine = createEngine({ dbPath: ':memory:', limits: config.limits, clock });
    const app = await buildApp({ config, engine, logger: pino(loggerOptions({ ...config, nodeEnv: 'test' }), sink) });
    const secrets: string[] = [];
    try {
      await app.ready();
      await engine.start();
      await app.listen({ port: 0, host: '127.0.0.1' });
      const scheduleId = await createOpenSchedule(engine);
      const [fan] = await activeFans(app, engine, clock, ['logged']);
      secrets.push(fan!.userToken, fan!.queueToken);
      const served = await connectOverTcp(app, seatMapPath(scheduleId, fan!.userToken, fan!.queueToken));
      await served.next();
      const refused = await connectOverTcp(app, seatMapPath('missing', fan!.userToken, fan!.queueToken));
      await refused.closedWithin();
      const queue = await connectOverTcp(app, queuePath(fan!.userToken, fan!.queueToken));
      await queue.next();
      served.close();
      queue.close();
    } finally {
      await app.close();
      await engine.close();
    }

    const log = lines.join('');
    expect(log).toContain('/seats/ws');
    expect(log).not.toMatch(/token=(?!\[REDACTED\])/i);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});
