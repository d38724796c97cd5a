/**
 * Queue gating: schedules, seats, reservations and payments are served only to a caller whose
 * X-Queue-Token is theirs and ACTIVE. Runs after app.authenticate (it needs request.userId).
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { fail, type Result } from '../domain/error-codes.js';
import { ApiError, raise, unwrap } from './errors.js';
import { IDEMPOTENCY_KEY_HEADER, QUEUE_TOKEN_HEADER } from './schemas.js';

const MAX_QUEUE_TOKEN_LENGTH = 256;

/** The X-Queue-Token header when it is sent once and of a sane length. */
function tokenHeader(request: FastifyRequest): string | undefined {
  const token = request.headers[QUEUE_TOKEN_HEADER];
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_QUEUE_TOKEN_LENGTH ? token : undefined;
}

/** Whether the caller's X-Queue-Token is theirs and ACTIVE; a missing or repeated header is QUEUE_TOKEN_INVALID. */
export function queueAccess(request: FastifyRequest): Result<null> {
  const token = tokenHeader(request);
  return token === undefined ? fail('QUEUE_TOKEN_INVALID') : request.server.engine.checkQueueAccess(request.userId, token);
}

/** The X-Queue-Token of the request; missing or repeated is 401 QUEUE_TOKEN_INVALID. */
export function queueTokenOf(request: FastifyRequest): string {
  const token = tokenHeader(request);
  if (token === undefined) raise('QUEUE_TOKEN_INVALID');
  return token;
}

/**
 * onRequest hook: 401 QUEUE_TOKEN_INVALID (missing, unknown, expired, another user's) or 403 QUEUE_NOT_ACTIVE
 * (waiting). Callback style: it runs on every gated read, and an async hook costs a promise each time.
 */
export function requireActiveQueueToken(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const access = queueAccess(request);
  if (access.ok) done();
  else done(new ApiError(access.error));
}

const deferredRefusals = new WeakMap<FastifyRequest, Result<null>>();

/**
 * Hook for POST /payments. A completed payment ends the payer's queue token, so a client retrying a
 * payment whose answer it lost would be refused by the gate and could never see the stored answer
 * the contract promises for its Idempotency-Key. When the token is no longer valid and a key is sent,
 * the refusal is kept and decided in the handler: see `settleDeferredGate`.
 */
export async function requireActiveQueueTokenUnlessRetry(request: FastifyRequest): Promise<void> {
  const access = queueAccess(request);
  if (access.ok) return;
  if (access.error.code === 'QUEUE_TOKEN_INVALID' && request.headers[IDEMPOTENCY_KEY_HEADER] !== undefined) {
    deferredRefusals.set(request, access);
    return;
  }
  unwrap(access);
}

/**
 * Applies a refusal deferred by `requireActiveQueueTokenUnlessRetry` unless `isHarmless` (for payments:
 * the reservation is already CONFIRMED, so the engine can only replay the stored answer or refuse with
 * ALREADY_PAID; nothing can change without an ACTIVE token).
 */
export function settleDeferredGate(request: FastifyRequest, isHarmless: () => boolean): void {
  const refusal = deferredRefusals.get(request);
  if (refusal === undefined) return;
  deferredRefusals.delete(request);
  if (!isHarmless()) unwrap(refusal);
}
