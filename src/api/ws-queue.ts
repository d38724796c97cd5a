/**
 * Live place in line: `GET /v1/queue/ws?token=..&queueToken=..`.
 *
 * On connect the socket gets the token's `queue.status` at once; after that, whatever the engine's
 * queue subscription delivers: status changes (admission to ACTIVE) at once, position moves at most once
 * per queue tick (1 s) per token, so a long line costs one message per socket per second at most, not
 * one per admission. While the socket is open the token counts as present and is never idle-dropped.
 * When the token ends (paid, ACTIVE time over, left, idle-dropped) the socket gets a last message
 * `{ type: 'queue.ended', token, reason: 'PAID'|'ACTIVE_EXPIRED'|'LEFT'|'IDLE_DROPPED', serverTime }` and is
 * closed with 1000 QUEUE_TOKEN_ENDED.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import type { QueueStatusView } from '../domain/views.js';
import { readTokens, upgradeRequired, WS_CLOSE, WS_CLOSE_CODES_MARKDOWN, wsRouteSchema, type WsConnections, type WsPeer } from './ws-connection.js';

export function registerQueueRoute(app: FastifyInstance, connections: WsConnections): void {
  app.route({
    method: 'GET',
    url: '/queue/ws',
    schema: wsRouteSchema({
      tags: ['queue'],
      summary: 'Live place in line (WebSocket): queue.status at once, then on every change',
      description: 'Pushes `{ type: "queue.status", ...status body, serverTime }` on connect, at once when the status '
        + 'changes (admission to ACTIVE), and when the position moves, at most once per queue tick (1 s). An open '
        + 'socket counts as presence: a waiting token is not dropped as idle while connected. When the token ends the '
        + 'last message is `{ type: "queue.ended", token, reason: "PAID"|"ACTIVE_EXPIRED"|"LEFT"|"IDLE_DROPPED", '
        + 'serverTime }`, then close 1000. ' + WS_CLOSE_CODES_MARKDOWN,
    }),
    handler: (_request, reply) => upgradeRequired(reply),
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const peer = connections.accept(socket);
      if (peer.isGone) return;
      try {
        watchQueueToken(app, request, peer);
      } catch (error) {
        request.log.error({ err: error }, 'queue websocket setup failed');
        peer.close(WS_CLOSE.INTERNAL_ERROR);
      }
    },
  });
}

function watchQueueToken(app: FastifyInstance, request: FastifyRequest, peer: WsPeer): void {
  const { userToken, queueToken } = readTokens(request.query);
  const userId = userToken === undefined ? null : app.verifyUserToken(userToken);
  if (userId === null) {
    peer.close(WS_CLOSE.UNAUTHENTICATED);
    return;
  }
  if (queueToken === undefined) {
    peer.close(WS_CLOSE.QUEUE_TOKEN_INVALID);
    return;
  }
  // Ownership is checked here: the subscription itself only knows the token.
  const initial = app.engine.queueStatus(userId, queueToken);
  if (!initial.ok) {
    peer.close(WS_CLOSE.QUEUE_TOKEN_INVALID);
    return;
  }

  const pusher = new QueueStatusPusher(peer);
  const unsubscribe = app.engine.subscribeQueue(
    queueToken,
    (status) => pusher.push(status),
    (reason) => {
      peer.send({ type: 'queue.ended', token: queueToken, reason });
      peer.close(WS_CLOSE.QUEUE_TOKEN_ENDED);
    },
  );
  if (unsubscribe === null) {
    peer.close(WS_CLOSE.QUEUE_TOKEN_INVALID);
    return;
  }
  peer.onGone(unsubscribe);
  pusher.push(initial.value);
}

/** Sends each status once: an unchanged status (same position, status, ETA) is not sent again. */
class QueueStatusPusher {
  private lastSent: string | undefined;

  constructor(private readonly peer: WsPeer) {}

  push(status: QueueStatusView): void {
    const key = JSON.stringify(status);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.peer.send({ type: 'queue.status', ...status });
  }
}
