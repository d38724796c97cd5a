/**
 * Ticket codes: one per confirmed seat, signed with the engine's Ed25519 key, short enough for a QR code
 * (about 170 characters) and readable by eye:
 *
 *   T1.<keyId>.<reservationId>.<scheduleId>.<seatNumber>.<signature>
 *
 * The signature (base64url, 64 bytes) covers everything before its dot, as UTF-8. Ed25519 signatures are
 * deterministic, so a ticket's code is the same whenever it is shown and nothing needs storing. A scanner
 * verifies a code offline with the published public key; keyId names the key, so a rotated key's codes
 * are told apart from forged ones.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { TicketRef } from '../domain/tickets.js';

const VERSION = 'T1';
const SIGNATURE_BYTES = 64;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const SEAT_PATTERN = /^[1-9][0-9]{0,5}$/;
/** Longer than any code this signer makes; a longer input is not parsed at all. */
export const MAX_TICKET_CODE_LENGTH = 512;

export interface PublicTicketKey {
  algorithm: 'Ed25519';
  keyId: string;
  /** RFC 8037 JSON Web Key of the public key. */
  jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string; kid: string; use: 'sig'; alg: 'EdDSA' };
  /** The public key as base64 of its SubjectPublicKeyInfo DER (what node:crypto and OpenSSL read). */
  spki: string;
  codeFormat: string;
}

export class TicketSigner {
  readonly keyId: string;
  private readonly publicKey: KeyObject;
  private readonly published: PublicTicketKey;

  constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    const jwk = this.publicKey.export({ format: 'jwk' });
    const x = String(jwk.x);
    this.keyId = createHash('sha256').update(Buffer.from(x, 'base64url')).digest('base64url').slice(0, 8);
    this.published = {
      algorithm: 'Ed25519',
      keyId: this.keyId,
      jwk: { kty: 'OKP', crv: 'Ed25519', x, kid: this.keyId, use: 'sig', alg: 'EdDSA' },
      spki: this.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
      codeFormat: `${VERSION}.<keyId>.<reservationId>.<scheduleId>.<seatNumber>.<signature>; the signature is base64url Ed25519 over the UTF-8 text before its dot`,
    };
  }

  publicTicketKey(): PublicTicketKey {
    return this.published;
  }

  sign(ticket: TicketRef): string {
    const payload = `${VERSION}.${this.keyId}.${ticket.reservationId}.${ticket.scheduleId}.${ticket.seatNumber}`;
    return `${payload}.${sign(null, Buffer.from(payload, 'utf8'), this.privateKey).toString('base64url')}`;
  }

  /** The ticket a code names when this key signed it; null for anything else (malformed, other key, forged). */
  verify(code: string): TicketRef | null {
    if (code.length > MAX_TICKET_CODE_LENGTH) return null;
    const parts = code.split('.');
    if (parts.length !== 6) return null;
    const [version, keyId, reservationId, scheduleId, seat, signature] = parts as [string, string, string, string, string, string];
    if (version !== VERSION || keyId !== this.keyId) return null;
    if (!ID_PATTERN.test(reservationId) || !ID_PATTERN.test(scheduleId) || !SEAT_PATTERN.test(seat)) return null;
    const signatureBytes = Buffer.from(signature, 'base64url');
    if (signatureBytes.length !== SIGNATURE_BYTES || signatureBytes.toString('base64url') !== signature) return null;
    const payload = code.slice(0, code.length - signature.length - 1);
    if (!verify(null, Buffer.from(payload, 'utf8'), this.publicKey, signatureBytes)) return null;
    return { reservationId, scheduleId, seatNumber: Number(seat) };
  }
}
