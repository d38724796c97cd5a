/**
 * The waiting room: take a place in line (or get your existing one back), poll it, leave it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { raise, unwrap } from './errors.js';
import { queueTokenOf } from './queue-gate.js';
import { ALWAYS, OpaqueId, QueueStatus, QueueTokenHeaders, USER_SECURITY, errorResponses } from './schemas.js';

const JoinBody = Type.Object({
  roomId: Type.Optional({ ...OpaqueId, description: 'A sale\'s waiting room (the link of the sale)' }),
  scheduleId: Type.Optional({ ...OpaqueId, description: 'The room selling this schedule (the default line if it is in none)' }),
}, { additionalProperties: false, description: 'At most one of roomId and scheduleId; neither (or no body): the default line' });

const POSITION_HEADER = 'X-Queue-Position';
const QueueStatusWithPosition = Type.Object(QueueStatus.properties, {
  headers: { [POSITION_HEADER]: { type: 'integer', description: 'Same as `position`' } },
});

/** Per user (the limit protects the line from one client hammering it); IP only if no user is known. */
function userOrIp(request: FastifyRequest): string {
  return request.userId === '' ? `ip:${request.ip}` : `user:${request.userId}`;
}

const queueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/queue/tokens', {
    onRequest: [app.authenticate],
    // A join without a body (the contract's original call) is a join of the default line.
    preValidation: (request, _reply, done) => {
      request.body ??= {};
      done();
    },
    config: {
      // The limiter's hook is appended after authenticate, so request.userId is known when it keys.
      rateLimit: { max: app.config.rateLimit.tokenIssuePerMinute, timeWindow: 60_000, keyGenerator: userOrIp },
    },
    schema: {
      tags: ['queue'],
      summary: 'Take a place in the waiting room (201), or get your existing live token back (200): a sale\'s room by `roomId` or `scheduleId`, else the default line',
      security: USER_SECURITY,
      body: JoinBody,
      response: {
        201: { ...QueueStatusWithPosition, description: 'A new token' },
        200: { ...QueueStatusWithPosition, description: 'Your existing live token, same place in line' },
        ...errorResponses(400, 401, 404, 429, ...ALWAYS),
      },
    },
  }, async (request, reply) => {
    const { roomId, scheduleId } = request.body ?? {};
    if (roomId !== undefined && scheduleId !== undefined) raise('VALIDATION_ERROR', { field: 'roomId', problem: 'name a room or a schedule, not both' });
    const target = roomId !== undefined ? { roomId } : scheduleId !== undefined ? { scheduleId } : undefined;
    const issued = unwrap(await app.engine.issueQueueToken(request.userId, target));
    reply.code(issued.created ? 201 : 200).header(POSITION_HEADER, String(issued.status.position));
    return issued.status;
  });

  app.get('/queue/status', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['queue'],
      summary: 'Your place in line (polling also keeps a waiting token from being dropped as idle)',
      security: [{ bearerAuth: [], queueToken: [] }],
      headers: QueueTokenHeaders,
      response: { 200: QueueStatusWithPosition, ...errorResponses(401, ...ALWAYS) },
    },
  }, (request, reply) => {
    // Not async: polled by every fan in line, and an async handler costs a promise per request.
    const status = unwrap(app.engine.queueStatus(request.userId, queueTokenOf(request)));
    reply.header(POSITION_HEADER, String(status.position)).send(status);
  });

  app.delete('/queue/tokens/current', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['queue'],
      summary: 'Leave the waiting room (or give up your active admission)',
      security: [{ bearerAuth: [], queueToken: [] }],
      headers: QueueTokenHeaders,
      response: { 204: Type.Null({ description: 'Left the line' }), ...errorResponses(401, ...ALWAYS) },
    },
  }, async (request, reply) => {
    unwrap(await app.engine.leaveQueue(request.userId, queueTokenOf(request)));
    // 204 carries no body whatever is passed; null satisfies the Null response schema.
    return reply.code(204).send(null);
  });
};

export default queueRoutes;
