import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/api/errors.js';
import { canonicalJson, parseIdempotencyKey, requestHash } from '../../src/api/idempotency.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof ApiError ? error.domainError.code : 'not an ApiError';
  }
}

describe('canonicalJson', () => {
  it('given objects with the same fields in another order, then both serialise the same', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } }))
      .toBe(canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });

  it('given arrays in another order, then they differ (order is meaning)', () => {
    expect(canonicalJson({ seatNumbers: [1, 2] })).not.toBe(canonicalJson({ seatNumbers: [2, 1] }));
  });

  it('given an absent body, then it is null', () => {
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('requestHash', () => {
  const body = { reservationId: 'r1' };
  const base = requestHash('POST', '/v1/payments', 'alice', body);

  it('given the same request, then the same hash', () => {
    expect(requestHash('post', '/v1/payments', 'alice', { reservationId: 'r1' })).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ['another method', requestHash('PUT', '/v1/payments', 'alice', body)],
    ['another route', requestHash('POST', '/v1/reservations', 'alice', body)],
    ['another user', requestHash('POST', '/v1/payments', 'bob', body)],
    ['another body', requestHash('POST', '/v1/payments', 'alice', { reservationId: 'r2' })],
  ])('given %s, then another hash', (_name, other) => {
    expect(other).not.toBe(base);
  });
});

describe('parseIdempotencyKey', () => {
  it('given no header, then no key', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
  });

  it.each(['a', 'order-42:retry', '~'.repeat(255), '!"#$%&()*+,-./0189:;<=>?@AZ[\\]^_`az{|}~'])(
    'given the visible-ASCII key %s, then it is accepted', (key) => {
      expect(parseIdempotencyKey(key)).toBe(key);
    },
  );

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['with a space', 'two words'],
    ['with a control character', 'tab\there'],
    ['non-ASCII', 'clé'],
    ['sent twice', ['a', 'b']],
  ])('given a key %s, then 400 VALIDATION_ERROR', (_name, header) => {
    expect(codeOf(() => parseIdempotencyKey(header))).toBe('VALIDATION_ERROR');
  });
});
