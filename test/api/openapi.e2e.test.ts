/**
 * The OpenAPI document is generated from the route schemas; these tests fail when a route is missing
 * from it, when a contract path is missing from the app, or when an operation is undocumented.
 */
import diagnostics from 'node:diagnostics_channel';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveApi, type Json, type LiveApi } from './http-client.js';

const CONTRACT_OPERATIONS = [
  'POST /v1/auth/demo-token',
  'POST /v1/queue/tokens',
  'GET /v1/queue/status',
  'DELETE /v1/queue/tokens/current',
  'GET /v1/queue/ws',
  'GET /v1/concerts',
  'GET /v1/concerts/{concertId}/schedules',
  'GET /v1/schedules/{scheduleId}/seats',
  'GET /v1/schedules/{scheduleId}/seats/ws',
  'POST /v1/reservations',
  'GET /v1/reservations',
  'GET /v1/reservations/{reservationId}',
  'DELETE /v1/reservations/{reservationId}',
  'GET /v1/users/{userId}/balance',
  'POST /v1/users/{userId}/balance/charge',
  'GET /v1/users/{userId}/balance/history',
  'POST /v1/payments',
  'GET /v1/payments/{paymentId}',
  'POST /v1/admin/concerts',
  'GET /v1/admin/stats',
  'GET /health',
  'GET /ready',
  'GET /metrics',
];

/**
 * Routes that are not API operations and are hidden on purpose: the documentation itself, and the
 * booking page's static files (`/`, `/index.html`, `/app.js`, ...).
 */
function isDocumentationRoute(url: string): boolean {
  if (url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/')) return true;
  return !url.startsWith('/v1') && (url === '/' || /^\/[^/]+\.[A-Za-z0-9]+$/.test(url));
}

/** Fastify's `/a/:id` and `*` in OpenAPI's spelling (`/a/{id}`, `{*}`), as @fastify/swagger writes them. */
function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*/g, '{*}');
}

interface RegisteredRoute { method: string; url: string; hidden: boolean }

let api: LiveApi;
let document: Json;
const registered: RegisteredRoute[] = [];

beforeAll(async () => {
  // Every Fastify instance announces itself on this channel before any plugin runs, so the hook sees
  // every route the app registers, exactly as @fastify/swagger does.
  const collect = (message: unknown): void => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      for (const method of methods) registered.push({ method: method.toUpperCase(), url: route.url, hidden });
    });
  };
  diagnostics.subscribe('fastify.initialization', collect);
  try {
    api = await startLiveApi();
  } finally {
    diagnostics.unsubscribe('fastify.initialization', collect);
  }
  const response = await api.http.get('/openapi.json');
  expect(response.status).toBe(200);
  document = response.body;
});

afterAll(async () => {
  await api?.close();
});

function documentedOperations(): Set<string> {
  const operations = new Set<string>();
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(item)) operations.add(`${method.toUpperCase()} ${path}`);
  }
  return operations;
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3 document', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).length).toBeGreaterThan(0);
  });

  it('given every route the app registers, then each appears with its method (HEAD, the docs and the booking page static files aside)', () => {
    const documented = documentedOperations();
    const routes = registered.filter((route) => route.method !== 'HEAD' && !isDocumentationRoute(route.url));
    expect(routes.length).toBeGreaterThanOrEqual(CONTRACT_OPERATIONS.length);
    const missing = routes.map((route) => `${route.method} ${openApiPath(route.url)}`).filter((op) => !documented.has(op));
    expect(missing).toEqual([]);
  });

  it('given the routes the app hides, then they are only the docs and the booking page static files', () => {
    const hidden = registered.filter((route) => route.hidden && route.method !== 'HEAD').map((route) => route.url);
    expect(hidden.filter((url) => !isDocumentationRoute(url))).toEqual([]);
  });

  it('given the contract, then every operation it names is documented', () => {
    const documented = documentedOperations();
    expect(CONTRACT_OPERATIONS.filter((operation) => !documented.has(operation))).toEqual([]);
  });

  it('given every /v1 REST operation, then it has tags, a summary and an error response in the contract shape', () => {
    const problems: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      if (!path.startsWith('/v1/') || path.endsWith('/ws')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!Array.isArray(operation.tags) || operation.tags.length === 0) problems.push(`${name}: no tags`);
        if (typeof operation.summary !== 'string' || operation.summary === '') problems.push(`${name}: no summary`);
        const statuses = Object.keys(operation.responses ?? {});
        if (!statuses.some((status) => /^2/.test(status))) problems.push(`${name}: no success response`);
        const errorStatus = statuses.find((status) => /^[45]/.test(status));
        const errorSchema = errorStatus === undefined ? undefined : operation.responses[errorStatus].content?.['application/json']?.schema;
        const required = (errorSchema?.required ?? []) as string[];
        if (!['statusCode', 'code', 'error', 'message'].every((field) => required.includes(field))) {
          problems.push(`${name}: no error response in the contract shape`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('given the user and queue-gated operations, then they declare their security', () => {
    const publicOperations = new Set([
      'POST /v1/auth/demo-token', 'GET /v1/concerts', 'GET /v1/tickets/public-key', 'GET /v1/rooms', 'GET /v1/rooms/{roomId}', 'GET /v1/rooms/{roomId}/audit',
    ]);
    const unsecured: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Json>>)) {
      if (!path.startsWith('/v1/') || path.endsWith('/ws')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!publicOperations.has(name) && !(Array.isArray(operation.security) && operation.security.length > 0)) unsecured.push(name);
      }
    }
    expect(unsecured).toEqual([]);
  });

  it('given GET /docs, then Swagger UI answers', async () => {
    const response = await fetch(`${api.http.baseUrl}/docs`, { redirect: 'follow' });
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/swagger/i);
  });
});
