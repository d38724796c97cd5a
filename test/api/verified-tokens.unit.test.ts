import { describe, expect, it } from 'vitest';
import { VerifiedTokens, type VerifiedClaims } from '../../src/api/verified-tokens.js';

/** A verifier that accepts tokens starting with `ok:` and counts how often it is asked. */
function countingVerifier(): { verify: (raw: string) => VerifiedClaims | null; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    verify: (raw) => {
      calls.push(raw);
      return raw.startsWith('ok:') ? { sub: raw.slice(3), exp: 100, nbf: undefined } : null;
    },
  };
}

describe('VerifiedTokens', () => {
  it('given a token verified once, when it is presented again, then its claims come back without a second check', () => {
    const verifier = countingVerifier();
    const tokens = new VerifiedTokens(verifier.verify);

    expect(tokens.claims('ok:alice')).toEqual({ sub: 'alice', exp: 100, nbf: undefined });
    expect(tokens.claims('ok:alice')).toEqual({ sub: 'alice', exp: 100, nbf: undefined });

    expect(verifier.calls).toEqual(['ok:alice']);
  });

  it('given a refused token, then it is checked again on every presentation (refusals are not remembered)', () => {
    const verifier = countingVerifier();
    const tokens = new VerifiedTokens(verifier.verify);

    expect(tokens.claims('forged')).toBeNull();
    expect(tokens.claims('forged')).toBeNull();

    expect(verifier.calls).toEqual(['forged', 'forged']);
    expect(tokens.size).toBe(0);
  });

  it('given a full cache, when a new token is verified, then the oldest entry leaves and the bound holds', () => {
    const verifier = countingVerifier();
    const tokens = new VerifiedTokens(verifier.verify, 2);
    tokens.claims('ok:a');
    tokens.claims('ok:b');

    tokens.claims('ok:c');

    expect(tokens.size).toBe(2);
    tokens.claims('ok:b');
    tokens.claims('ok:c');
    expect(verifier.calls).toEqual(['ok:a', 'ok:b', 'ok:c']);
    tokens.claims('ok:a');
    expect(verifier.calls).toEqual(['ok:a', 'ok:b', 'ok:c', 'ok:a']);
  });

  it('given a forgotten token, then the next presentation checks its signature again', () => {
    const verifier = countingVerifier();
    const tokens = new VerifiedTokens(verifier.verify);
    tokens.claims('ok:alice');

    tokens.forget('ok:alice');
    tokens.claims('ok:alice');

    expect(verifier.calls).toEqual(['ok:alice', 'ok:alice']);
  });
});
