/**
 * Every REST resource of the contract, registered under the /v1 prefix given by app.ts.
 * Rate limiting is opt-in per route (global: false): only token issuance is limited, and a refusal is
 * the contract's 429 RATE_LIMITED rendered by the one error handler.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import adminRoutes from './admin.routes.js';
import authRoutes from './auth.routes.js';
import balanceRoutes from './balance.routes.js';
import concertRoutes from './concerts.routes.js';
import { ApiError } from './errors.js';
import paymentRoutes from './payments.routes.js';
import queueRoutes from './queue.routes.js';
import reservationRoutes from './reservations.routes.js';
import ticketRoutes from './tickets.routes.js';
import waitlistRoutes from './waitlist.routes.js';
import layoutRoutes from './layouts.routes.js';
import roomRoutes from './rooms.routes.js';
import webhookRoutes from './webhooks.routes.js';

function rateLimited(_request: unknown, context: { ttl: number; max: number }): ApiError {
  return new ApiError({
    code: 'RATE_LIMITED',
    message: 'Too many requests; retry later.',
    details: { limit: context.max, retryAfterSeconds: Math.max(1, Math.ceil(context.ttl / 1000)) },
  });
}

export default async function routes(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, { global: false, errorResponseBuilder: rateLimited });
  await app.register(authRoutes);
  await app.register(queueRoutes);
  await app.register(concertRoutes);
  await app.register(reservationRoutes);
  await app.register(balanceRoutes);
  await app.register(paymentRoutes);
  await app.register(adminRoutes);
  await app.register(ticketRoutes);
  await app.register(webhookRoutes);
  await app.register(waitlistRoutes);
  await app.register(layoutRoutes);
  await app.register(roomRoutes);
}
