/**
 * The WebSocket face of the engine, registered by app.ts under the `/v1` prefix:
 * - `GET /v1/schedules/:scheduleId/seats/ws` live seat map (src/api/ws-seatmap.ts)
 * - `GET /v1/queue/ws` live place in the waiting room (src/api/ws-queue.ts)
 * - `GET /v1/waitlist/ws` live waitlist offers to the fan (src/api/ws-waitlist.ts)
 * Both are driven by engine subscriptions, never by polling. Close codes: src/api/ws-connection.ts.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyPluginOptions } from 'fastify';
import fp from 'fastify-plugin';
import { WsConnections } from './ws-connection.js';
import { registerQueueRoute } from './ws-queue.js';
import { registerSeatMapRoute, SeatMapFanout } from './ws-seatmap.js';
import { registerWaitlistRoute } from './ws-waitlist.js';

/** Clients only listen; a few KiB is plenty for anything they might send and caps what they can make us parse. */
const MAX_INBOUND_PAYLOAD_BYTES = 4_096;

/**
 * Not encapsulated (fastify-plugin) so that @fastify/websocket decorates the app itself: `app.injectWS`
 * for tests and `app.websocketServer`. The routes still live in their own scope under the prefix app.ts
 * registers this plugin with (fastify-plugin does not apply it, so it is applied here).
 */
async function wsPlugin(app: FastifyInstance, options: FastifyPluginOptions): Promise<void> {
  const prefix = typeof options['prefix'] === 'string' ? options['prefix'] : '/v1';
  const { heartbeatMs, maxBufferedBytes, maxSubscribersPerSchedule } = app.config.ws;
  const now = (): number => app.engine.now();
  const connections = new WsConnections({ heartbeatMs, maxBufferedBytes, now, log: app.log });
  const seatMaps = new SeatMapFanout(app.engine, maxSubscribersPerSchedule, now);

  await app.register(websocket, {
    options: { maxPayload: MAX_INBOUND_PAYLOAD_BYTES },
    // Replaces the plugin's default (close without a code): unsubscribe first, then 1001 to every peer.
    preClose: async function closeSockets(this: FastifyInstance) {
      seatMaps.closeAll();
      await connections.shutdown(this.websocketServer.clients);
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
    errorHandler(error, socket, request) {
      // Socket-level faults (resets, bad frames) are the client's or the network's, not ours.
      request.log.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'websocket error');
      socket.terminate();
    },
  });

  await app.register(async (routes) => {
    registerSeatMapRoute(routes, connections, seatMaps);
    registerQueueRoute(routes, connections);
    registerWaitlistRoute(routes, connections);
  }, { prefix });
}

export default fp(wsPlugin, { name: 'ws-routes', fastify: '5.x', dependencies: ['identity'] });
