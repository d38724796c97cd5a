/**
 * Seat holds: create (queue-gated, idempotent), read, list, cancel; and the refund of a paid booking (all
 * or some of its seats; idempotent, not queue-gated). Another user's reservation is RESERVATION_NOT_FOUND,
 * never FORBIDDEN, so existence does not leak.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unwrap } from './errors.js';
import { idempotencyOf, unwrapOutcome } from './idempotency.js';
import { queueTokenOf, requireQueueTokenHeader } from './queue-gate.js';
import {
  ALWAYS, IdempotentHeaders, IdempotentQueueGatedHeaders, OpaqueId, OptionalBody, QUEUE_GATED_SECURITY, SeatLabel, Refund, Reservation, ReservationList,
  ReservationStatus, USER_SECURITY, errorResponses,
} from './schemas.js';

const ReservationParams = Type.Object({ reservationId: OpaqueId });

const reservationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // More seats than allowed is a malformed request (VALIDATION_ERROR); out-of-range or repeated seat
  // numbers are the engine's INVALID_SEAT, because only it knows the seat map.
  const maxSeats = app.config.limits.maxSeatsPerReservation;
  const HoldBody = Type.Object({
    scheduleId: OpaqueId,
    seatNumbers: Type.Optional(Type.Array(Type.Integer(), { minItems: 1, maxItems: maxSeats, description: 'The seats, by number (any schedule). Name the seats exactly one way: seatNumbers, seatLabels, bestAvailable or generalAdmission' })),
    seatLabels: Type.Optional(Type.Array(SeatLabel, { minItems: 1, maxItems: maxSeats, description: 'The seats, by label (a schedule created from a venue layout)' })),
    bestAvailable: Type.Optional(Type.Object({
      quantity: Type.Integer({ minimum: 1, maximum: maxSeats }),
      maxPriceWon: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'The most a seat may cost' })),
      categoryId: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Only this category' })),
      need: Type.Optional(Type.Literal('WHEELCHAIR', { description: 'The block holds a wheelchair place (and may hold companion seats)' })),
      avoidRestrictedView: Type.Optional(Type.Boolean()),
    }, { additionalProperties: false, description: 'N adjacent seats in one row, in the best category allowed, never leaving a single empty seat beside them' })),
    generalAdmission: Type.Optional(Type.Object({
      areaId: Type.String({ minLength: 1, maxLength: 16 }),
      quantity: Type.Integer({ minimum: 1, maximum: maxSeats }),
    }, { additionalProperties: false, description: 'N places of a standing area' })),
    presaleCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Needed while the schedule is in its presale (presaleOpensAt..bookingOpensAt); ignored after' })),
  }, { additionalProperties: false });

  app.post('/reservations', {
    onRequest: [app.authenticate, requireQueueTokenHeader],
    schema: {
      tags: ['reservations'],
      summary: 'Hold seats (all or none) until holdExpiresAt',
      security: QUEUE_GATED_SECURITY,
      headers: IdempotentQueueGatedHeaders,
      body: HoldBody,
      response: { 201: Reservation, ...errorResponses(400, 401, 403, 404, 409, 422, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const idempotency = idempotencyOf(request);
    const { scheduleId, seatNumbers, seatLabels, bestAvailable, generalAdmission, presaleCode } = request.body;
    // The engine checks the queue token after the key's lookup, so a keyed retry replays its stored answer.
    const outcome = await app.engine.hold({
      userId: request.userId, scheduleId, queueToken: queueTokenOf(request),
      ...(seatNumbers === undefined ? {} : { seatNumbers }), ...(seatLabels === undefined ? {} : { seatLabels }),
      ...(bestAvailable === undefined ? {} : { bestAvailable }), ...(generalAdmission === undefined ? {} : { generalAdmission }),
      ...(presaleCode === undefined ? {} : { presaleCode }), ...(idempotency === undefined ? {} : { idempotency }),
    });
    const reservation = unwrapOutcome(reply, outcome);
    reply.code(201);
    return reservation;
  });

  app.get('/reservations', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['reservations'],
      summary: 'Your reservations, optionally filtered by status',
      security: USER_SECURITY,
      querystring: Type.Object({ status: Type.Optional(ReservationStatus) }),
      response: { 200: ReservationList, ...errorResponses(400, 401, ...ALWAYS) },
    },
  }, async (request) => ({ reservations: app.engine.listReservations(request.userId, request.query.status) }));

  app.get('/reservations/:reservationId', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['reservations'],
      summary: 'One of your reservations',
      security: USER_SECURITY,
      params: ReservationParams,
      response: { 200: Reservation, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getReservation(request.userId, request.params.reservationId)));

  app.delete('/reservations/:reservationId', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['reservations'],
      summary: 'Cancel a held reservation; its seats become AVAILABLE',
      security: USER_SECURITY,
      params: ReservationParams,
      response: { 200: Reservation, ...errorResponses(400, 401, 404, 409, ...ALWAYS) },
    },
  }, async (request) => unwrap(await app.engine.cancelReservation(request.userId, request.params.reservationId)));

  // A booking has at most maxSeatsPerReservation seats; which of them is the engine's to say.
  const RefundBody = OptionalBody(Type.Object({
    seatNumbers: Type.Optional(Type.Array(Type.Integer(), {
      minItems: 1, maxItems: app.config.limits.maxSeatsPerReservation, description: 'The seats to refund; omitted, every seat still booked',
    })),
  }, { additionalProperties: false }));

  app.post('/reservations/:reservationId/refunds', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['reservations'],
      summary: 'Refund a paid booking, or some of its seats, before the show\'s refund cutoff: seats AVAILABLE, money back to the balance',
      security: USER_SECURITY,
      headers: IdempotentHeaders,
      params: ReservationParams,
      body: RefundBody,
      response: { 201: Refund, ...errorResponses(400, 401, 404, 409, 422, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const idempotency = idempotencyOf(request);
    const seatNumbers = request.body?.seatNumbers;
    const outcome = await app.engine.refund({
      userId: request.userId, reservationId: request.params.reservationId,
      ...(seatNumbers === undefined ? {} : { seatNumbers }), ...(idempotency === undefined ? {} : { idempotency }),
    });
    const refund = unwrapOutcome(reply, outcome);
    reply.code(201);
    return refund;
  });
};

export default reservationRoutes;
