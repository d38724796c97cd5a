import { describe, expect, it } from 'vitest';
import { SeatMapModel } from '../../src/web/seat-map-model.js';
import type { SeatView } from '../../src/domain/views.js';

function demoSeats(): SeatView[] {
  return Array.from({ length: 50 }, (_, index) => {
    const seatNumber = index + 1;
    const [grade, price] = seatNumber <= 10 ? ['VIP', 200_000] : seatNumber <= 30 ? ['R', 150_000] : ['S', 100_000];
    return { seatNumber, grade: grade as string, price: price as number, status: 'AVAILABLE' as const };
  });
}

describe('SeatMapModel (the page copy of a live seat map)', () => {
  it('given a snapshot, when the next version arrives, then it applies and reports only real changes', () => {
    const model = new SeatMapModel();
    model.applySnapshot(7, demoSeats());

    const result = model.applyDelta(8, [{ seatNumber: 12, status: 'TEMP_RESERVED' }, { seatNumber: 13, status: 'AVAILABLE' }]);

    expect(result).toEqual({ outcome: 'applied', changed: [{ seatNumber: 12, status: 'TEMP_RESERVED' }] });
    expect(model.version).toBe(8);
    expect(model.statusOf(12)).toBe('TEMP_RESERVED');
    expect(model.countByStatus()).toEqual({ AVAILABLE: 49, TEMP_RESERVED: 1, RESERVED: 0 });
  });

  it('given version 8, when version 10 arrives, then it is a gap and nothing changes', () => {
    const model = new SeatMapModel();
    model.applySnapshot(8, demoSeats());

    const result = model.applyDelta(10, [{ seatNumber: 1, status: 'RESERVED' }]);

    expect(result.outcome).toBe('gap');
    expect(model.version).toBe(8);
    expect(model.statusOf(1)).toBe('AVAILABLE');
  });

  it('given version 8, when an old or repeated version arrives, then it is ignored as stale', () => {
    const model = new SeatMapModel();
    model.applySnapshot(8, demoSeats());

    expect(model.applyDelta(8, [{ seatNumber: 1, status: 'RESERVED' }]).outcome).toBe('stale');
    expect(model.applyDelta(3, [{ seatNumber: 1, status: 'RESERVED' }]).outcome).toBe('stale');
    expect(model.statusOf(1)).toBe('AVAILABLE');
  });

  it('given no snapshot yet (or a reset), when a delta arrives, then it asks for a snapshot', () => {
    const model = new SeatMapModel();
    expect(model.applyDelta(1, []).outcome).toBe('no-snapshot');

    model.applySnapshot(4, demoSeats());
    model.reset();
    expect(model.applyDelta(5, []).outcome).toBe('no-snapshot');
  });

  it('groups the demo map by grade in seat order, with prices', () => {
    const model = new SeatMapModel();
    model.applySnapshot(0, demoSeats().reverse());

    const groups = model.gradeGroups().map((group) => [group.grade, group.price, group.seats.length, group.seats[0]?.seatNumber]);

    expect(groups).toEqual([['VIP', 200_000, 10, 1], ['R', 150_000, 20, 11], ['S', 100_000, 20, 31]]);
  });
});
