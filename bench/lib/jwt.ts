/**
 * User tokens as the platform's login would issue them: HS256 JWTs whose `sub` is the userId, signed
 * with AUTH_SECRET. Signed here with node:crypto so the load generator needs no demo-token endpoint
 * (which production disables).
 */
import { createHmac } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
const DAY_SECONDS = 86_400;

export function signUserToken(userId: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const payload = Buffer.from(JSON.stringify({ sub: userId, iat: nowSeconds, exp: nowSeconds + DAY_SECONDS })).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}
