/**
 * The catalogue: concerts (public), their schedules and seat maps (queue-gated).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { unwrap } from './errors.js';
import { requireActiveQueueToken } from './queue-gate.js';
import { SeatMapBodies } from './seat-map-bodies.js';
import {
  ALWAYS, CompactSeatMap, ConcertList, OpaqueId, Venue, QUEUE_GATED_SECURITY, QueueTokenHeaders, ScheduleList, SeatMap, SeatStatus,
  errorResponses,
} from './schemas.js';

// Query flags are strings on the wire; spelling them out keeps them exact whatever the validator coerces.
const SchedulesQuery = Type.Object({
  includeSoldOut: Type.Optional(Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'true lists every upcoming schedule, sold out or not',
  })),
});
const SeatsQuery = Type.Object({
  status: Type.Optional(SeatStatus),
  presaleCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A channel code shows its channel\'s held-back seats as they are (the public sees them RESERVED)' })),
});
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
/** Venue bodies kept serialised, the oldest dropped first. */
const VENUE_BODY_CACHE_ENTRIES = 64;

const concertRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const gated = [app.authenticate, requireActiveQueueToken];
  const seatMapBodies = new SeatMapBodies();
  const venueBodies = new Map<string, { etag: string; body: Buffer }>();

  app.get('/concerts', {
    schema: {
      tags: ['concerts'],
      summary: 'Every concert (public)',
      response: { 200: ConcertList, ...errorResponses(...ALWAYS) },
    },
  }, async () => ({ concerts: app.engine.listConcerts() }));

  app.get('/concerts/:concertId/schedules', {
    onRequest: gated,
    schema: {
      tags: ['concerts'],
      summary: 'Upcoming schedules of a concert; by default only those with an available seat',
      security: QUEUE_GATED_SECURITY,
      headers: QueueTokenHeaders,
      params: Type.Object({ concertId: OpaqueId }),
      querystring: SchedulesQuery,
      response: { 200: ScheduleList, ...errorResponses(400, 401, 403, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.listSchedules(request.params.concertId, {
    includeSoldOut: request.query.includeSoldOut === 'true',
  })));

  app.get('/schedules/:scheduleId/seats', {
    onRequest: gated,
    schema: {
      tags: ['concerts'],
      summary: 'Seat map of a schedule, optionally filtered by status',
      security: QUEUE_GATED_SECURITY,
      headers: QueueTokenHeaders,
      params: Type.Object({ scheduleId: OpaqueId }),
      querystring: SeatsQuery,
      response: { 200: SeatMap, ...errorResponses(400, 401, 403, 404, 409, ...ALWAYS) },
    },
  }, (request, reply) => {
    const { status, presaleCode } = request.query;
    if (presaleCode !== undefined) {
      // A channel's own view of the map: not the public body, so not from (or into) its cache.
      const channelView = unwrap(app.engine.getSeatMap(request.params.scheduleId, { presaleCode, ...(status === undefined ? {} : { status }) }));
      reply.send(channelView);
      return;
    }
    const view = unwrap(app.engine.getSeatMap(request.params.scheduleId, status === undefined ? {} : { status }));
    // The route's own 200 serializer makes the body, so a cached body is byte for byte what Fastify would send.
    const body = seatMapBodies.body(view, status ?? 'ALL', (fresh) => reply.serialize(fresh));
    // A Buffer is sent as it is (the schema types the object form of the payload, hence the widening).
    (reply as FastifyReply).type(JSON_CONTENT_TYPE).send(body);
  });

  app.get('/schedules/:scheduleId/venue', {
    onRequest: gated,
    schema: {
      tags: ['concerts'],
      summary: 'The venue of a schedule created from a layout: sections, rows, seats, categories and standing areas, to draw its map',
      security: QUEUE_GATED_SECURITY,
      headers: QueueTokenHeaders,
      params: Type.Object({ scheduleId: OpaqueId }),
      response: {
        200: { ...Venue, description: 'With an ETag; Cache-Control: private, max-age=3600 (a schedule\'s venue never changes)' },
        304: Type.Null({ description: 'Not modified: If-None-Match named the ETag you have' }),
        ...errorResponses(400, 401, 403, 404, ...ALWAYS),
      },
    },
  }, (request, reply) => {
    // A schedule's venue never changes: its body is serialised once (a stadium's is ~100 KB) and a page that
    // has it already gets 304 without one, so a hundred thousand fans opening the map do not each cost a copy.
    const scheduleId = request.params.scheduleId;
    let cached = venueBodies.get(scheduleId);
    if (cached === undefined) {
      const venue = unwrap(app.engine.getVenue(scheduleId));
      cached = { etag: `"${venue.layoutId}"`, body: Buffer.from(reply.serialize(venue) as string, 'utf8') };
      venueBodies.set(scheduleId, cached);
      if (venueBodies.size > VENUE_BODY_CACHE_ENTRIES) venueBodies.delete(venueBodies.keys().next().value as string);
    }
    const typed = (reply as FastifyReply).header('etag', cached.etag).header('cache-control', 'private, max-age=3600');
    if (request.headers['if-none-match'] === cached.etag) {
      typed.code(304).send();
      return;
    }
    typed.type(JSON_CONTENT_TYPE).send(cached.body);
  });

  app.get('/schedules/:scheduleId/venue/map', {
    onRequest: gated,
    schema: {
      tags: ['concerts'],
      summary: 'The live map of a venue schedule, compact: 2 bits a seat number (an 80,000-seat stadium in ~20 KB)',
      security: QUEUE_GATED_SECURITY,
      headers: QueueTokenHeaders,
      params: Type.Object({ scheduleId: OpaqueId }),
      response: { 200: CompactSeatMap, ...errorResponses(400, 401, 403, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getCompactSeatMap(request.params.scheduleId)));
};

export default concertRoutes;
