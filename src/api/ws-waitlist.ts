/**
 * Live waitlist offers: `GET /v1/waitlist/ws?token=..` (the user token only: a fan on a waitlist may hold
 * no queue token). On connect the socket gets `{ type: 'waitlist.status', entries, offers, serverTime }`
 * (as `GET /v1/users/me/waitlist`); then each offer made to the fan, after its commit, as
 * `{ type: 'waitlist.offer', reservation, serverTime }`. An offer is a hold in the fan's name: the page
 * shows it with its deadline and pays it without a queue token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type WebSocket from 'ws';
import { upgradeRequired, WS_CLOSE, WS_CLOSE_CODES_MARKDOWN, readTokens, wsRouteSchema, type WsConnections, type WsPeer } from './ws-connection.js';

export function registerWaitlistRoute(app: FastifyInstance, connections: WsConnections): void {
  app.route({
    method: 'GET',
    url: '/waitlist/ws',
    schema: wsRouteSchema({
      tags: ['waitlist'],
      summary: 'Live waitlist offers (WebSocket): your lists and open offers at once, then each new offer',
      description: 'Pushes `{ type: "waitlist.status", entries, offers, serverTime }` on connect (as GET /v1/users/me/waitlist), '
        + 'then `{ type: "waitlist.offer", reservation, serverTime }` for each offer made to you, once it is committed. '
        + 'Only the user token is needed. ' + WS_CLOSE_CODES_MARKDOWN,
    }),
    handler: (_request, reply) => upgradeRequired(reply),
    wsHandler: (socket: WebSocket, request: FastifyRequest) => {
      const peer = connections.accept(socket);
      if (peer.isGone) return;
      try {
        watchOffers(app, request, peer);
      } catch (error) {
        request.log.error({ err: error }, 'waitlist websocket setup failed');
        peer.close(WS_CLOSE.INTERNAL_ERROR);
      }
    },
  });
}

function watchOffers(app: FastifyInstance, request: FastifyRequest, peer: WsPeer): void {
  const { userToken } = readTokens(request.query);
  const userId = userToken === undefined ? null : app.verifyUserToken(userToken);
  if (userId === null) {
    peer.close(WS_CLOSE.UNAUTHENTICATED);
    return;
  }
  // Subscribed before the status is read: an offer committed in between is pushed, never missed.
  const unsubscribe = app.engine.subscribeWaitlistOffers(userId, (reservation) => peer.send({ type: 'waitlist.offer', reservation }));
  peer.onGone(unsubscribe);
  peer.send({ type: 'waitlist.status', ...app.engine.getWaitlist(userId) });
}
