/**
 * Live seat maps: `GET /v1/schedules/:scheduleId/seats/ws?token=..&queueToken=..`.
 *
 * One engine subscription per schedule, however many sockets watch it: each committed delta is encoded
 * once and written to every socket, so fan-out costs one JSON.stringify plus one frame per socket.
 * A socket first gets `seatmap.snapshot`, then `seatmap.delta` per committed change batch. The channel
 * subscribes before the snapshot is read and every socket drops deltas at or below the version it has
 * seen, so nothing is missed or sent twice (the in-memory snapshot may already include a batch whose
 * commit, and so whose delta, is still pending).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { BookingEngine, Unsubscribe } from '../domain/engine.js';
import type { SeatMapDelta } from '../domain/views.js';
import { encodeMessage, readTokens, WS_CLOSE, type WsClose, type WsConnections, type WsPeer } from './ws-connection.js';

interface Subscriber { peer: WsPeer; lastVersion: number }

interface ScheduleChannel {
  scheduleId: string;
  unsubscribe: Unsubscribe;
  subscribers: Set<Subscriber>;
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

  /** Adds the peer to the schedule's channel and sends it the snapshot; null when done, else why not. */
  join(scheduleId: string, peer: WsPeer): JoinRefusal | null {
    const existing = this.channels.get(scheduleId);
    if (existing !== undefined && existing.subscribers.size >= this.maxSubscribersPerSchedule) return 'SUBSCRIBER_LIMIT';
    const channel = existing ?? this.openChannel(scheduleId);
    if (channel === null) return 'SCHEDULE_NOT_FOUND';

    const snapshot = this.engine.getSeatMap(scheduleId);
    if (!snapshot.ok) {
      this.closeChannelIfIdle(channel);
      return 'SCHEDULE_NOT_FOUND';
    }
    const subscriber: Subscriber = { peer, lastVersion: snapshot.value.version };
    channel.subscribers.add(subscriber);
    peer.onGone(() => {
      channel.subscribers.delete(subscriber);
      this.closeChannelIfIdle(channel);
    });
    peer.send({ type: 'seatmap.snapshot', scheduleId, version: snapshot.value.version, seats: snapshot.value.seats });
    return null;
  }

  subscriberCount(scheduleId: string): number {
    return this.channels.get(scheduleId)?.subscribers.size ?? 0;
  }

  /** Drops every engine subscription (app shutdown). */
  closeAll(): void {
    for (const channel of this.channels.values()) channel.unsubscribe();
    this.channels.clear();
  }

  private openChannel(scheduleId: string): ScheduleChannel | null {
    const subscribers = new Set<Subscriber>();
    const unsubscribe = this.engine.subscribeSeatMap(scheduleId, (delta) => this.publish(scheduleId, subscribers, delta));
    if (unsubscribe === null) return null;
    const channel: ScheduleChannel = { scheduleId, unsubscribe, subscribers };
    this.channels.set(scheduleId, channel);
    return channel;
  }

  private closeChannelIfIdle(channel: ScheduleChannel): void {
    if (channel.subscribers.size > 0 || this.channels.get(channel.scheduleId) !== channel) return;
    this.channels.delete(channel.scheduleId);
    channel.unsubscribe();
  }

  /** Runs inside the engine's publish step: must never throw back into it. */
  private publish(scheduleId: string, subscribers: Set<Subscriber>, delta: SeatMapDelta): void {
    let encoded: Buffer | undefined;
    for (const subscriber of [...subscribers]) {
      if (delta.version <= subscriber.lastVersion) continue;
      if (delta.version !== subscriber.lastVersion + 1) {
        // A gap would leave the client's map wrong; a fresh snapshot puts it right again.
        this.resync(scheduleId, subscriber);
        if (delta.version <= subscriber.lastVersion) continue;
      }
      encoded ??= encodeMessage({ type: 'seatmap.delta', scheduleId, version: delta.version, changes: delta.changes }, this.now());
      if (subscriber.peer.sendEncoded(encoded)) subscriber.lastVersion = delta.version;
    }
  }

  private resync(scheduleId: string, subscriber: Subscriber): void {
    const snapshot = this.engine.getSeatMap(scheduleId);
    if (!snapshot.ok) return;
    if (subscriber.peer.send({ type: 'seatmap.snapshot', scheduleId, version: snapshot.value.version, seats: snapshot.value.seats })) {
      subscriber.lastVersion = snapshot.value.version;
    }
  }
}

interface SeatMapParams { scheduleId: string }

/** Registers the seat-map route on the (prefixed, websocket-enabled) plugin instance. */
export function registerSeatMapRoute(app: FastifyInstance, connections: WsConnections, fanout: SeatMapFanout): void {
  app.get<{ Params: SeatMapParams }>('/schedules/:scheduleId/seats/ws', { websocket: true }, (socket: WebSocket, request: FastifyRequest<{ Params: SeatMapParams }>) => {
    const peer = connections.accept(socket);
    if (peer.isGone) return;
    try {
      const refusal = admitSeatMapPeer(app, request);
      if (refusal !== null) {
        peer.close(refusal);
        return;
      }
      const joinRefusal = fanout.join(request.params.scheduleId, peer);
      if (joinRefusal !== null) peer.close(WS_CLOSE[joinRefusal]);
    } catch (error) {
      request.log.error({ err: error, scheduleId: request.params.scheduleId }, 'seat-map websocket setup failed');
      peer.close(WS_CLOSE.INTERNAL_ERROR);
    }
  });
}

/** The same checks, in the same order, as the REST seat-map route: user, queue token, schedule. */
function admitSeatMapPeer(app: FastifyInstance, request: FastifyRequest<{ Params: SeatMapParams }>): WsClose | null {
  const { userToken, queueToken } = readTokens(request.query);
  const userId = userToken === undefined ? null : app.verifyUserToken(userToken);
  if (userId === null) return WS_CLOSE.UNAUTHENTICATED;
  if (queueToken === undefined) return WS_CLOSE.QUEUE_TOKEN_INVALID;
  const access = app.engine.checkQueueAccess(userId, queueToken);
  if (!access.ok) return access.error.code === 'QUEUE_NOT_ACTIVE' ? WS_CLOSE.QUEUE_NOT_ACTIVE : WS_CLOSE.QUEUE_TOKEN_INVALID;
  return null;
}
