/**
 * Live seat maps: `GET /v1/schedules/:scheduleId/seats/ws?token=..&queueToken=..`.
 *
 * One engine subscription per schedule, however many sockets watch it: each committed delta is encoded
 * once and written to every socket, so fan-out costs one JSON.stringify plus one frame per socket,
 * written a slice of sockets per event-loop turn so that a large audience does not stall the server.
 * A socket first gets `seatmap.snapshot`, then `seatmap.delta` per committed change batch. The channel
 * subscribes before the snapshot is read and every socket drops deltas at or below the version it has
 * seen, so nothing is missed or sent twice (the in-memory snapshot may already include a batch whose
 * commit, and so whose delta, is still pending).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { BookingEngine, Unsubscribe } from '../domain/engine.js';
import type { SeatMapDelta } from '../domain/views.js';
import {
  encodeMessage, readTokens, upgradeRequired, WS_CLOSE, WS_CLOSE_CODES_MARKDOWN, wsRouteSchema,
  type WsClose, type WsConnections, type WsPeer,
} from './ws-connection.js';

interface Subscriber { peer: WsPeer; lastVersion: number }

interface EncodedDelta { version: number; payload: Buffer }

/**
 * Sockets written per event-loop turn. Writing one delta to 10,000 sockets takes a few hundred ms of
 * syscalls; in slices, commits and HTTP requests run in between instead of waiting for the whole fan-out.
 */
const FANOUT_SLICE_SOCKETS = 500;

/** One schedule's watchers, fed by one engine subscription, with deltas delivered in version order. */
class ScheduleChannel {
  readonly subscribers = new Set<Subscriber>();
  unsubscribe: Unsubscribe = () => undefined;
  private readonly queued: EncodedDelta[] = [];
  private draining = false;
  private closed = false;

  constructor(
    readonly scheduleId: string,
    private readonly engine: BookingEngine,
    private readonly now: () => number,
  ) {}

  /** Runs inside the engine's publish step: encodes once, never throws back into the engine. */
  publish(delta: SeatMapDelta): void {
    if (this.closed) return;
    const body = { type: 'seatmap.delta', scheduleId: this.scheduleId, version: delta.version, changes: delta.changes };
    this.queued.push({ version: delta.version, payload: encodeMessage(body, this.now()) });
    if (!this.draining) this.drain();
  }

  close(): void {
    this.closed = true;
    this.queued.length = 0;
    this.unsubscribe();
  }

  /**
   * Delivers every queued delta to the watchers present now, a slice of sockets per turn, then the
   * deltas queued meanwhile. Each watcher gets them in version order; one that joined meanwhile has
   * them in its snapshot already and skips them by version.
   */
  private drain(): void {
    const batch = this.queued.splice(0);
    if (batch.length === 0 || this.closed) {
      this.draining = false;
      return;
    }
    this.draining = true;
    const targets = [...this.subscribers];
    const sendSlice = (from: number): void => {
      if (this.closed) {
        this.draining = false;
        return;
      }
      const to = Math.min(targets.length, from + FANOUT_SLICE_SOCKETS);
      for (let i = from; i < to; i++) this.deliver(targets[i] as Subscriber, batch);
      if (to < targets.length) setImmediate(sendSlice, to);
      else if (this.queued.length > 0) setImmediate(() => this.drain());
      else this.draining = false;
    };
    sendSlice(0);
  }

  private deliver(subscriber: Subscriber, batch: EncodedDelta[]): void {
    try {
      for (const delta of batch) {
        if (subscriber.peer.isGone) return;
        if (delta.version <= subscriber.lastVersion) continue;
        if (delta.version !== subscriber.lastVersion + 1) {
          // A gap would leave the client's map wrong; a fresh snapshot puts it right again.
          this.sendSnapshot(subscriber);
          if (delta.version <= subscriber.lastVersion) continue;
        }
        if (!subscriber.peer.sendEncoded(delta.payload)) return;
        subscriber.lastVersion = delta.version;
      }
    } catch {
      // One broken socket must not stop the fan-out to the others.
      subscriber.peer.terminate();
    }
  }

  /** Sends the current map and moves the watcher's version to it; false when the schedule is unknown. */
  sendSnapshot(subscriber: Subscriber): boolean {
    const snapshot = this.engine.getSeatMap(this.scheduleId);
    if (!snapshot.ok && snapshot.error.code === 'SEAT_MAP_TOO_LARGE') {
      // A stadium: 2 bits a seat instead of an object a seat; deltas stay as they are (a batch is small).
      const compact = this.engine.getCompactSeatMap(this.scheduleId);
      if (!compact.ok) return false;
      const { version, seatCount, statusBase64, areas } = compact.value;
      if (subscriber.peer.send({ type: 'seatmap.snapshot', scheduleId: this.scheduleId, version, compact: { seatCount, statusBase64, areas } })) subscriber.lastVersion = version;
      return true;
    }
    if (!snapshot.ok) return false;
    const { version, seats } = snapshot.value;
    if (subscriber.peer.send({ type: 'seatmap.snapshot', scheduleId: this.scheduleId, version, seats })) subscriber.lastVersion = version;
    return true;
  }
}

export type JoinRefusal = 'SCHEDULE_NOT_FOUND' | 'SUBSCRIBER_LIMIT';

/** Seat-map subscribers grouped by schedule, each group fed by one engine subscription. */
export class SeatMapFanout {
  private readonly channels = new Map<string, ScheduleChannel>();

  constructor(
    private readonly engine: BookingEngine,
    private readonly maxSubscribersPerSchedule: number,
    private readonly now: () => number,
  ) {}

