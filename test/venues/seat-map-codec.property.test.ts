import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDelta, decodeDelta, decodeSnapshot, encodeDelta, encodeSnapshot } from '../../src/venues/seat-map-codec.js';
import type { SeatStatusCode } from '../../src/venues/seat-status.js';

const statusArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 300 }).map((a) => Uint8Array.from(a));

describe('seat-map codec', () => {
  it('a snapshot round-trips any status array', () => {
    fc.assert(fc.property(statusArb, fc.integer({ min: 1, max: 9 }), (status, version) => {
      const decoded = decodeSnapshot(JSON.parse(JSON.stringify(encodeSnapshot(version, status))), version);
      expect(decoded).toEqual({ ok: true, value: status });
    }));
  });

  it('80,000 seats snapshot to 20,000 bytes: 26,668 base64 characters', () => {
    const status = new Uint8Array(80_000).map((_, i) => i % 4);
    const snapshot = encodeSnapshot(1, status);
    expect(snapshot.statusBase64.length).toBe(26_668);
    expect(JSON.stringify(snapshot).length).toBeLessThan(26_750);
  });

  it('refuses a snapshot of another layout version or a truncated one', () => {
    const snapshot = encodeSnapshot(2, new Uint8Array(10));
    expect(decodeSnapshot(snapshot, 3).ok).toBe(false);
    expect(decodeSnapshot({ ...snapshot, seatCount: 20 }, 2).ok).toBe(false);
  });

  it('deltas round-trip and, applied to the old map, give the new one', () => {
    fc.assert(fc.property(statusArb.filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.array(fc.tuple(fc.integer({ min: 0, max: s.length - 1 }), fc.integer({ min: 0, max: 3 }))))), ([status, changes]) => {
      const typed = changes as Array<[number, SeatStatusCode]>;
      const decoded = decodeDelta(JSON.parse(JSON.stringify(encodeDelta(typed))), status.length);
      expect(decoded).toEqual({ ok: true, value: typed });
      const expected = status.slice();
      for (const [i, v] of typed) expected[i] = v;
      const page = status.slice();
      if (decoded.ok) applyDelta(page, decoded.value);
      expect(page).toEqual(expected);
    }));
  });

  it('refuses a delta with an odd length, an index out of range or a status above 3', () => {
    expect(decodeDelta([1], 10).ok).toBe(false);
    expect(decodeDelta([10, 0], 10).ok).toBe(false);
    expect(decodeDelta([1, 4], 10).ok).toBe(false);
    expect(decodeDelta('x', 10).ok).toBe(false);
  });
});
