/**
 * User tokens signed here with the server's AUTH_SECRET, independently of the server's signer, as the
 * platform's login would (production mode has no demo-token endpoint).
 */
import { createHmac } from 'node:crypto';

export function signHs256(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A token for `userId` valid for a day from `nowMs`. */
export function userToken(userId: string, secret: string, nowMs: number = Date.now()): string {
  const nowSeconds = Math.floor(nowMs / 1000);
  return signHs256({ sub: userId, iat: nowSeconds, exp: nowSeconds + 86_400 }, secret);
}
