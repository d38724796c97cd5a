/**
 * The waitlist after sell-out. A fan (user token; no queue token needed: the list is where a fan goes
 * instead of waiting in line for nothing) joins a schedule's list for a number of seats together, reads
 * their place, leaves. Seats freed while the schedule is sold out become offers: holds in the fan's name,
 * listed here and pushed over `GET /v1/waitlist/ws`, paid through `POST /v1/payments` without a queue token.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { unwrap } from './errors.js';
import { ALWAYS, IsoDateTime, OpaqueId, OptionalBody, Reservation, USER_SECURITY, UserId, errorResponses } from './schemas.js';

export const WaitlistEntry = Type.Object({
  scheduleId: Type.String(),
  concertId: Type.String(),
  userId: UserId,
  quantity: Type.Integer({ minimum: 1, description: 'Seats wanted together' }),
  position: Type.Integer({ minimum: 1, description: '1 for the first fan on the list' }),
  length: Type.Integer({ minimum: 1, description: 'Fans on the list in all' }),
  joinedAt: IsoDateTime,
});
const Waitlist = Type.Object({
  entries: Type.Array(WaitlistEntry, { description: 'The lists you are on, oldest first' }),
  offers: Type.Array(Reservation, { description: 'Offers made to you still open: HELD reservations with waitlistOffer, pay them before holdExpiresAt' }),
});
const ScheduleParams = Type.Object({ scheduleId: OpaqueId });
const WaitlistDates = Type.Object({
  schedules: Type.Array(Type.Object({
    scheduleId: Type.String(),
    concertId: Type.String(),
    title: Type.String(),
    venue: Type.String(),
    startsAt: IsoDateTime,
    soldOut: Type.Boolean({ description: 'No seat available to the public now: seats freed later go to the list' }),
    waitlistLength: Type.Integer({ minimum: 0, description: 'Fans on its list now' }),
  }), { description: 'Upcoming dates that are not cancelled, soonest first' }),
});

const waitlistRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const maxQuantity = app.config.limits.maxSeatsPerReservation;
  const common = { tags: ['waitlist'], security: USER_SECURITY };

  app.post('/schedules/:scheduleId/waitlist', {
    onRequest: [app.authenticate],
    schema: {
      ...common,
      summary: 'Join the waitlist of a schedule: seats freed after sell-out are offered to its fans in order',
      params: ScheduleParams,
      body: OptionalBody(Type.Object({
        quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: maxQuantity, description: 'Seats wanted together (default 1)' })),
      }, { additionalProperties: false })),
      response: {
        201: { ...WaitlistEntry, description: 'On the list' },
        200: { ...WaitlistEntry, description: 'Already on it: your place is kept (the quantity is the first one asked)' },
        ...errorResponses(400, 401, 403, 404, 409, 410, ...ALWAYS),
      },
    },
  }, async (request, reply) => {
    const joined = unwrap(await app.engine.joinWaitlist({
      userId: request.userId, scheduleId: request.params.scheduleId, quantity: request.body?.quantity ?? 1,
    }));
    reply.code(joined.created ? 201 : 200);
    return joined.entry;
  });

  app.get('/schedules/:scheduleId/waitlist/me', {
    onRequest: [app.authenticate],
    schema: {
      ...common,
      summary: 'Your place on the waitlist of a schedule',
      params: ScheduleParams,
      response: { 200: WaitlistEntry, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getWaitlistEntry(request.userId, request.params.scheduleId)));

  app.delete('/schedules/:scheduleId/waitlist/me', {
    onRequest: [app.authenticate],
    schema: {
      ...common,
      summary: 'Leave the waitlist of a schedule (an offer already made stays yours until you cancel it or it expires)',
      params: ScheduleParams,
      response: { 204: Type.Null({ description: 'Off the list' }), ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request, reply) => {
    unwrap(await app.engine.leaveWaitlist({ userId: request.userId, scheduleId: request.params.scheduleId }));
    return reply.code(204).send(null);
  });

  app.get('/users/me/waitlist', {
    onRequest: [app.authenticate],
    schema: {
      ...common,
      summary: 'Every waitlist you are on, and the offers made to you that are still open',
      response: { 200: Waitlist, ...errorResponses(401, ...ALWAYS) },
    },
  }, async (request) => app.engine.getWaitlist(request.userId));

  app.get('/waitlist/schedules', {
    onRequest: [app.authenticate],
    schema: {
      ...common,
      summary: 'Every date whose waitlist you may join, without a queue token: the way out of a line whose odds are poor',
      response: { 200: WaitlistDates, ...errorResponses(401, ...ALWAYS) },
    },
  }, async () => ({ schedules: app.engine.listWaitlistDates() }));
};

export default waitlistRoutes;
