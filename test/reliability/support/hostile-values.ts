/**
 * Bad values by kind, as fast-check arbitraries: every value drawn here is invalid where it is used,
 * so a request carrying one must be refused with a 4xx whatever else it carries.
 */
import fc from 'fast-check';
import { signHs256 } from './tokens.js';

export type BadBody = { json: unknown } | { raw: string; contentType: string };

const DEEP = 4_000;
const ONE_MEGABYTE = 1_048_576;

/** Strings from the whole of Unicode, control characters and lone surrogates included. */
export const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '..', '../../etc/passwd', '%00', '\u0000', '\ud800', '😀', 'ｍｅ', 'null', 'undefined', '<script>', "' OR 1=1 --"),
);

export const longText = fc.integer({ min: 129, max: 5_000 }).map((n) => 'x'.repeat(n));

/** Numbers that are never valid money: zero, negative, fractional, too large, not finite, not numbers. */
export const badMoney = fc.oneof(
  fc.constantFrom(0, -1, -0.0001, 0.5, 100.25, 1_000_001, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_VALUE),
  fc.integer({ max: 0 }),
  fc.integer({ min: 1_000_001 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
);
export const notANumber = fc.oneof(fc.constantFrom(null, true, false, [], {}, '100', '1e3', ' 5', 'NaN'), anyText);

/** JSON values that are not objects. */
export const notAnObject = fc.oneof(fc.constantFrom(null, 0, -1, true, 'text', [], [1, 2]), fc.array(fc.integer(), { maxLength: 5 }));

export const genericBadBodies: fc.Arbitrary<BadBody> = fc.oneof(
  notAnObject.map((json) => ({ json })),
  fc.constantFrom<BadBody>(
    { raw: '{', contentType: 'application/json' },
    { raw: '{"amount":', contentType: 'application/json' },
    { raw: 'nul', contentType: 'application/json' },
    { raw: '{"a":1,}', contentType: 'application/json' },
    { raw: '\u0000', contentType: 'application/json' },
    { raw: '', contentType: 'application/json' },
    { raw: '{"amount":1e400}', contentType: 'application/json' },
    { raw: '{"amount":100}', contentType: 'text/plain' },
    { raw: 'amount=100', contentType: 'application/x-www-form-urlencoded' },
    { raw: '{"amount":100}', contentType: 'application/xml' },
    { raw: '{"__proto__":{"admin":true},"amount":-1}', contentType: 'application/json' },
    { raw: '{"constructor":{"prototype":{"admin":true}}}', contentType: 'application/json' },
    { raw: `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`, contentType: 'application/json' },
    { raw: `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`, contentType: 'application/json' },
    { raw: JSON.stringify({ padding: 'x'.repeat(ONE_MEGABYTE) }), contentType: 'application/json' },
    { raw: JSON.stringify(Array.from({ length: 60_000 }, (_, i) => i)), contentType: 'application/json' },
  ),
);

/** Authorization headers that never identify a user (undefined = no header). */
export function badAuthorizations(secret: string, nowMs: number): fc.Arbitrary<string | undefined> {
  const nowSeconds = Math.floor(nowMs / 1000);
  const forged = signHs256({ sub: 'alice', exp: nowSeconds + 3_600 }, `${secret}-not-the-secret`);
  const valid = signHs256({ sub: 'alice', exp: nowSeconds + 3_600 }, secret);
  const [head, payload] = valid.split('.');
  return fc.oneof(
    fc.constantFrom<string | undefined>(
      undefined, '', 'Bearer', 'Bearer ', `Basic ${Buffer.from('alice:pw').toString('base64')}`, `Token ${valid}`,
      `Bearer ${forged}`,
      `Bearer ${signHs256({ sub: 'alice', exp: nowSeconds - 1 }, secret)}`,
      `Bearer ${signHs256({ sub: 'alice', nbf: nowSeconds + 600 }, secret)}`,
      `Bearer ${signHs256({ sub: 'alice', exp: 'never' }, secret)}`,
      `Bearer ${signHs256({ sub: '../bob', exp: nowSeconds + 60 }, secret)}`,
      `Bearer ${signHs256({ sub: 'x'.repeat(65) }, secret)}`,
      `Bearer ${signHs256({ sub: 42 }, secret)}`,
      `Bearer ${signHs256({ exp: nowSeconds + 60 }, secret)}`,
      `Bearer ${signHs256({ sub: 'alice' }, secret, { alg: 'none', typ: 'JWT' })}`,
      `Bearer ${head}.${payload}.`,
      `Bearer ${head}.${payload}`,
      `Bearer ${signHs256({ sub: 'alice' }, secret, { alg: 'HS512', typ: 'JWT' })}`,
      `Bearer ${valid}x`,
      `Bearer ${valid.slice(0, -2)}`,
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map((junk) => `Bearer ${junk.replace(/[\r\n]/g, '')}`),
  );
}

/** Header-safe (latin-1, no CR/LF) strings that are not valid Idempotency-Keys. */
export const badIdempotencyKeys = fc.oneof(
  fc.constantFrom('', ' ', 'has space', 'tab\there', 'café', '\u00ff', 'k'.repeat(256), 'k'.repeat(10_000)),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 20 }),
);
