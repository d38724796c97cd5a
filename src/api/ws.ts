/**
 * The WebSocket face of the engine, registered by app.ts under the `/v1` prefix:
 * - `GET /v1/schedules/:scheduleId/seats/ws` live seat map (src/api/ws-seatmap.ts)
 * - `GET /v1/queue/ws` live place in the waiting room (src/api/ws-queue.ts)
 * Both are driven by engine subscriptions, never by polling. Close codes: src/api/ws-connection.ts.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import { WsConnections } from './ws-connection.js';
import { registerQueueRoute } from './ws-queue.js';
import { registerSeatMapRoute, SeatMapFanout } from './ws-seatmap.js';

/** Clients only listen; a few KiB is plenty for anything they might send and caps what they can make us parse. */
const MAX_INBOUND_PAYLOAD_BYTES = 4_096;

export default async function wsRoutes(app: FastifyInstance): Promise<void> {
  const { heartbeatMs, maxBufferedBytes, maxSubscribersPerSchedule } = app.config.ws;
  const now = (): number => app.engine.now();
  const connections = new WsConnections({ heartbeatMs, maxBufferedBytes, now, log: app.log });
  const seatMaps = new SeatMapFanout(app.engine, maxSubscribersPerSchedule, now);

  await app.register(websocket, {
    options: { maxPayload: MAX_INBOUND_PAYLOAD_BYTES },
    // Replaces the plugin's default (close without a code): unsubscribe first, then 1001 to every peer.
    preClose: async function closeSockets(this: FastifyInstance) {
      seatMaps.closeAll();
      await connections.shutdown();
      await new Promise<void>((resolve) => this.websocketServer.close(() => resolve()));
    },
    errorHandler(error, socket, request) {
      // Socket-level faults (resets, bad frames) are the client's or the network's, not ours.
      request.log.warn({ err: { message: error.message, code: (error as NodeJS.ErrnoException).code } }, 'websocket error');
      socket.terminate();
    },
  });

  registerSeatMapRoute(app, connections, seatMaps);
  registerQueueRoute(app, connections);
}
