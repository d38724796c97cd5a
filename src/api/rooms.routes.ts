/**
 * Per-sale waiting rooms: the organiser creates a room for some schedules with its opening time, admission
 * rate and cap, and changes them while it runs; anyone reads a room (its commitment from the start, its
 * seed from the opening) and its audit bundle; a fan in the pre-queue gets a signed receipt of their place.
 * Receipts and the log's head are signed here, at the edge, with the engine's Ed25519 key (the ticket key):
 * the engine hands out fields, never holds the key. The scheme: docs/fair-queue.md.
 */
import { createPublicKey } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { RoomAudit } from '../rooms/room-actor.js';
import { Type } from 'typebox';
import { signLogHead } from '../rooms/fairness/admission-log.js';
import { signReceipt } from '../rooms/fairness/receipt.js';
import { MAX_ADMISSION_RATE_PER_MINUTE, MAX_ROOM_ACTIVE, MAX_ROOM_NAME, MAX_ROOM_SCHEDULES } from '../rooms/room-validation.js';
import { parseTicketSigningKey } from '../tickets/signing-key.js';
import { AdminHeaders, adminKeyGuard } from './admin-key.js';
import { unwrap } from './errors.js';
import { queueTokenOf } from './queue-gate.js';
import { ADMIN_SECURITY, ALWAYS, IsoDateTime, NullableIsoDateTime, OpaqueId, QueueTokenHeaders, StringEnum, errorResponses } from './schemas.js';

const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const NullableInteger = (description: string) => Type.Union([Type.Integer({ minimum: 1, maximum: MAX_ADMISSION_RATE_PER_MINUTE }), Type.Null()], { description });

const Room = Type.Object({
  roomId: Type.String(),
  name: Type.String(),
  scheduleIds: Type.Array(Type.String()),
  concertIds: Type.Array(Type.String(), { description: 'The concerts of those schedules' }),
  opensAt: IsoDateTime,
  opensInSeconds: Type.Integer({ minimum: 0 }),
  state: StringEnum(['PRE_QUEUE', 'OPEN']),
  openedAt: NullableIsoDateTime,
  admissionRatePerMinute: Type.Union([Type.Integer(), Type.Null()], { description: 'Fans let in a minute at most; null: only maxActive limits admission' }),
  maxActive: Type.Integer({ description: 'Fans admitted at once at most' }),
  commitment: { ...Hex64, description: 'SHA-256 of the seed, published from the creation' },
  seed: Type.Union([Hex64, Type.Null()], { description: 'The seed of the pre-queue\'s order, revealed at the opening' }),
  entrants: Type.Integer({ description: 'The pre-queue\'s entrants (so far, before the opening)' }),
  lateArrivals: Type.Integer({ description: 'Fans who joined after the opening' }),
  preQueue: Type.Integer({ description: 'Fans in the pre-queue now' }),
  waiting: Type.Integer({ description: 'Fans waiting in line now (after the opening)' }),
  active: Type.Integer(),
  admitted: Type.Integer({ description: 'Admissions so far: entries of the admission log' }),
  seatsRemaining: Type.Integer({ description: 'Seats AVAILABLE across the room\'s upcoming schedules' }),
  soldOut: Type.Boolean(),
});

const CreateRoomBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: MAX_ROOM_NAME }),
  scheduleIds: Type.Array(OpaqueId, { minItems: 1, maxItems: MAX_ROOM_SCHEDULES, uniqueItems: true }),
  opensAt: { ...IsoDateTime, description: 'When the room opens: fans who join before are its pre-queue' },
  admissionRatePerMinute: Type.Optional(NullableInteger('Fans let in a minute at most (omitted or null: none, only maxActive)')),
  maxActive: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROOM_ACTIVE, description: 'Fans admitted at once at most (default: QUEUE_MAX_ACTIVE)' })),
}, { additionalProperties: false });

const UpdateRoomBody = Type.Object({
  admissionRatePerMinute: Type.Optional(NullableInteger('The new rate (null: none)')),
  maxActive: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ROOM_ACTIVE })),
  opensAt: Type.Optional({ ...IsoDateTime, description: 'A new opening time, before the room opens (a sale delayed or brought forward)' }),
}, { additionalProperties: false, minProperties: 1 });

const AdmissionEntry = Type.Object({ seq: Type.Integer(), entrantId: Type.String(), admittedAtMs: Type.Integer(), prev: Hex64, hash: Hex64 });
const AuditBundle = Type.Object({
  roomId: Type.String(),
  publicKey: Type.String({ description: 'The room\'s Ed25519 public key: base64 of its SubjectPublicKeyInfo DER' }),
  commitment: Hex64,
  seed: Hex64,
  entrants: Type.Array(Type.String(), { description: 'The pre-queue\'s entrants, canonical: sorted, unique' }),
  lateArrivals: Type.Array(Type.String(), { description: 'Fans who joined after the opening, in arrival order' }),
  log: Type.Array(AdmissionEntry, { description: 'Every admission in order, a hash chain' }),
  logHead: Type.String({ description: 'The signed head of the log: base64url payload { v, roomId, count, headHash }, a dot, its signature' }),
});

const Receipt = Type.Object({
  receipt: Type.String({ description: 'R1.<base64url payload>.<base64url Ed25519 signature>' }),
  roomId: Type.String(),
  entrantId: Type.String(),
  place: Type.Integer({ minimum: 1, description: 'Your place in the pre-queue\'s drawn order' }),
  publicKey: Type.String({ description: 'The key that verifies it (as in the audit bundle)' }),
});

