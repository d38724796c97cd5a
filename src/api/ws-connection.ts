/**
 * What both WebSocket endpoints share: reading the tokens from the query string (browsers cannot set
 * headers on a WebSocket), the close codes, sending with `serverTime`, heartbeats, the slow-consumer
 * guard and closing everything on shutdown.
 *
 * Close codes a client can see (the README's WebSocket section is written from this table):
 *
 * | code | reason                 | when                                                              |
 * |------|------------------------|-------------------------------------------------------------------|
 * | 1000 | QUEUE_TOKEN_ENDED      | queue socket: the token ended (paid, expired, left, dropped)      |
 * | 1001 | server shutting down   | the server is closing                                             |
 * | 1006 | (none, not sent)       | the server terminated the peer: missed pong, or slow consumer     |
 * | 1009 | (set by ws)            | a client message larger than the inbound payload limit            |
 * | 1011 | INTERNAL_ERROR         | an unexpected server fault while setting the socket up            |
 * | 1013 | try again later        | seat-map socket: the schedule has its maximum of subscribers      |
 * | 4401 | UNAUTHENTICATED        | missing or invalid user token (`token` query parameter)           |
 * | 4401 | QUEUE_TOKEN_INVALID    | missing, unknown, ended or another user's queue token             |
 * | 4403 | QUEUE_NOT_ACTIVE       | seat-map socket with a queue token that is still WAITING          |
 * | 4403 | QUEUE_WRONG_ROOM       | seat-map socket with a token of another sale's waiting room        |
 * | 4404 | SCHEDULE_NOT_FOUND     | seat-map socket for an unknown schedule                           |
 *
 * 44xx mirror the HTTP status of the same code in the REST contract. The tokens themselves are never
 * logged here; the app's logger redacts them from request URLs.
 */
import type { FastifyBaseLogger, FastifyReply, FastifySchema } from 'fastify';
import WebSocket from 'ws';
import { errorResponseSchema, sendError } from './errors.js';

export interface WsClose { readonly code: number; readonly reason: string }

export const WS_CLOSE = {
  QUEUE_TOKEN_ENDED: { code: 1000, reason: 'QUEUE_TOKEN_ENDED' },
  SHUTTING_DOWN: { code: 1001, reason: 'server shutting down' },
  INTERNAL_ERROR: { code: 1011, reason: 'INTERNAL_ERROR' },
  SUBSCRIBER_LIMIT: { code: 1013, reason: 'try again later' },
  UNAUTHENTICATED: { code: 4401, reason: 'UNAUTHENTICATED' },
  QUEUE_TOKEN_INVALID: { code: 4401, reason: 'QUEUE_TOKEN_INVALID' },
  QUEUE_NOT_ACTIVE: { code: 4403, reason: 'QUEUE_NOT_ACTIVE' },
  QUEUE_WRONG_ROOM: { code: 4403, reason: 'QUEUE_WRONG_ROOM' },
  SCHEDULE_NOT_FOUND: { code: 4404, reason: 'SCHEDULE_NOT_FOUND' },
} as const satisfies Record<string, WsClose>;

/**
 * OpenAPI description shared by both endpoints. The tokens are optional in the schema on purpose: a
 * missing token must reach the handler and be refused with its close code, not with an HTTP 400.
 */
export function wsRouteSchema(schema: { tags: string[]; summary: string; description: string; params?: FastifySchema['params'] }): FastifySchema {
  return {
    ...schema,
    querystring: {
      type: 'object',
      properties: {
        token: { type: 'string', description: 'User token (JWT); browsers cannot set headers on a WebSocket' },
        queueToken: { type: 'string', description: 'Queue token' },
      },
    },
    response: {
      101: { description: 'Switching Protocols: the WebSocket is open; messages and close codes as described above', type: 'null' },
      426: { ...errorResponseSchema, description: 'A plain GET without `Upgrade: websocket`' },
    },
  };
}

/** A plain HTTP GET on a WebSocket endpoint: 426 Upgrade Required in the contract's error shape. */
export function upgradeRequired(reply: FastifyReply): FastifyReply {
  reply.header('upgrade', 'websocket');
  return sendError(reply, { code: 'VALIDATION_ERROR', message: 'This is a WebSocket endpoint: connect with an `Upgrade: websocket` request.' }, 426);
}

export const WS_CLOSE_CODES_MARKDOWN = [
  'Close codes: 1000 QUEUE_TOKEN_ENDED (the queue token ended; a queue socket gets queue.ended first), 1001 server shutting down,',
  '1006 (no frame) dropped for a missed pong or as a slow consumer, 1009 client message too large,',
  '1011 INTERNAL_ERROR, 1013 try again later (schedule has its maximum of watchers),',
  '4401 UNAUTHENTICATED, 4401 QUEUE_TOKEN_INVALID, 4403 QUEUE_NOT_ACTIVE, 4403 QUEUE_WRONG_ROOM, 4404 SCHEDULE_NOT_FOUND.',
].join(' ');

/** The two tokens a socket authenticates with; absent or non-string values become undefined. */
export interface WsTokens { userToken: string | undefined; queueToken: string | undefined }

