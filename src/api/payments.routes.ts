/**
 * Payments: pay a held reservation from the balance (queue-gated, idempotent) and read a payment.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unwrap } from './errors.js';
import { idempotencyOf, unwrapOutcome } from './idempotency.js';
import { queueTokenIfSent } from './queue-gate.js';
import {
  ALWAYS, IdempotentQueueGatedHeaders, OpaqueId, Payment, QUEUE_GATED_SECURITY, USER_SECURITY, errorResponses,
} from './schemas.js';

const PayBody = Type.Object({ reservationId: OpaqueId }, { additionalProperties: false });

const paymentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/payments', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['payments'],
      summary: 'Pay a held reservation: debit, seats RESERVED, reservation CONFIRMED, queue token ended',
      description: 'Needs the ACTIVE queue token, except for a waitlist offer (a reservation with `waitlistOffer`), which is paid without one.',
      security: QUEUE_GATED_SECURITY,
      headers: IdempotentQueueGatedHeaders,
      body: PayBody,
      response: { 201: Payment, ...errorResponses(400, 401, 402, 403, 404, 409, 410, 422, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const idempotency = idempotencyOf(request);
    // The engine checks the queue token after the key's lookup: a retry of a payment (which ended its
    // token) replays its stored answer; a new payment needs the token ACTIVE, or none for a waitlist offer.
    const outcome = await app.engine.pay({
      userId: request.userId,
      reservationId: request.body.reservationId,
      queueToken: queueTokenIfSent(request),
      ...(idempotency === undefined ? {} : { idempotency }),
    });
    const payment = unwrapOutcome(reply, outcome);
    reply.code(201);
    return payment;
  });

  app.get('/payments/:paymentId', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['payments'],
      summary: 'One of your payments',
      security: USER_SECURITY,
      params: Type.Object({ paymentId: OpaqueId }),
      response: { 200: Payment, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getPayment(request.userId, request.params.paymentId)));
};

export default paymentRoutes;
