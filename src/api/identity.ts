/**
 * Who is calling: HS256 user tokens (JWT, `sub` = userId) verified with @fastify/jwt.
 * Expiry is checked against the engine's clock rather than the OS clock, so tokens and holds live on
 * one timeline and tests can expire a token by advancing a ManualClock.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { raise } from './errors.js';

/** The contract's userId shape; a token whose `sub` does not match is not a user token. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BEARER_PATTERN = /^Bearer +([A-Za-z0-9._~+/=-]+) *$/i;

export interface IssuedUserToken { token: string; expiresAt: string }

declare module 'fastify' {
  interface FastifyInstance {
    /** The userId of a valid, unexpired user token, or null. */
    verifyUserToken(raw: string): string | null;
    /** Mints a user token for `userId` valid for `ttlSeconds` from the engine's now. */
    issueUserToken(userId: string, ttlSeconds: number): IssuedUserToken;
    /** preHandler: sets request.userId or answers 401 UNAUTHENTICATED. */
    authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  }
  interface FastifyRequest {
    /** Set by app.authenticate; empty on routes that do not authenticate. */
    userId: string;
  }
}

interface UserClaims { sub?: unknown; exp?: unknown; nbf?: unknown }

function claimsAreCurrent(claims: UserClaims, nowSeconds: number): boolean {
  // A token without `exp` is accepted: the platform's login issues the tokens and the contract does not
  // require the claim. When present, `exp` and `nbf` are enforced on the engine's clock.
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp <= nowSeconds)) return false;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > nowSeconds)) return false;
  return true;
}

async function identityPlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifyJwt, {
    secret: app.config.authSecret,
    sign: { algorithm: 'HS256' },
    // Only HS256: refuses `alg: none` and algorithm confusion. Time claims are checked below on the engine clock.
    // The cache (fast-jwt's, keyed by the whole token) halves the cost of a repeat verification; exp and
    // nbf are still checked on every request below.
    verify: { algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true, cache: 10_000 },
  });

  const nowSeconds = (): number => Math.floor(app.engine.now() / 1000);

  app.decorate('verifyUserToken', (raw: string): string | null => {
    let claims: UserClaims;
    try {
      claims = app.jwt.verify<UserClaims>(raw);
    } catch {
      return null;
    }
    if (typeof claims !== 'object' || claims === null) return null;
    if (typeof claims.sub !== 'string' || !USER_ID_PATTERN.test(claims.sub)) return null;
    return claimsAreCurrent(claims, nowSeconds()) ? claims.sub : null;
  });

  app.decorate('issueUserToken', (userId: string, ttlSeconds: number): IssuedUserToken => {
    const issuedAtSeconds = nowSeconds();
    const expiresAtSeconds = issuedAtSeconds + ttlSeconds;
    const token = app.jwt.sign({ sub: userId, iat: issuedAtSeconds, exp: expiresAtSeconds });
    return { token, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  });

  app.decorateRequest('userId', '');

  app.decorate('authenticate', async (request: FastifyRequest): Promise<void> => {
    const match = BEARER_PATTERN.exec(request.headers.authorization ?? '');
    const userId = match?.[1] === undefined ? null : app.verifyUserToken(match[1]);
    if (userId === null) raise('UNAUTHENTICATED');
    request.userId = userId;
  });
}

export default fp(identityPlugin, { name: 'identity', fastify: '5.x' });
