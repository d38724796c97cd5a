/**
 * Idempotency-Key handling on the three POSTs. The engine stores and replays outcomes; this module only
 * parses the key, fingerprints the request, and marks replayed answers.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyInput, Outcome } from '../domain/engine.js';
import { raise, unwrap } from './errors.js';
import { IDEMPOTENCY_KEY_HEADER } from './schemas.js';

/** 1..255 visible ASCII characters (0x21..0x7E), as the contract says. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** JSON with object keys sorted at every level, so `{a,b}` and `{b,a}` fingerprint the same. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * sha256 of method, route pattern, caller and canonical body: the same key on another endpoint, for
 * another user or with another body is a different request (422 IDEMPOTENCY_KEY_REUSED from the engine).
 */
export function requestHash(method: string, route: string, userId: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${route}\n${userId}\n${canonicalJson(body)}`)
    .digest('hex');
}

/** Parses the header; a malformed or repeated key is 400 VALIDATION_ERROR (details name the header). */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(header)) {
    raise('VALIDATION_ERROR', { header: 'Idempotency-Key', rule: '1..255 visible ASCII characters, sent once' });
  }
  return header;
}

/** The engine's idempotency input for this request, or undefined when no key was sent. */
export function idempotencyOf(request: FastifyRequest): IdempotencyInput | undefined {
  const key = parseIdempotencyKey(request.headers[IDEMPOTENCY_KEY_HEADER]);
  if (key === undefined) return undefined;
  return { key, requestHash: requestHash(request.method, request.routeOptions.url ?? request.url, request.userId, request.body) };
}

/**
 * The outcome's value, or throws its error; either way a replayed outcome carries `Idempotent-Replayed: true`
 * (a stored business 4xx is replayed with the same status and body as a stored 2xx).
 */
export function unwrapOutcome<T>(reply: FastifyReply, outcome: Outcome<T>): T {
  if (outcome.replayed) reply.header(REPLAYED_HEADER, 'true');
  return unwrap(outcome);
}
