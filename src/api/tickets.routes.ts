/**
 * Tickets and check-in. A buyer reads the tickets of a paid reservation (one signed code per seat); the
 * public key is published so a scanner can verify codes offline; door staff check a code in with the
 * admin key or the scanner key. The code's signature is verified here, before the engine's command, so
 * the command (and, in a cluster, the log) carries only a verified ticket.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parseTicketSigningKey } from '../tickets/signing-key.js';
import { MAX_TICKET_CODE_LENGTH, TicketSigner } from '../tickets/ticket-signer.js';
import { raise, unwrap } from './errors.js';
import { ALWAYS, IsoDateTime, SeatLabel, NullableIsoDateTime, OpaqueId, USER_SECURITY, errorResponses } from './schemas.js';

/** How long a client may cache the public key; a rotated key shows up within this. */
const PUBLIC_KEY_MAX_AGE_SECONDS = 300;

const DOOR_SECURITY: Array<Record<string, string[]>> = [{ adminKey: [] }, { scannerKey: [] }];
const DoorHeaders = Type.Object({
  'x-admin-key': Type.Optional(Type.String({ description: 'ADMIN_KEY' })),
  'x-scanner-key': Type.Optional(Type.String({ description: 'SCANNER_KEY' })),
});

const TicketFields = {
  ticketId: Type.String({ description: '<reservationId>.<seatNumber>' }),
  reservationId: Type.String(),
  scheduleId: Type.String(),
  concertId: Type.String(),
  startsAt: IsoDateTime,
  seatNumber: Type.Integer({ minimum: 1 }),
  grade: Type.String(),
  label: Type.Optional(SeatLabel),
};
const Ticket = Type.Object({
  ...TicketFields,
  code: Type.String({ description: 'The signed ticket code, for the QR code' }),
  checkedInAt: NullableIsoDateTime,
});
const ReservationTickets = Type.Object({
  reservationId: Type.String(),
  scheduleId: Type.String(),
  concertId: Type.String(),
  startsAt: IsoDateTime,
  keyId: Type.String({ description: 'The signing key, as in GET /v1/tickets/public-key' }),
  tickets: Type.Array(Ticket, { description: 'One per seat' }),
});
const Checkin = Type.Object({ ...TicketFields, checkedInAt: IsoDateTime });
const PublicKey = Type.Object({
  algorithm: Type.Literal('Ed25519'),
  keyId: Type.String(),
  jwk: Type.Object({
    kty: Type.Literal('OKP'), crv: Type.Literal('Ed25519'), x: Type.String(), kid: Type.String(), use: Type.Literal('sig'), alg: Type.Literal('EdDSA'),
  }),
  spki: Type.String({ description: 'base64 of the SubjectPublicKeyInfo DER' }),
  codeFormat: Type.String(),
});
const CheckinBody = Type.Object({
  code: Type.String({ minLength: 1, maxLength: MAX_TICKET_CODE_LENGTH, description: 'The ticket code as scanned' }),
  scheduleId: Type.Optional({ ...OpaqueId, description: 'The show this door admits: a ticket for another is refused' }),
}, { additionalProperties: false });

/** Equal-time comparison of two secrets of any length (digests have equal length by construction). */
function sameSecret(given: unknown, expected: string | null): boolean {
  if (typeof given !== 'string' || expected === null) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const ticketRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const key = parseTicketSigningKey(app.config.ticketSigningKey);
  if (!key.ok) throw new Error(`TICKET_SIGNING_KEY ${key.reason}`);
  const signer = new TicketSigner(key.key);

  const requireDoorKey = async (request: FastifyRequest): Promise<void> => {
    const admin = sameSecret(request.headers['x-admin-key'], app.config.adminKey);
    if (!admin && !sameSecret(request.headers['x-scanner-key'], app.config.scannerKey)) {
      raise('UNAUTHENTICATED', undefined, 'A valid X-Scanner-Key or X-Admin-Key header is required.');
    }
  };

  app.get('/reservations/:reservationId/tickets', {
    onRequest: [app.authenticate],
    schema: {
      tags: ['tickets'],
      summary: 'The tickets of one of your paid reservations: one signed code per seat',
      security: USER_SECURITY,
      params: Type.Object({ reservationId: OpaqueId }),
      response: { 200: ReservationTickets, ...errorResponses(400, 401, 404, 409, ...ALWAYS) },
    },
  }, async (request) => {
    const found = unwrap(app.engine.listTickets(request.userId, request.params.reservationId));
    return { ...found, keyId: signer.keyId, tickets: found.tickets.map((ticket) => ({ ...ticket, code: signer.sign(ticket) })) };
  });

  app.get('/tickets/public-key', {
    schema: {
      tags: ['tickets'],
      summary: 'The Ed25519 public key that verifies ticket codes offline',
      response: { 200: PublicKey, ...errorResponses(...ALWAYS) },
    },
  }, async (_request, reply) => {
    reply.header('cache-control', `public, max-age=${PUBLIC_KEY_MAX_AGE_SECONDS}`);
    return signer.publicTicketKey();
  });

  app.post('/checkins', {
    onRequest: [requireDoorKey],
    schema: {
      tags: ['tickets'],
      summary: 'Check a ticket in at the door: the first scan admits, a later one says when it was used',
      security: DOOR_SECURITY,
      headers: DoorHeaders,
      body: CheckinBody,
      response: { 200: Checkin, ...errorResponses(400, 401, 409, 410, ...ALWAYS) },
    },
  }, async (request) => {
    const ticket = signer.verify(request.body.code);
    if (ticket === null) raise('TICKET_INVALID', undefined, 'The ticket code is malformed, signed by another key, or forged.');
    const { scheduleId } = request.body;
    return unwrap(await app.engine.checkIn({ ticket, ...(scheduleId === undefined ? {} : { scheduleId }) }));
  });
};

export default ticketRoutes;
