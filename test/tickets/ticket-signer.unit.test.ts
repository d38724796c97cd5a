/** Ticket codes: signed, deterministic, verifiable with the public key alone, and nothing else verifies. */
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateTicketSigningKey, parseTicketSigningKey } from '../../src/tickets/signing-key.js';
import { TicketSigner } from '../../src/tickets/ticket-signer.js';

const signer = new TicketSigner(createPrivateKey(generateTicketSigningKey()));
const TICKET = { reservationId: 'res_0193a1b2c3d4AbCdEf-_0123', scheduleId: 'sch_0193a1b2c3d4XyZ_-9876543', seatNumber: 42 };

describe('TicketSigner', () => {
  it('given a ticket, when signed twice, then the code is the same, compact, and verifies back to the ticket', () => {
    const code = signer.sign(TICKET);

    expect(signer.sign(TICKET)).toBe(code);
    expect(code.length).toBeLessThan(200);
    expect(signer.verify(code)).toEqual(TICKET);
  });

  it('given only the published key, when a scanner verifies offline, then the signature holds over the text before its dot', () => {
    const code = signer.sign(TICKET);
    const published = signer.publicTicketKey();
    const key = createPublicKey({ key: published.jwk, format: 'jwk' });
    const dot = code.lastIndexOf('.');

    expect(verify(null, Buffer.from(code.slice(0, dot)), key, Buffer.from(code.slice(dot + 1), 'base64url'))).toBe(true);
    expect(published.keyId).toBe(code.split('.')[1]);
  });

  it('given any change to a code, or a code of another key, then it does not verify', () => {
    const code = signer.sign(TICKET);
    const other = new TicketSigner(generateKeyPairSync('ed25519').privateKey);

    expect(other.verify(code)).toBeNull();
    expect(signer.verify(other.sign(TICKET))).toBeNull();
    fc.assert(fc.property(fc.nat(code.length - 1), fc.constantFrom(...'AZaz09-_.x'), (index, char) => {
      fc.pre(code[index] !== char);
      expect(signer.verify(code.slice(0, index) + char + code.slice(index + 1))).toBeNull();
    }), { numRuns: 300 });
    for (const junk of ['', 'T1', 'T1.a.b.c.d.e', `${code}.`, `${code}=`, code.toLowerCase(), 'x'.repeat(600)]) expect(signer.verify(junk)).toBeNull();
  });

  it('given keys in PEM or base64 DER, then both parse to the same Ed25519 key, and other keys are refused', () => {
    const pem = generateTicketSigningKey();
    const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

    const fromPem = parseTicketSigningKey(pem);
    const fromDer = parseTicketSigningKey(der);

    expect(fromPem.ok && fromDer.ok && new TicketSigner(fromPem.key).keyId === new TicketSigner(fromDer.key).keyId).toBe(true);
    expect(parseTicketSigningKey(rsa)).toMatchObject({ ok: false, reason: expect.stringContaining('Ed25519') });
    expect(parseTicketSigningKey('not a key').ok).toBe(false);
  });
});
