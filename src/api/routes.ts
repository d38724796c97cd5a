/**
 * Every REST resource of the contract, registered under the /v1 prefix given by app.ts.
 * Rate limiting is opt-in per route (global: false): only token issuance is limited.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

export default async function routes(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, { global: false });
}
