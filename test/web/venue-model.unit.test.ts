/**
 * The page's copy of a venue (src/web/venue-model.ts): it decodes exactly what the engine's codec encodes,
 * numbers seats as the engine does, and follows deltas by the same version rules as the numbered map.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStatus, VenueModel } from '../../src/web/venue-model.js';
import { encodeSnapshot } from '../../src/venues/seat-map-codec.js';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';

function arena(): VenueModel {
  return new VenueModel({ scheduleId: 'sch_1', layoutId: 'lay_1', seatCount: 55_000, layout: demoArenaLayout(), areas: [] });
}

describe('VenueModel (the page copy of a venue schedule)', () => {
  it('given any status array, then the browser decoding of the engine encoding gives it back', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 300 }), (codes) => {
      const status = Uint8Array.from(codes);
      expect(decodeStatus(encodeSnapshot(1, status).statusBase64, status.length)).toEqual(status);
    }));
    expect(decodeStatus('not base64!', 4)).toBeNull();
    expect(decodeStatus(encodeSnapshot(1, new Uint8Array(8)).statusBase64, 20)).toBeNull();
  });

  it('given the arena, then it numbers seats as the engine does and counts free seats per section and area', () => {
    const model = arena();
    const status = new Uint8Array(55_000);
    status[19 * 50 + 24] = SEAT_STATUS.BLOCKED;
    status[19 * 50 + 25] = SEAT_STATUS.BLOCKED;
    status[8 * 2_500 + 23] = SEAT_STATUS.TAKEN;
    status[50_000] = SEAT_STATUS.TAKEN;
    expect(model.applyCompact(4, 55_000, encodeSnapshot(1, status).statusBase64)).toBe(true);
    expect(model.plan.place(8 * 2_500 + 24).label).toBe('S9-1-24');
    expect(model.sections()[8]).toMatchObject({ id: 'S9', seats: 2_500, free: 2_499, categories: ['VIP', 'R', 'S'] });
    expect(model.sections()[0]).toMatchObject({ seats: 2_500, free: 2_498 });
    expect(model.freePlaces(0)).toBe(4_999);
    expect(model.countFree()).toEqual({ free: 54_996, total: 54_998 });
    expect(model.sectionOf(50_001)).toBeUndefined();
  });

  it('given deltas, then the next version applies, a repeated one is stale and a jump is a gap', () => {
    const model = arena();
    expect(model.applyDelta(1, []).outcome).toBe('no-snapshot');
    model.applyCompact(7, 55_000, encodeSnapshot(1, new Uint8Array(55_000)).statusBase64);
    expect(model.applyDelta(8, [{ seatNumber: 3, status: 'TEMP_RESERVED' }, { seatNumber: 4, status: 'AVAILABLE' }])).toEqual({ outcome: 'applied', changed: [3] });
    expect(model.applyDelta(8, [{ seatNumber: 5, status: 'RESERVED' }]).outcome).toBe('stale');
    expect(model.applyDelta(10, []).outcome).toBe('gap');
    expect(model.isFree(3)).toBe(false);
    expect(model.applyCompact(9, 54_999, 'AAAA')).toBe(false);
  });
});