const RoomParams = Type.Object({ roomId: OpaqueId });

const roomRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const key = parseTicketSigningKey(app.config.ticketSigningKey);
  if (!key.ok) throw new Error(`TICKET_SIGNING_KEY ${key.reason}`);
  const privateKey = key.key;
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
  const requireAdminKey = adminKeyGuard(app);
  const admin = { tags: ['rooms'], security: ADMIN_SECURITY, headers: AdminHeaders };

  app.post('/admin/rooms', {
    onRequest: [requireAdminKey],
    schema: {
      ...admin,
      summary: 'Create a sale\'s waiting room for some schedules: its opening, admission rate and cap; its seed\'s commitment is published at once',
      body: CreateRoomBody,
      response: { 201: Room, ...errorResponses(400, 401, 404, 409, ...ALWAYS) },
    },
  }, async (request, reply) => {
    const { opensAt, admissionRatePerMinute, maxActive, ...rest } = request.body;
    const created = unwrap(await app.engine.createRoom({
      ...rest, opensAtMs: Date.parse(opensAt),
      ...(admissionRatePerMinute === undefined ? {} : { admissionRatePerMinute }),
      ...(maxActive === undefined ? {} : { maxActive }),
    }));
    reply.code(201);
    return created;
  });

  app.patch('/admin/rooms/:roomId', {
    onRequest: [requireAdminKey],
    schema: {
      ...admin,
      summary: 'Change a room\'s admission rate or cap while it runs (in effect within a second), or its opening time before it opens',
      params: RoomParams,
      body: UpdateRoomBody,
      response: { 200: Room, ...errorResponses(400, 401, 404, 409, ...ALWAYS) },
    },
  }, async (request) => {
    const { admissionRatePerMinute, maxActive, opensAt } = request.body;
    return unwrap(await app.engine.updateRoom({
      roomId: request.params.roomId,
      ...(admissionRatePerMinute === undefined ? {} : { admissionRatePerMinute }),
      ...(maxActive === undefined ? {} : { maxActive }),
      ...(opensAt === undefined ? {} : { opensAtMs: Date.parse(opensAt) }),
    }));
  });

  app.get('/rooms', {
    schema: { tags: ['rooms'], summary: 'Every sale\'s waiting room, oldest first', response: { 200: Type.Object({ rooms: Type.Array(Room) }), ...errorResponses(...ALWAYS) } },
  }, async () => ({ rooms: app.engine.listRooms() }));

  app.get('/rooms/:roomId', {
    schema: {
      tags: ['rooms'],
      summary: 'One room: its opening, counts, commitment (and seed once open)',
      params: RoomParams,
      response: { 200: Room, ...errorResponses(400, 404, ...ALWAYS) },
    },
  }, async (request) => unwrap(app.engine.getRoom(request.params.roomId)));

  // The engine builds a room's audit once per state of its log; its signed, serialised body is kept per room
  // for that state too, so a public route anyone may ask again costs a lookup (or a 304 by its ETag).
  const auditBodies = new Map<string, { audit: RoomAudit; etag: string; body: Buffer }>();
  app.get('/rooms/:roomId/audit', {
    schema: {
      tags: ['rooms'],
      summary: 'The room\'s audit bundle so far: seed, entrants, late arrivals and the signed admission log (check it with npm run verify-room)',
      params: RoomParams,
      response: {
        200: { ...AuditBundle, description: 'With an ETag that changes with every admission and late arrival' },
        304: Type.Null({ description: 'Not modified: If-None-Match named the ETag you have' }),
        ...errorResponses(400, 404, 409, ...ALWAYS),
      },
    },
  }, (request, reply) => {
    const audit = unwrap(app.engine.roomAudit(request.params.roomId));
    let cached = auditBodies.get(audit.roomId);
    if (cached?.audit !== audit) {
      const { head, ...published } = audit;
      const bundle = { ...published, publicKey, logHead: signLogHead({ roomId: audit.roomId, count: head.count, headHash: head.headHash }, privateKey) };
      cached = { audit, etag: `"${head.count}-${audit.lateArrivals.length}-${head.headHash.slice(0, 16)}"`, body: Buffer.from(reply.serialize(bundle) as string, 'utf8') };
      auditBodies.set(audit.roomId, cached);
    }
    const typed = (reply as FastifyReply).header('etag', cached.etag);
    if (request.headers['if-none-match'] === cached.etag) {
      typed.code(304).send();
      return;
    }
    typed.type('application/json; charset=utf-8').send(cached.body);
  });

  app.get('/queue/receipt', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['rooms'],
      summary: 'Your signed receipt of your place in a room\'s pre-queue (from the opening on)',
      security: [{ bearerAuth: [], queueToken: [] }],
      headers: QueueTokenHeaders,
      response: { 200: Receipt, ...errorResponses(401, 409, ...ALWAYS) },
    },
  }, async (request) => {
    const fields = unwrap(app.engine.queueReceipt(request.userId, queueTokenOf(request)));
    // Ed25519 is deterministic: the same receipt every time it is asked for, so none needs storing.
    return { receipt: signReceipt(fields, privateKey), roomId: fields.roomId, entrantId: fields.entrantId, place: fields.place, publicKey };
  });
};

export default roomRoutes;
