/**
 * Admin: create concerts with schedules and seat maps, cancel a schedule (every buyer refunded) and
 * watch its cancellation, and read sales/queue statistics.
 * Every route needs X-Admin-Key, compared in constant time.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { SeatMapInput } from '../domain/views.js';
import { AdminHeaders, adminKeyGuard } from './admin-key.js';
import { raise, unwrap } from './errors.js';
import {
  ADMIN_SECURITY, ALWAYS, AdminStats, ConcertCreated, Holdback, IsoDateTime, OpaqueId, OptionalBody, PresaleCode, ScheduleCancellation, errorResponses,
} from './schemas.js';

/** Limits the contract leaves open: a seat map is held in memory, so its size is bounded. */
const MAX_SEATS_PER_SCHEDULE = 1_000;
const MAX_SCHEDULES_PER_CONCERT = 100;
const MAX_GRADES_PER_SEAT_MAP = 50;
/** A year: a refund cutoff longer than that would close refunds before most shows go on sale. */
const MAX_REFUND_CUTOFF_HOURS = 8_760;
const MAX_CANCELLATION_REASON_LENGTH = 500;
/** Seat lists in error details are cut here so a bad 1000-seat map does not produce a huge answer. */
const MAX_SEATS_LISTED = 20;


const Grade = Type.Object({
  grade: Type.String({ minLength: 1, maxLength: 32 }),
  from: Type.Integer({ minimum: 1 }),
  to: Type.Integer({ minimum: 1 }),
  price: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Integer won' }),
}, { additionalProperties: false });
const SeatMapBody = Type.Object({
  seatCount: Type.Integer({ minimum: 1, maximum: MAX_SEATS_PER_SCHEDULE }),
  grades: Type.Array(Grade, { minItems: 1, maxItems: MAX_GRADES_PER_SEAT_MAP }),
}, { additionalProperties: false });
const ScheduleBody = Type.Object({
  startsAt: IsoDateTime,
  bookingOpensAt: Type.Optional({ ...IsoDateTime, description: 'Defaults to now: booking opens at once' }),
  presaleOpensAt: Type.Optional({ ...IsoDateTime, description: 'A presale before bookingOpensAt: from here only holders of a presale code may hold (default: none)' }),
  holdbacks: Type.Optional(Type.Array(Type.Object({
    channel: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'press, sponsors, fan-club...' }),
    seatNumbers: Type.Array(Type.Integer(), { minItems: 1, maxItems: 500 }),
  }, { additionalProperties: false }), { maxItems: 20, description: 'Seats not sold to the public: only presale codes of their channel hold them, until the channel is released' })),
  refundCutoffHours: Type.Optional(Type.Integer({
    minimum: 0, maximum: MAX_REFUND_CUTOFF_HOURS, description: 'Fans may refund until this many hours before startsAt (default 24; 0: until the show starts)',
  })),
  maxSeatsPerFan: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: 'Purchase cap: seats one fan may own in this schedule across all their bookings (default: none)' })),
  seatMap: Type.Optional({ ...SeatMapBody, description: 'Seats 1..seatCount priced by grade; defaults to the 50-seat demo map. Not with layoutId' }),
  layoutId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A venue layout (POST /v1/admin/layouts): its seats, rows, sections, standing areas and category prices. Not with seatMap' })),
}, { additionalProperties: false });
const CreateConcertBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200 }),
  venue: Type.String({ minLength: 1, maxLength: 200 }),
  schedules: Type.Array(ScheduleBody, { minItems: 1, maxItems: MAX_SCHEDULES_PER_CONCERT }),
}, { additionalProperties: false });
type CreateConcertBody = Static<typeof CreateConcertBody>;

/** Seats not covered by any grade, covered twice, and grades outside 1..seatCount or reversed. */
export function seatMapProblems(seatMap: SeatMapInput): Record<string, unknown> | null {
  const coverCount = new Array<number>(seatMap.seatCount + 1).fill(0);
  const badGrades: string[] = [];
  for (const { grade, from, to } of seatMap.grades) {
    if (from > to || to > seatMap.seatCount) {
      badGrades.push(grade);
      continue;
    }
    for (let seat = from; seat <= to; seat++) coverCount[seat] = (coverCount[seat] ?? 0) + 1;
  }
  const uncoveredSeats: number[] = [];
  const overlappingSeats: number[] = [];
  for (let seat = 1; seat <= seatMap.seatCount; seat++) {
    const count = coverCount[seat] ?? 0;
    if (count === 0) uncoveredSeats.push(seat);
    if (count > 1) overlappingSeats.push(seat);
  }
  if (badGrades.length === 0 && uncoveredSeats.length === 0 && overlappingSeats.length === 0) return null;
  return {
    gradesOutOfRange: badGrades,
    uncoveredSeats: uncoveredSeats.slice(0, MAX_SEATS_LISTED),
    overlappingSeats: overlappingSeats.slice(0, MAX_SEATS_LISTED),
  };
}

