/**
 * Queue gating: schedules, seats, reservations and payments are served only to a caller whose
 * X-Queue-Token is theirs and ACTIVE. Runs after app.authenticate (it needs request.userId).
 *
 * Reads are gated here. The queue-gated commands (hold, pay) only need the header here: the engine checks
 * the token itself, after the Idempotency-Key lookup, so a keyed retry is answered from its stored outcome
 * whatever the token's state is now (a payment ends the token it was made with).
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { fail, ok, type Result } from '../domain/error-codes.js';
import { ApiError, raise } from './errors.js';
import { QUEUE_TOKEN_HEADER } from './schemas.js';

const MAX_QUEUE_TOKEN_LENGTH = 256;

/** The X-Queue-Token header when it is sent once and of a sane length. */
function tokenHeader(request: FastifyRequest): string | undefined {
  const token = request.headers[QUEUE_TOKEN_HEADER];
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_QUEUE_TOKEN_LENGTH ? token : undefined;
}

/**
 * Whether the caller's X-Queue-Token is theirs and ACTIVE (and, on a schedule's route, of the line selling
 * that schedule); a missing or repeated header is QUEUE_TOKEN_INVALID.
 */
export function queueAccess(request: FastifyRequest): Result<null> {
  const token = tokenHeader(request);
  if (token === undefined) return fail('QUEUE_TOKEN_INVALID');
  const scheduleId = (request.params as { scheduleId?: unknown } | undefined)?.scheduleId;
  return request.server.engine.checkQueueAccess(request.userId, token, typeof scheduleId === 'string' ? scheduleId : undefined);
}

/** The X-Queue-Token of the request; missing or repeated is 401 QUEUE_TOKEN_INVALID. */
export function queueTokenOf(request: FastifyRequest): string {
  const token = tokenHeader(request);
  if (token === undefined) raise('QUEUE_TOKEN_INVALID');
  return token;
}

/** The X-Queue-Token of the request, or null when missing or repeated (for the engine to judge: see pay). */
export function queueTokenIfSent(request: FastifyRequest): string | null {
  return tokenHeader(request) ?? null;
}

/**
 * onRequest hook for gated reads: 401 QUEUE_TOKEN_INVALID (missing, unknown, expired, another user's) or
 * 403 QUEUE_NOT_ACTIVE (waiting). Callback style: it runs on every gated read, and an async hook costs a
 * promise each time.
 */
export function requireActiveQueueToken(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const access = queueAccess(request);
  if (access.ok) done();
  else done(new ApiError(access.error));
}

/**
 * onRequest hook for the gated commands: 401 QUEUE_TOKEN_INVALID when the header is missing or repeated
 * (before the body is read, as for reads). The token's state is the engine's to check: hand it
 * `queueTokenOf(request)` with the command.
 */
export function requireQueueTokenHeader(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const present: Result<null> = tokenHeader(request) === undefined ? fail('QUEUE_TOKEN_INVALID') : ok(null);
  if (present.ok) done();
  else done(new ApiError(present.error));
}