  /**
   * Adds the peer to the schedule's channel and sends it the snapshot; null when done, else why not.
   * The channel's subscription exists before the snapshot is read, so no committed change falls between.
   */
  join(scheduleId: string, peer: WsPeer): JoinRefusal | null {
    const existing = this.channels.get(scheduleId);
    if (existing !== undefined && existing.subscribers.size >= this.maxSubscribersPerSchedule) return 'SUBSCRIBER_LIMIT';
    const channel = existing ?? this.openChannel(scheduleId);
    if (channel === null) return 'SCHEDULE_NOT_FOUND';

    const subscriber: Subscriber = { peer, lastVersion: -1 };
    if (!channel.sendSnapshot(subscriber)) {
      this.closeChannelIfIdle(channel);
      return 'SCHEDULE_NOT_FOUND';
    }
    channel.subscribers.add(subscriber);
    peer.onGone(() => {
      channel.subscribers.delete(subscriber);
      this.closeChannelIfIdle(channel);
    });
    return null;
  }

  subscriberCount(scheduleId: string): number {
    return this.channels.get(scheduleId)?.subscribers.size ?? 0;
  }

  /** Drops every engine subscription (app shutdown). */
  closeAll(): void {
    for (const channel of this.channels.values()) channel.close();
    this.channels.clear();
  }

  private openChannel(scheduleId: string): ScheduleChannel | null {
    const channel = new ScheduleChannel(scheduleId, this.engine, this.now);
    const unsubscribe = this.engine.subscribeSeatMap(scheduleId, (delta) => channel.publish(delta));
    if (unsubscribe === null) return null;
    channel.unsubscribe = unsubscribe;
    this.channels.set(scheduleId, channel);
    return channel;
  }

  private closeChannelIfIdle(channel: ScheduleChannel): void {
    if (channel.subscribers.size > 0 || this.channels.get(channel.scheduleId) !== channel) return;
    this.channels.delete(channel.scheduleId);
    channel.close();
  }
}

interface SeatMapParams { scheduleId: string }

/** Registers the seat-map route on the (prefixed, websocket-enabled) plugin instance. */
export function registerSeatMapRoute(app: FastifyInstance, connections: WsConnections, fanout: SeatMapFanout): void {
  app.route<{ Params: SeatMapParams }>({
    method: 'GET',
    url: '/schedules/:scheduleId/seats/ws',
    schema: wsRouteSchema({
      tags: ['concerts'],
      summary: 'Live seat map (WebSocket): a snapshot, then one delta per committed change batch',
      description: 'Queue-gated like GET /v1/schedules/{scheduleId}/seats, with both tokens in the query string. '
        + 'Sends `{ type: "seatmap.snapshot", scheduleId, version, seats, serverTime }` first (for a venue over 500 seats '
        + '`compact: { seatCount, statusBase64, areas }` instead of `seats`, as GET /v1/schedules/{scheduleId}/venue/map), then '
        + '`{ type: "seatmap.delta", scheduleId, version, changes: [{ seatNumber, status }], serverTime }` for every '
        + 'committed change batch (holds, expiries, cancellations, payments); `version` rises by exactly 1, so a '
        + 'client that sees a gap reconnects for a fresh snapshot. The socket closes with 1000 QUEUE_TOKEN_ENDED when '
        + 'the fan\'s queue token ends (paid, admission expired, left). ' + WS_CLOSE_CODES_MARKDOWN,
      params: { type: 'object', properties: { scheduleId: { type: 'string' } }, required: ['scheduleId'] },
    }),
    handler: (_request, reply) => upgradeRequired(reply),
    wsHandler: (socket: WebSocket, request: FastifyRequest<{ Params: SeatMapParams }>) => {
      const peer = connections.accept(socket);
      if (peer.isGone) return;
      try {
        const admission = admitSeatMapPeer(app, request);
        if ('refusal' in admission) {
          peer.close(admission.refusal);
          return;
        }
        const joinRefusal = fanout.join(request.params.scheduleId, peer);
        if (joinRefusal !== null) {
          peer.close(WS_CLOSE[joinRefusal]);
          return;
        }
        // Queue-gated for as long as it is open: when the fan's turn ends (paid, admission expired,
        // left), so does the live seat map.
        const unwatch = app.engine.watchQueueTokenEnd(admission.queueToken, () => peer.close(WS_CLOSE.QUEUE_TOKEN_ENDED));
        if (unwatch === null) peer.close(WS_CLOSE.QUEUE_TOKEN_INVALID);
        else peer.onGone(unwatch);
      } catch (error) {
        request.log.error({ err: error, scheduleId: request.params.scheduleId }, 'seat-map websocket setup failed');
        peer.close(WS_CLOSE.INTERNAL_ERROR);
      }
    },
  });
}

/** The same checks, in the same order, as the REST seat-map route: user, queue token (the schedule is the fan-out's). */
function admitSeatMapPeer(app: FastifyInstance, request: FastifyRequest<{ Params: SeatMapParams }>): { refusal: WsClose } | { queueToken: string } {
  const { userToken, queueToken } = readTokens(request.query);
  const userId = userToken === undefined ? null : app.verifyUserToken(userToken);
  if (userId === null) return { refusal: WS_CLOSE.UNAUTHENTICATED };
  if (queueToken === undefined) return { refusal: WS_CLOSE.QUEUE_TOKEN_INVALID };
  const access = app.engine.checkQueueAccess(userId, queueToken, request.params.scheduleId);
  if (!access.ok) {
    const code = access.error.code;
    return { refusal: code === 'QUEUE_NOT_ACTIVE' ? WS_CLOSE.QUEUE_NOT_ACTIVE : code === 'QUEUE_WRONG_ROOM' ? WS_CLOSE.QUEUE_WRONG_ROOM : WS_CLOSE.QUEUE_TOKEN_INVALID };
  }
  return { queueToken };
}
