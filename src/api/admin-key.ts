/** The X-Admin-Key check every admin route runs first, compared in constant time. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { raise } from './errors.js';

export const AdminHeaders = Type.Object({ 'x-admin-key': Type.Optional(Type.String({ description: 'ADMIN_KEY' })) });

/** Equal-time comparison of two secrets of any length (digests have equal length by construction). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function adminKeyGuard(app: FastifyInstance): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const given = request.headers['x-admin-key'];
    if (typeof given !== 'string' || !sameSecret(given, app.config.adminKey)) {
      raise('UNAUTHENTICATED', undefined, 'A valid X-Admin-Key header is required.');
    }
  };
}
