/**
 * The engine's Ed25519 ticket-signing key: TICKET_SIGNING_KEY as a PKCS8 PEM or the base64 of its DER
 * (one line, easier in an environment file), or generated once per data directory outside production.
 * Kept as a PKCS8 PEM string in the configuration; the signer turns it into a KeyObject.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The key as a KeyObject, or an explanation of why the value is not an Ed25519 private key. */
export function parseTicketSigningKey(value: string): { ok: true; key: KeyObject } | { ok: false; reason: string } {
  const text = value.trim();
  let key: KeyObject;
  try {
    if (text.includes('-----BEGIN')) key = createPrivateKey({ key: text, format: 'pem' });
    else if (BASE64_PATTERN.test(text)) key = createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
    else return { ok: false, reason: 'must be a PKCS8 PEM or the base64 of a PKCS8 DER Ed25519 private key' };
  } catch {
    return { ok: false, reason: 'is not a readable PKCS8 private key (PEM, or base64 of the DER)' };
  }
  if (key.asymmetricKeyType !== 'ed25519') return { ok: false, reason: `must be an Ed25519 key, got ${key.asymmetricKeyType ?? 'unknown'}` };
  return { ok: true, key };
}

/** The key in the form the configuration keeps: a PKCS8 PEM. */
export function toPkcs8Pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function generateTicketSigningKey(): string {
  return toPkcs8Pem(generateKeyPairSync('ed25519').privateKey);
}
