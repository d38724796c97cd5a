/**
 * docs/API.md is the project's own API reference. These tests fail when it drifts from the app: a route
 * the app registers that the reference or /openapi.json leaves out, a route either of them names that
 * the app does not register, an error code of the closed set or a WebSocket close code it does not
 * list, or a configuration variable it does not document (or documents but the app never reads).
 */
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_CLOSE } from '../../src/api/ws-connection.js';
import { loadConfig } from '../../src/config.js';
import { ERROR_CODES, statusOf, type ErrorCode } from '../../src/domain/error-codes.js';
import { buildTestApp, TEST_ADMIN_KEY, TEST_AUTH_SECRET, TEST_TICKET_SIGNING_KEY, type TestApp } from '../helpers/build-test-app.js';

const REFERENCE_FILE = fileURLToPath(new URL('../../docs/API.md', import.meta.url));

/**
 * Routes the app registers that are not API operations, so neither docs/API.md nor /openapi.json
 * describes them as such. Anything else the app registers must be in both.
 */
const NOT_API_ROUTES: ReadonlyArray<{ route: string | RegExp; reason: string }> = [
  { route: 'GET /', reason: 'the booking page (src/api/web.ts), or its "not built" 404 when dist/web is missing' },
  { route: 'GET /index.html', reason: 'a static file of the booking page (dist/web)' },
  { route: 'GET /app.js', reason: 'a static file of the booking page (dist/web)' },
  { route: 'GET /app.js.map', reason: 'a static file of the booking page (dist/web)' },
  { route: 'GET /styles.css', reason: 'a static file of the booking page (dist/web)' },
  { route: 'GET /styles.css.map', reason: 'a static file of the booking page (dist/web)' },
  {
    route: /^(GET|HEAD) \/docs\/.*$/,
    reason: "Swagger UI's own files (page, scripts, styles; a HEAD-only /docs/ redirect) and its copies of the document (/docs/json, /docs/yaml)",
  },
];

/** Documented in docs/API.md, but not operations of the OpenAPI document: the documentation itself. */
const NOT_IN_OPENAPI: ReadonlyArray<{ route: string; reason: string }> = [
  { route: 'GET /docs', reason: 'Swagger UI, the viewer of /openapi.json' },
  { route: 'GET /openapi.json', reason: 'the OpenAPI document itself (hidden from itself)' },
];

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
/** A route as the reference writes it in a heading or the overview table: `` `POST /v1/reservations` ``. */
const ROUTE_IN_BACKTICKS = new RegExp(`\`(${HTTP_METHODS.join('|')}) (/[^\`\\s]*)\``, 'g');

interface RegisteredRoute { method: string; url: string }

let t: TestApp;
let reference: string;
let openApi: { info: { description?: string }; paths: Record<string, Record<string, unknown>> };
const registered: RegisteredRoute[] = [];

beforeAll(async () => {
  reference = readFileSync(REFERENCE_FILE, 'utf8');
  // Every Fastify instance announces itself on this channel before any plugin runs, so the hook sees
  // every route the app registers, in every plugin, exactly as @fastify/swagger does.
  const collect = (message: unknown): void => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (route: RouteOptions) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) registered.push({ method: method.toUpperCase(), url: route.url });
    });
  };
  diagnostics.subscribe('fastify.initialization', collect);
  try {
    t = await buildTestApp();
  } finally {
    diagnostics.unsubscribe('fastify.initialization', collect);
  }
  const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  openApi = response.json();
});

afterAll(async () => {
  await t?.close();
});

/** Fastify's `/a/:id` in the reference's and OpenAPI's spelling, `/a/{id}`. */
function asDocumented(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function isNotApi(route: string): boolean {
  return NOT_API_ROUTES.some(({ route: rule }) => (typeof rule === 'string' ? rule === route : rule.test(route)));
}

/** Every route the app answers, as `METHOD /path`; a HEAD that Fastify adds beside a GET is the GET. */
function registeredRoutes(): Set<string> {
  const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
  const routes = registered
    .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)))
    .map((r) => `${r.method} ${asDocumented(r.url)}`);
  return new Set(routes);
}

function apiRoutes(): Set<string> {
  return new Set([...registeredRoutes()].filter((route) => !isNotApi(route)));
}

