/**
 * POST /auth/demo-token: mints a user token for demos and tests. In production the platform's login
 * issues tokens, so the route is not registered at all and answers 404 NOT_FOUND like any unknown path
 * (and is absent from the production OpenAPI document).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ALWAYS, DemoTokenBody, DemoTokenResponse, errorResponses } from './schemas.js';

const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  if (app.config.isProduction) return;

  app.post('/auth/demo-token', {
    config: {
      // Per client IP: anyone can call it, so it is limited before the body is even parsed.
      rateLimit: { max: app.config.rateLimit.demoTokenPerMinute, timeWindow: 60_000 },
    },
    schema: {
      tags: ['auth'],
      summary: 'Mint a demo user token (disabled when NODE_ENV=production)',
      body: DemoTokenBody,
      response: { 200: DemoTokenResponse, ...errorResponses(400, 429, ...ALWAYS) },
    },
  }, async (request) => {
    const { userId } = request.body;
    const issued = app.issueUserToken(userId, app.config.demoTokenTtlSeconds);
    return { userId, token: issued.token, expiresAt: issued.expiresAt };
  });
};

export default authRoutes;
