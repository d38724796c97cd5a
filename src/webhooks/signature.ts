/**
 * Webhook signatures in the Standard Webhooks scheme (standardwebhooks.com, as Svix and others send them):
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${id}.${timestamp}.${body}`, keyed with the endpoint's secret (`whsec_` + base64 bytes). The id lets a
 * receiver drop a delivery it already took; the signed timestamp lets it refuse an old one replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_TOLERANCE_SECONDS = 300;

function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

export function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signature(secret, id, timestampSeconds, body) };
}

export type VerifyProblem = 'MISSING_HEADERS' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'BAD_SIGNATURE';

/**
 * What a receiver does: null when the delivery is genuine and fresh. The signature header may list several
 * space-separated signatures (secret rotation); one matching is enough.
 */
export function verifySignature(
  secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowSeconds: number,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): VerifyProblem | null {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return 'MISSING_HEADERS';
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds) || Math.abs(nowSeconds - seconds) > toleranceSeconds) return 'TIMESTAMP_OUT_OF_TOLERANCE';
  const expected = Buffer.from(signature(secret, id, seconds, body));
  for (const candidate of signatures.split(' ')) {
    const given = Buffer.from(candidate);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'BAD_SIGNATURE';
}