/** Every reason the concert cannot be created, per schedule index; null when it is sound. */
function concertProblems(body: CreateConcertBody): Record<string, unknown> | null {
  const problems: Record<string, unknown>[] = [];
  body.schedules.forEach((schedule, index) => {
    const startsAtMs = Date.parse(schedule.startsAt);
    const opensAtMs = schedule.bookingOpensAt === undefined ? undefined : Date.parse(schedule.bookingOpensAt);
    if (Number.isNaN(startsAtMs)) problems.push({ index, field: 'startsAt', problem: 'not an ISO 8601 time' });
    if (opensAtMs !== undefined && Number.isNaN(opensAtMs)) {
      problems.push({ index, field: 'bookingOpensAt', problem: 'not an ISO 8601 time' });
    }
    // The contract is silent; booking that opens after the show would never be open.
    if (opensAtMs !== undefined && opensAtMs > startsAtMs) {
      problems.push({ index, field: 'bookingOpensAt', problem: 'after startsAt' });
    }
    if (schedule.seatMap !== undefined && schedule.layoutId !== undefined) problems.push({ index, field: 'layoutId', problem: 'give seatMap or layoutId, not both' });
    const seatMap = schedule.seatMap === undefined ? null : seatMapProblems(schedule.seatMap);
    if (seatMap !== null) problems.push({ index, field: 'seatMap', problem: 'grades must cover every seat exactly once', ...seatMap });
  });
  return problems.length === 0 ? null : { schedules: problems };
}

const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const requireAdminKey = adminKeyGuard(app);

  app.post('/admin/concerts', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'Create a concert with its schedules and seat maps',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      body: CreateConcertBody,
      response: { 201: ConcertCreated, ...errorResponses(400, 401, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const problems = concertProblems(request.body);
    if (problems !== null) raise('VALIDATION_ERROR', problems, 'The concert is not valid.');
    const created = unwrap(await app.engine.createConcert(request.body));
    reply.code(201);
    return created;
  });

  const ScheduleParams = Type.Object({ scheduleId: OpaqueId });

  app.post('/admin/schedules/:scheduleId/cancel', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'Cancel a schedule: every buyer refunded in full, every hold released, no more sales (one atomic step)',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: ScheduleParams,
      body: OptionalBody(Type.Object({
        reason: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_CANCELLATION_REASON_LENGTH, description: 'Kept with the cancellation' })),
      }, { additionalProperties: false })),
      response: { 200: ScheduleCancellation, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => {
    const reason = request.body?.reason;
    return unwrap(await app.engine.cancelSchedule({ scheduleId: request.params.scheduleId, ...(reason === undefined ? {} : { reason }) }));
  });

  app.get('/admin/schedules/:scheduleId/cancellation', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'How a schedule\'s cancellation stands: buyers refunded, holds released',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: ScheduleParams,
      response: { 200: ScheduleCancellation, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getScheduleCancellation(request.params.scheduleId)));

  app.post('/admin/schedules/:scheduleId/presale-codes', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'Create a presale code: its holders may book between presaleOpensAt and bookingOpensAt, maxUses holds in all',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: ScheduleParams,
      body: Type.Object({
        code: Type.Optional(Type.String({ minLength: 4, maxLength: 32, pattern: '^[A-Za-z0-9-]+$', description: 'Omitted: one is drawn (like K7QP2-XM4TA)' })),
        maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'Holds it may make in all (default 1: a single-use code)' })),
        channel: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,31}$', description: 'A holdback channel of the schedule: the code also opens its seats, in the presale and after' })),
      }, { additionalProperties: false }),
      response: { 201: PresaleCode, ...errorResponses(400, 401, 404, 409, 410, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const { code, maxUses = 1, channel } = request.body;
    const created = unwrap(await app.engine.createPresaleCode({
      scheduleId: request.params.scheduleId, maxUses, ...(code === undefined ? {} : { code }), ...(channel === undefined ? {} : { channel }),
    }));
    reply.code(201);
    return created;
  });

  app.get('/admin/schedules/:scheduleId/presale-codes', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'The presale codes of a schedule, with their uses',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: ScheduleParams,
      response: { 200: Type.Object({ codes: Type.Array(PresaleCode) }), ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => ({ codes: unwrap(app.engine.listPresaleCodes(request.params.scheduleId)) }));

  app.get('/admin/schedules/:scheduleId/holdbacks', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'The seats a schedule holds back, by channel, and which are free',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: ScheduleParams,
      response: { 200: Type.Object({ holdbacks: Type.Array(Holdback) }), ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => ({ holdbacks: unwrap(app.engine.listHoldbacks(request.params.scheduleId)) }));

  app.post('/admin/schedules/:scheduleId/holdbacks/:channel/release', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'Release a channel\'s held-back seats to the public (its free seats become AVAILABLE on every map)',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      params: Type.Object({ scheduleId: OpaqueId, channel: Type.String({ minLength: 1, maxLength: 32 }) }),
      response: { 200: { ...Holdback, description: 'The channel\'s seats as they were held back, just before the release' }, ...errorResponses(400, 401, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(await app.engine.releaseHoldback({ scheduleId: request.params.scheduleId, channel: request.params.channel })));

  app.get('/admin/stats', {
    onRequest: [requireAdminKey],
    schema: {
      tags: ['admin'],
      summary: 'Queue, seat, reservation and sales figures',
      security: ADMIN_SECURITY,
      headers: AdminHeaders,
      response: { 200: AdminStats, ...errorResponses(401, ...ALWAYS) },
    },
  }, async () => app.engine.stats());
};

export default adminRoutes;
