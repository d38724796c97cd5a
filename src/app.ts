/**
 * The Fastify application as a function of its dependencies: no listening, no signals, no process
 * globals, so tests build as many as they like and drive them with `inject`. src/server.ts is the shell.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import identity from './api/identity.js';
import ops from './api/ops.js';
import routes from './api/routes.js';
import web from './api/web.js';
import ws from './api/ws.js';
import webhookDelivery from './webhooks/plugin.js';
import { registerValidation } from './api/validation.js';
import { registerErrorHandling, sendError } from './api/errors.js';
import type { Config } from './config.js';
import type { BookingEngine } from './domain/engine.js';
import { genReqId, loggerOptions } from './logger.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    engine: BookingEngine;
  }
}

export interface AppDependencies {
  config: Config;
  engine: BookingEngine;
  /** A pino logger to share (the server's), true for one built from config, false or absent for none (tests). */
  logger?: FastifyBaseLogger | boolean;
}

const API_VERSION = '1.0.0';

function loggingOptions(config: Config, logger: AppDependencies['logger']): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === undefined || logger === false) return { logger: false };
  if (logger === true) return { logger: loggerOptions(config) };
  return { loggerInstance: logger };
}

const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Concert booking engine',
    version: API_VERSION,
    description: 'Fair waiting room, live seat maps, seat holds that expire on time, wallet and payments. '
      + 'Every acknowledged change is committed to SQLite before the response.\n\n'
      + '**API reference:** `docs/API.md` in the project repository documents every route, field, status, error '
      + 'code, WebSocket message and close code, and configuration variable; the operations below are generated from '
      + 'the route schemas.',
  },
  tags: [
    { name: 'auth', description: 'Demo user tokens (not in production)' },
    { name: 'queue', description: 'Waiting room' },
    { name: 'concerts', description: 'Concerts, schedules and seat maps' },
    { name: 'reservations', description: 'Seat holds' },
    { name: 'balance', description: 'Wallet' },
    { name: 'payments', description: 'Payments' },
    { name: 'admin', description: 'Catalogue management and statistics' },
    { name: 'tickets', description: 'Signed tickets, their public key, and check-in at the door' },
    { name: 'rooms', description: 'Per-sale waiting rooms: opening, rate, the fair pre-queue, receipts and the audit bundle' },
    { name: 'waitlist', description: 'The waitlist after sell-out: places, offers of freed seats, and their live socket' },
    { name: 'webhooks', description: 'Events for the platform: the pull feed, webhook endpoints and their deliveries' },
    { name: 'ops', description: 'Health, readiness and metrics' },
  ],
  components: {
    securitySchemes: {
      bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT', description: 'User token: HS256 JWT, `sub` = userId' },
      queueToken: { type: 'apiKey' as const, in: 'header' as const, name: 'X-Queue-Token', description: 'ACTIVE waiting-room token' },
      adminKey: { type: 'apiKey' as const, in: 'header' as const, name: 'X-Admin-Key', description: 'ADMIN_KEY' },
      scannerKey: { type: 'apiKey' as const, in: 'header' as const, name: 'X-Scanner-Key', description: 'SCANNER_KEY (door staff: check-in only)' },
    },
  },
};

function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * Every request's own work, in one hook (each hook is a step of every request): its id goes back in
 * X-Request-Id, and until recovery has finished, state is incomplete, so /v1 answers 503 NOT_READY
 * rather than a wrong answer. Callback style: an async hook would cost a promise per request.
 */
function registerRequestIntake(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    if (app.engine.ready) {
      // Reads only: a write is decided from the log itself and answered once this node has applied it.
      const barrier = request.method === 'GET' ? (app.engine.readBarrier?.() ?? null) : null;
      if (barrier === null) done();
      else barrier.then(() => done(), done);
      return;
    }
    const path = pathOf(request.url);
    if (path !== '/v1' && !path.startsWith('/v1/')) {
      done();
      return;
    }
    reply.header('retry-after', '1');
    sendError(reply, { code: 'NOT_READY', message: 'The service is recovering its state; retry shortly.' });
  });
}

/** HTTP settings shared with the benchmark's bare twin (bench/bare-server.ts), so its ceiling is comparable. */
export function httpServerOptions(config: Config) {
  return {
    genReqId,
    bodyLimit: config.http.bodyLimitBytes,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.connectionTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    // The engine is reached directly; behind a proxy, rate limits would need the proxy's address list here.
    trustProxy: false,
    return503OnClosing: true,
  } satisfies FastifyServerOptions;
}

export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, engine } = deps;
  const app = Fastify({
    ...loggingOptions(config, deps.logger),
    ...httpServerOptions(config),
    // The router refuses a malformed (bad percent-encoding) or overlong (> maxParamLength) path segment
    // before any hook runs; without this it answers in Fastify's own shape (FST_ERR_BAD_URL, 414 FST_ERR_MAX_PARAM_LENGTH).
    frameworkErrors: (_error, _request, reply) => {
      sendError(reply, { code: 'VALIDATION_ERROR', message: 'The request path is not valid (malformed or too long).' }, 400);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('config', config);
  app.decorate('engine', engine);
  registerRequestIntake(app);

  // Unknown fields are refused (additionalProperties: false), not stripped; bodies are never coerced.
  registerValidation(app);
  await app.register(swagger, { openapi: OPENAPI_DOCUMENT });
  registerErrorHandling(app);
  await app.register(identity);
  await app.register(ops);
  await app.register(routes, { prefix: '/v1' });
  await app.register(ws, { prefix: '/v1' });
  await app.register(web);
  await app.register(webhookDelivery);

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs' });

  return app;
}
