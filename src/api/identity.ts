/**
 * Who is calling: HS256 user tokens (JWT, `sub` = userId) verified with @fastify/jwt.
 * Expiry is checked against the engine's clock rather than the OS clock, so tokens and holds live on
 * one timeline and tests can expire a token by advancing a ManualClock.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fp from 'fastify-plugin';
import { apiError } from './errors.js';
import { VerifiedTokens, type VerifiedClaims } from './verified-tokens.js';

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
    /** onRequest hook: sets request.userId or answers 401 UNAUTHENTICATED. */
    authenticate(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void;
  }
  interface FastifyRequest {
    /** Set by app.authenticate; empty on routes that do not authenticate. */
    userId: string;
  }
}

interface UserClaims { sub?: unknown; exp?: unknown; nbf?: unknown }

/** The claims of a signed token when they have the shapes we accept (a user id, numeric time claims), else null. */
function acceptedClaims(claims: unknown): VerifiedClaims | null {
  if (typeof claims !== 'object' || claims === null) return null;
  const { sub, exp, nbf } = claims as UserClaims;
  if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) return null;
  if (exp !== undefined && typeof exp !== 'number') return null;
  if (nbf !== undefined && typeof nbf !== 'number') return null;
  return { sub, exp, nbf };
}

// A token without `exp` is accepted: the platform's login issues the tokens and the contract does not
// require the claim. When present, `exp` and `nbf` are enforced on the engine's clock.
function hasExpired(claims: VerifiedClaims, nowSeconds: number): boolean {
  return claims.exp !== undefined && claims.exp <= nowSeconds;
}

function isNotYetValid(claims: VerifiedClaims, nowSeconds: number): boolean {
  return claims.nbf !== undefined && claims.nbf > nowSeconds;
}

async function identityPlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifyJwt, {
    secret: app.config.authSecret,
    sign: { algorithm: 'HS256' },
    // Only HS256: refuses `alg: none` and algorithm confusion. Time claims are checked below on the engine clock.
    // No fast-jwt cache: VerifiedTokens remembers signatures more cheaply (see there).
    verify: { algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true },
  });

  const nowSeconds = (): number => Math.floor(app.engine.now() / 1000);
  const verified = new VerifiedTokens((raw) => {
    try {
      return acceptedClaims(app.jwt.verify<UserClaims>(raw));
    } catch {
      return null;
    }
  });

  app.decorate('verifyUserToken', (raw: string): string | null => {
    const claims = verified.claims(raw);
    if (claims === null) return null;
    const now = nowSeconds();
    if (hasExpired(claims, now)) {
      verified.forget(raw);
      return null;
    }
    return isNotYetValid(claims, now) ? null : claims.sub;
  });

  app.decorate('issueUserToken', (userId: string, ttlSeconds: number): IssuedUserToken => {
    const issuedAtSeconds = nowSeconds();
    const expiresAtSeconds = issuedAtSeconds + ttlSeconds;
    const token = app.jwt.sign({ sub: userId, iat: issuedAtSeconds, exp: expiresAtSeconds });
    return { token, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  });

  app.decorateRequest('userId', '');

  // Callback style: runs on every authenticated request, and an async hook costs a promise each time.
  app.decorate('authenticate', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const match = BEARER_PATTERN.exec(request.headers.authorization ?? '');
    const userId = match?.[1] === undefined ? null : app.verifyUserToken(match[1]);
    if (userId === null) {
      done(apiError('UNAUTHENTICATED'));
      return;
    }
    request.userId = userId;
    done();
  });
}

export default fp(identityPlugin, { name: 'identity', fastify: '5.x' });
