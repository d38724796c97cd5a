/**
 * A fan's signed receipt of their place in a pre-queue: proof, checkable offline with the room's public
 * key, that at the opening the room put this entrant at this place under this commitment and this entrant
 * list. A room that later admits in another order, or changes the list or the seed, contradicts receipts it
 * signed.
 *
 *   R1.<base64url of the payload>.<base64url of the Ed25519 signature over the payload's bytes>
 *
 * The payload is the canonical JSON of { v, roomId, entrantId, place, commitment, entrantsDigest, joinedAtMs }:
 * those keys in that order, no spaces (JSON.stringify of an object built in that order).
 */
import { sign, verify, type KeyObject } from 'node:crypto';

export interface ReceiptFields {
  roomId: string;
  entrantId: string;
  /** 1-based place in the pre-queue's order. */
  place: number;
  commitment: string;
  entrantsDigest: string;
  joinedAtMs: number;
}

export type ReceiptParse = { ok: true; receipt: ReceiptFields } | { ok: false; problem: string };

const VERSION = 'R1';
/** Longer than any receipt this code makes (ids up to 128 characters); longer input is not parsed at all. */
export const MAX_RECEIPT_LENGTH = 1_024;
const HEX_64 = /^[0-9a-f]{64}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function payloadOf(fields: ReceiptFields): Buffer {
  const { roomId, entrantId, place, commitment, entrantsDigest, joinedAtMs } = fields;
  return Buffer.from(JSON.stringify({ v: 1, roomId, entrantId, place, commitment, entrantsDigest, joinedAtMs }), 'utf8');
}

export function signReceipt(fields: ReceiptFields, privateKey: KeyObject): string {
  const payload = payloadOf(fields);
  return `${VERSION}.${payload.toString('base64url')}.${sign(null, payload, privateKey).toString('base64url')}`;
}

/** Parses and verifies a receipt; garbage of any kind is a problem named, never an exception. */
export function verifyReceipt(text: unknown, publicKey: KeyObject): ReceiptParse {
  if (typeof text !== 'string' || text.length > MAX_RECEIPT_LENGTH) return { ok: false, problem: 'not a receipt (not text, or too long)' };
  const parts = text.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, problem: 'not an R1 receipt' };
  const [, encoded = '', signature = ''] = parts;
  if (!BASE64URL.test(encoded) || !BASE64URL.test(signature)) return { ok: false, problem: 'not base64url' };
  const payload = Buffer.from(encoded, 'base64url');
  let valid: boolean;
  try {
    valid = verify(null, payload, publicKey, Buffer.from(signature, 'base64url'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, problem: 'the signature does not verify with the room key' };
  let body: unknown;
  try {
    body = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, problem: 'the payload is not JSON' };
  }
  const fields = body as Partial<ReceiptFields> & { v?: unknown };
  const { roomId, entrantId, place, commitment, entrantsDigest, joinedAtMs } = fields;
  if (fields.v !== 1 || typeof roomId !== 'string' || typeof entrantId !== 'string' || !Number.isSafeInteger(place) || (place as number) < 1
    || typeof commitment !== 'string' || !HEX_64.test(commitment) || typeof entrantsDigest !== 'string' || !HEX_64.test(entrantsDigest)
    || !Number.isSafeInteger(joinedAtMs)) {
    return { ok: false, problem: 'the payload lacks a field or has one of the wrong kind' };
  }
  return { ok: true, receipt: { roomId, entrantId, place: place as number, commitment, entrantsDigest, joinedAtMs: joinedAtMs as number } };
}