/** Lines of one `## title` section of the reference (up to the next `## `). */
function section(title: string): string[] {
  const lines = reference.split('\n');
  const start = lines.findIndex((line) => line.trim() === `## ${title}`);
  if (start === -1) throw new Error(`docs/API.md has no "## ${title}" section`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  return lines.slice(start + 1, end === -1 ? undefined : end);
}

function routesIn(lines: string[]): Set<string> {
  const routes = new Set<string>();
  for (const line of lines) for (const match of line.matchAll(ROUTE_IN_BACKTICKS)) routes.add(`${match[1]} ${match[2]}`);
  return routes;
}

/** The routes the reference describes: one `### \`METHOD /path\`` heading each. */
function documentedRoutes(): Set<string> {
  return routesIn(reference.split('\n').filter((line) => /^#{3,4} /.test(line)));
}

/** The first backticked cell of each row of a table in `lines`, with the row's other cells. */
function tableRows(lines: string[]): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of lines) {
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const key = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    if (key !== undefined) rows.set(key, cells.slice(1));
  }
  return rows;
}

function openApiRoutes(): Set<string> {
  const routes = new Set<string>();
  for (const [path, item] of Object.entries(openApi.paths)) {
    for (const method of Object.keys(item)) {
      const upper = method.toUpperCase();
      if ((HTTP_METHODS as readonly string[]).includes(upper)) routes.add(`${upper} ${path}`);
    }
  }
  return routes;
}

function difference(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((item) => !b.has(item)).sort();
}

describe('docs/API.md and /openapi.json against the routes the app registers', () => {
  it('given the app, then it registers the API routes and the documentation routes', () => {
    const routes = registeredRoutes();
    expect(routes.has('POST /v1/reservations')).toBe(true);
    expect(routes.has('GET /v1/queue/ws')).toBe(true);
    expect(routes.has('GET /openapi.json')).toBe(true);
    expect(routes.has('GET /docs')).toBe(true);
  });

  it('given every API route the app registers, then docs/API.md has a heading for it', () => {
    expect(difference(apiRoutes(), documentedRoutes())).toEqual([]);
  });

  it('given every route docs/API.md describes, then the app registers it', () => {
    expect(difference(documentedRoutes(), apiRoutes())).toEqual([]);
  });

  it('given the overview table of docs/API.md, then it lists exactly the routes the reference describes', () => {
    expect([...routesIn(section('Routes at a glance'))].sort()).toEqual([...documentedRoutes()].sort());
  });

  it('given every API route the app registers, then /openapi.json has it (the documentation routes aside)', () => {
    const expected = new Set([...apiRoutes()].filter((route) => !NOT_IN_OPENAPI.some((entry) => entry.route === route)));
    expect(difference(expected, openApiRoutes())).toEqual([]);
  });

  it('given every operation /openapi.json names, then the app registers it as an API route', () => {
    expect(difference(openApiRoutes(), apiRoutes())).toEqual([]);
  });

  it('given /openapi.json, then its description points readers to docs/API.md', () => {
    expect(openApi.info.description).toContain('docs/API.md');
  });
});

describe('docs/API.md against the closed sets of the code', () => {
  it('given the closed set of error codes, then the error table lists each with its status and nothing else', () => {
    const rows = tableRows(section('Error codes'));
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];
    expect([...rows.keys()].sort()).toEqual([...codes].sort());
    const wrongStatus = codes.filter((code) => rows.get(code)?.[0] !== String(statusOf(code)));
    expect(wrongStatus).toEqual([]);
  });

  it('given the WebSocket close codes, then the close-code table lists each code with its reason', () => {
    const lines = section('WebSocket close codes');
    const missing = Object.values(WS_CLOSE)
      .filter(({ code, reason }) => !lines.some((line) => line.includes(`| ${code} |`) && line.includes(reason)))
      .map(({ code, reason }) => `${code} ${reason}`);
    expect(missing).toEqual([]);
  });

  it('given every environment variable the configuration reads, then the configuration table documents it, and only those', () => {
    const read = new Set<string>();
    const base: Record<string, string> = {
      NODE_ENV: 'test', AUTH_SECRET: TEST_AUTH_SECRET, ADMIN_KEY: TEST_ADMIN_KEY, TICKET_SIGNING_KEY: TEST_TICKET_SIGNING_KEY, DB_PATH: ':memory:',
    };
    const reading = (values: Record<string, string>): Record<string, string> => new Proxy(values, {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return typeof name === 'string' ? target[name] : undefined;
      },
    });
    loadConfig(reading(base));
    // Cluster mode reads its own variables only once NATS_URL is set.
    loadConfig(reading({ ...base, NATS_URL: 'nats://127.0.0.1:4222' }));
    const documented = new Set(tableRows(section('Configuration')).keys());
    // A new variable needs a row in the Configuration table of docs/API.md (and the README's, if users set it).
    expect(difference(read, documented)).toEqual([]);
    expect(difference(documented, read)).toEqual([]);
  });
});
