import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outlookFor, UNLIKELY_FANS_PER_SEAT } from '../../src/machines/odds.js';

describe('honest odds', () => {
  it('given 50 seats left, then 49 fans ahead is LIKELY, 50 to 149 UNCERTAIN, 150 and more UNLIKELY; no seat or sold out is SOLD_OUT', () => {
    expect(outlookFor(0, 50, false)).toBe('LIKELY');
    expect(outlookFor(49, 50, false)).toBe('LIKELY');
    expect(outlookFor(50, 50, false)).toBe('UNCERTAIN');
    expect(outlookFor(149, 50, false)).toBe('UNCERTAIN');
    expect(outlookFor(150, 50, false)).toBe('UNLIKELY');
    expect(outlookFor(100_000, 50, false)).toBe('UNLIKELY');
    expect(outlookFor(0, 0, false)).toBe('SOLD_OUT');
    expect(outlookFor(0, 50, true)).toBe('SOLD_OUT');
  });

  it('property: more fans ahead never makes the outlook better, more seats never makes it worse', () => {
    const rank = { LIKELY: 0, UNCERTAIN: 1, UNLIKELY: 2, SOLD_OUT: 3 } as const;
    fc.assert(fc.property(fc.nat(10_000), fc.nat(10_000), fc.nat(500), fc.nat(500), (ahead, more, seats, moreSeats) => {
      expect(rank[outlookFor(ahead + more, seats, false)]).toBeGreaterThanOrEqual(rank[outlookFor(ahead, seats, false)]);
      expect(rank[outlookFor(ahead, seats + moreSeats, false)]).toBeLessThanOrEqual(rank[outlookFor(ahead, seats, false)]);
      // UNLIKELY means the seats left cannot reach this fan even if only one in UNLIKELY_FANS_PER_SEAT ahead buys one seat.
      if (outlookFor(ahead, seats, false) === 'UNLIKELY') expect(Math.floor(ahead / UNLIKELY_FANS_PER_SEAT)).toBeGreaterThanOrEqual(seats);
    }));
  });
});
