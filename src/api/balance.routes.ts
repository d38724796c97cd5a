/**
 * The caller's wallet under /users/{userId}: `me` names the caller; anyone else's path is 403 FORBIDDEN.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { raise } from './errors.js';
import { idempotencyOf, unwrapOutcome } from './idempotency.js';
import {
  ALWAYS, Balance, BalanceHistory, Charge, IdempotentHeaders, USER_SECURITY, UserId, errorResponses,
} from './schemas.js';

const UserParams = Type.Object({ userId: Type.String({ ...UserId, description: 'Your userId, or `me`' }) });
// Any number reaches the engine so that a zero, negative, fractional or too large amount gets the
// contract's INVALID_AMOUNT rather than a generic VALIDATION_ERROR; only a non-number is malformed.
const ChargeBody = Type.Object(
  { amount: Type.Number({ description: 'Integer won, 1..CHARGE_MAX' }) },
  { additionalProperties: false },
);

/** The caller's own userId; 403 FORBIDDEN for another user's path. */
function ownUserId(request: FastifyRequest, pathUserId: string): string {
  if (pathUserId !== 'me' && pathUserId !== request.userId) raise('FORBIDDEN');
  return request.userId;
}

const balanceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/users/:userId/balance', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['balance'],
      summary: 'Your balance',
      security: USER_SECURITY,
      params: UserParams,
      response: { 200: Balance, ...errorResponses(400, 401, 403, ...ALWAYS) },
    },
  }, async (request) => app.engine.getBalance(ownUserId(request, request.params.userId)));

  app.post('/users/:userId/balance/charge', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['balance'],
      summary: 'Add money to your balance',
      security: USER_SECURITY,
      params: UserParams,
      headers: IdempotentHeaders,
      body: ChargeBody,
      response: { 200: Charge, ...errorResponses(400, 401, 403, 409, 422, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const userId = ownUserId(request, request.params.userId);
    const idempotency = idempotencyOf(request);
    const outcome = await app.engine.charge({
      userId, amount: request.body.amount, ...(idempotency === undefined ? {} : { idempotency }),
    });
    return unwrapOutcome(reply, outcome);
  });

  app.get('/users/:userId/balance/history', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['balance'],
      summary: 'Your ledger: charges, payments and refunds, newest first',
      security: USER_SECURITY,
      params: UserParams,
      response: { 200: BalanceHistory, ...errorResponses(400, 401, 403, ...ALWAYS) },
    },
  }, async (request) => app.engine.balanceHistory(ownUserId(request, request.params.userId)));
};

export default balanceRoutes;