export function readTokens(query: unknown): WsTokens {
  const record = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  return { userToken: nonEmptyString(record['token']), queueToken: nonEmptyString(record['queueToken']) };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** A message as the client receives it: the body, then `serverTime` (ISO 8601 UTC) from the engine's clock. */
export function encodeMessage(body: Record<string, unknown>, nowMs: number): Buffer {
  return Buffer.from(JSON.stringify({ ...body, serverTime: new Date(nowMs).toISOString() }));
}

export interface WsConnectionOptions {
  heartbeatMs: number;
  maxBufferedBytes: number;
  /** Grace for peers to answer the 1001 close frame before they are terminated. */
  shutdownGraceMs?: number;
  now: () => number;
  log: FastifyBaseLogger;
}

const DEFAULT_SHUTDOWN_GRACE_MS = 1_000;

/** One connected client. Cleanups run exactly once when the socket is gone, however it went. */
export class WsPeer {
  alive = true;
  private readonly cleanups: Array<() => void> = [];
  private gone = false;

  constructor(
    readonly socket: WebSocket,
    private readonly connections: WsConnections,
  ) {}

  /** Sends `body` with `serverTime`; false when the peer is closed or was just dropped as a slow consumer. */
  send(body: Record<string, unknown>): boolean {
    return this.sendEncoded(encodeMessage(body, this.connections.now()));
  }

  /** Sends an already encoded text message (fan-out encodes once for every subscriber). */
  sendEncoded(payload: Buffer): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    // Whatever the peer has not read yet stays in our memory; past the limit the peer is dropped, not fed.
    if (this.socket.bufferedAmount > this.connections.maxBufferedBytes) {
      this.connections.dropSlowConsumer(this);
      return false;
    }
    this.socket.send(payload, { binary: false });
    return true;
  }

  close(close: WsClose): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(close.code, close.reason);
    }
    this.release();
  }

  terminate(): void {
    this.socket.terminate();
    this.release();
  }

  /** Registers what to undo (unsubscribe) when the socket goes; runs at once if it has gone already. */
  onGone(cleanup: () => void): void {
    if (this.gone) {
      cleanup();
      return;
    }
    this.cleanups.push(cleanup);
  }

  get isGone(): boolean {
    return this.gone;
  }

  /** Runs the cleanups: called on close, terminate, or the socket's own 'close' event. */
  release(): void {
    if (this.gone) return;
    this.gone = true;
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        cleanup();
      } catch (error) {
        this.connections.log.warn({ err: error }, 'websocket cleanup failed');
      }
    }
    this.connections.forget(this);
  }
}

/** Every open peer of the app: one heartbeat timer for all of them, and the shutdown. */
export class WsConnections {
  readonly maxBufferedBytes: number;
  readonly log: FastifyBaseLogger;
  readonly now: () => number;
  private readonly peers = new Set<WsPeer>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly shutdownGraceMs: number;
  private closing = false;
  private slowConsumerDrops = 0;
  private heartbeatDrops = 0;

  constructor(options: WsConnectionOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.log = options.log;
    this.now = options.now;
    this.shutdownGraceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    // Heartbeats are about the network, not the domain: real time, not the engine's clock.
    this.heartbeat = setInterval(() => this.beat(), options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Tracks a freshly upgraded socket. During shutdown the socket is closed at once with 1001. */
  accept(socket: WebSocket): WsPeer {
    const peer = new WsPeer(socket, this);
    this.peers.add(peer);
    socket.on('pong', () => {
      peer.alive = true;
    });
    socket.on('close', () => peer.release());
    // Clients only listen; anything they send is ignored (ws already caps its size with maxPayload).
    socket.on('message', () => {
      peer.alive = true;
    });
    if (this.closing) peer.close(WS_CLOSE.SHUTTING_DOWN);
    return peer;
  }

  get size(): number {
    return this.peers.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  stats(): { open: number; slowConsumerDrops: number; heartbeatDrops: number } {
    return { open: this.peers.size, slowConsumerDrops: this.slowConsumerDrops, heartbeatDrops: this.heartbeatDrops };
  }

  dropSlowConsumer(peer: WsPeer): void {
    this.slowConsumerDrops++;
    this.log.warn({ bufferedBytes: peer.socket.bufferedAmount, maxBufferedBytes: this.maxBufferedBytes }, 'websocket slow consumer terminated');
    peer.terminate();
  }

  forget(peer: WsPeer): void {
    this.peers.delete(peer);
  }

  /**
   * Closes every open socket with 1001 and waits up to the grace period for the peers to answer, then
   * terminates whatever is left, including sockets already closing after a refusal (their code was sent).
   * `sockets` is every socket of the server, so none that slipped past tracking keeps the close waiting.
   */
  async shutdown(sockets: Iterable<WebSocket>): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const all = [...sockets];
    // Refused sockets whose peer never finished the close handshake: nothing more to tell them.
    for (const socket of all) {
      if (socket.readyState === WebSocket.CLOSING) socket.terminate();
    }
    for (const peer of [...this.peers]) peer.close(WS_CLOSE.SHUTTING_DOWN);
    for (const socket of all) {
      if (socket.readyState === WebSocket.OPEN) socket.close(WS_CLOSE.SHUTTING_DOWN.code, WS_CLOSE.SHUTTING_DOWN.reason);
    }
    await waitForClosed(all, this.shutdownGraceMs);
    for (const socket of all) {
      if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
    }
  }

  private beat(): void {
    for (const peer of this.peers) {
      if (!peer.alive) {
        this.heartbeatDrops++;
        this.log.info('websocket peer missed a pong; terminated');
        peer.terminate();
        continue;
      }
      peer.alive = false;
      if (peer.socket.readyState === WebSocket.OPEN) peer.socket.ping();
    }
  }
}

function waitForClosed(sockets: WebSocket[], graceMs: number): Promise<void> {
  const open = sockets.filter((socket) => socket.readyState !== WebSocket.CLOSED);
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let remaining = open.length;
    const timer = setTimeout(resolve, graceMs);
    timer.unref();
    for (const socket of open) {
      socket.once('close', () => {
        remaining--;
        if (remaining === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}
