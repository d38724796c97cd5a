/**
 * A WebSocket client for the e2e tests: records every message from the moment the socket exists (so
 * nothing sent right after the upgrade is lost) and lets a test await the next one or the close.
 */
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import type { ManualClock } from '../../src/actors/clock.js';
import { QUEUE_TICK_MS } from '../../src/actors/queue-actor.js';
import type { BookingEngine } from '../../src/domain/engine.js';

export interface ServerMessage { type: string; serverTime: string; version?: number; [field: string]: unknown }
export interface CloseEvent { code: number; reason: string }

export class RecordingClient {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<CloseEvent>;
  private readCount = 0;
  private waiters: Array<() => void> = [];
  private closeEvent: CloseEvent | undefined;

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data: WebSocket.RawData) => {
      this.messages.push(JSON.parse(data.toString()) as ServerMessage);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code: number, reason: Buffer) => {
        this.closeEvent = { code, reason: reason.toString() };
        resolve(this.closeEvent);
        this.wake();
      });
    });
    // A refused upgrade or a reset surfaces as 'close' too; the error itself is not the test's subject.
    socket.on('error', () => undefined);
  }

  /** The next message not yet read by next(); rejects on timeout or when the socket closes first. */
  async next(timeoutMs = 2_000): Promise<ServerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.messages[this.readCount];
      if (message !== undefined) {
        this.readCount++;
        return message;
      }
      if (this.closeEvent !== undefined) throw new Error(`socket closed (${this.closeEvent.code} ${this.closeEvent.reason}) before a message arrived`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no message within ${timeoutMs} ms (got ${this.messages.length})`);
      await this.waitForEvent(remaining);
    }
  }

  /** Waits until `count` messages have arrived in total. */
  async waitForMessages(count: number, timeoutMs = 5_000): Promise<ServerMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closeEvent !== undefined) {
        throw new Error(`expected ${count} messages, got ${this.messages.length}${this.closeEvent ? ` (closed ${this.closeEvent.code})` : ''}`);
      }
      await this.waitForEvent(remaining);
    }
    return this.messages.slice(0, count);
  }

  async closedWithin(timeoutMs = 2_000): Promise<CloseEvent> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.terminate();
  }

  private waitForEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/** A real TCP client against `app.listen`; resolves once the upgrade has finished (or was refused). */
export async function connectOverTcp(app: FastifyInstance, path: string): Promise<RecordingClient> {
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('app is not listening on TCP');
  const client = new RecordingClient(new WebSocket(`ws://127.0.0.1:${address.port}${path}`));
  await new Promise<void>((resolve) => {
    client.socket.once('open', () => resolve());
    client.socket.once('close', () => resolve());
  });
  return client;
}

/** A client through `app.injectWS` (no network); listeners are attached before the upgrade completes. */
export async function connectInjected(app: FastifyInstance, path: string): Promise<RecordingClient> {
  let client: RecordingClient | undefined;
  await app.injectWS(path, {}, {
    onInit: (socket) => {
      client = new RecordingClient(socket);
    },
  });
  if (client === undefined) throw new Error('injectWS did not initialise a socket');
  return client;
}

export function seatMapPath(scheduleId: string, userToken: string, queueToken: string): string {
  return `/v1/schedules/${encodeURIComponent(scheduleId)}/seats/ws?token=${encodeURIComponent(userToken)}&queueToken=${encodeURIComponent(queueToken)}`;
}

export function queuePath(userToken: string, queueToken: string): string {
  return `/v1/queue/ws?token=${encodeURIComponent(userToken)}&queueToken=${encodeURIComponent(queueToken)}`;
}

/** Every schedule test starts from one concert whose booking is open on the test clock. */
export async function createOpenSchedule(engine: BookingEngine, seatCount = 50): Promise<string> {
  const nowMs = engine.now();
  const created = await engine.createConcert({
    title: 'WebSocket Test Concert',
    venue: 'Loopback Hall',
    schedules: [{
      startsAt: new Date(nowMs + 30 * 86_400_000).toISOString(),
      bookingOpensAt: new Date(nowMs - 86_400_000).toISOString(),
      seatMap: { seatCount, grades: [{ grade: 'R', from: 1, to: seatCount, price: 100_000 }] },
    }],
  });
  if (!created.ok) throw new Error(`createConcert failed: ${created.error.code}`);
  const schedule = created.value.schedules[0];
  if (schedule === undefined) throw new Error('createConcert returned no schedule');
  return schedule.scheduleId;
}

export interface Fan { userId: string; userToken: string; queueToken: string }

/** A user with a user token and a queue token, WAITING until the queue's next tick admits it. */
export async function waitingFan(app: FastifyInstance, engine: BookingEngine, userId: string): Promise<Fan> {
  const issued = await engine.issueQueueToken(userId);
  if (!issued.ok) throw new Error(`issueQueueToken failed: ${issued.error.code}`);
  return { userId, userToken: app.issueUserToken(userId, 3_600).token, queueToken: issued.value.status.token };
}

/** Fans admitted by one queue tick of the manual clock (the limit QUEUE_MAX_ACTIVE must leave room). */
export async function activeFans(app: FastifyInstance, engine: BookingEngine, clock: ManualClock, userIds: string[]): Promise<Fan[]> {
  const fans = await Promise.all(userIds.map((userId) => waitingFan(app, engine, userId)));
  clock.advance(QUEUE_TICK_MS);
  for (const fan of fans) {
    const access = engine.checkQueueAccess(fan.userId, fan.queueToken);
    if (!access.ok) throw new Error(`${fan.userId} not admitted: ${access.error.code}`);
  }
  return fans;
}

/**
 * Resolves once everything the engine has decided so far is committed and published: a charge decided
 * now is committed after those changes and answered after their post-commit pushes ran.
 */
export async function afterCommits(engine: BookingEngine): Promise<void> {
  const barrier = await engine.charge({ userId: 'commit-barrier', amount: 1 });
  if (!barrier.ok) throw new Error(`barrier charge refused: ${barrier.error.code}`);
}
