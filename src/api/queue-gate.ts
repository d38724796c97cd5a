/**
 * Queue gating: schedules, seats, reservations and payments are served only to a caller whose
 * X-Queue-Token is theirs and ACTIVE. Runs after app.authenticate (it needs request.userId).
 */
import type { FastifyRequest } from 'fastify';
import { raise, unwrap } from './errors.js';
import { QUEUE_TOKEN_HEADER } from './schemas.js';

/** The X-Queue-Token of the request; missing or repeated is 401 QUEUE_TOKEN_INVALID. */
export function queueTokenOf(request: FastifyRequest): string {
  const token = request.headers[QUEUE_TOKEN_HEADER];
  if (typeof token !== 'string' || token.length === 0 || token.length > 256) raise('QUEUE_TOKEN_INVALID');
  return token;
}

/** Hook: 401 QUEUE_TOKEN_INVALID (missing, unknown, expired, another user's) or 403 QUEUE_NOT_ACTIVE (waiting). */
export async function requireActiveQueueToken(request: FastifyRequest): Promise<void> {
  unwrap(request.server.engine.checkQueueAccess(request.userId, queueTokenOf(request)));
}
