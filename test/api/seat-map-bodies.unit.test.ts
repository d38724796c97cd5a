import { describe, expect, it } from 'vitest';
import { SeatMapBodies } from '../../src/api/seat-map-bodies.js';
import type { SeatMapView, SeatView } from '../../src/domain/views.js';

function seats(count: number, status: SeatView['status'] = 'AVAILABLE'): SeatView[] {
  return Array.from({ length: count }, (_, i) => ({ seatNumber: i + 1, grade: 'R', price: 1_000, status }));
}

function view(scheduleId: string, version: number, seatViews: SeatView[]): SeatMapView {
  return { scheduleId, concertId: 'con_1', startsAt: '2027-01-01T19:00:00.000Z', version, seats: seatViews };
}

/** JSON.stringify standing in for the route's serializer, counting its calls. */
function countingSerializer(): { serialize: (v: SeatMapView) => string; calls: number[] } {
  const calls: number[] = [];
  return { calls, serialize: (v) => { calls.push(v.version); return JSON.stringify(v); } };
}

describe('SeatMapBodies', () => {
  it('given the same view read twice, then it is serialised once and both reads get the same body', () => {
    const bodies = new SeatMapBodies();
    const serializer = countingSerializer();
    const current = view('sch_1', 3, seats(4));

    const first = bodies.body(current, 'ALL', serializer.serialize);
    const second = bodies.body({ ...current }, 'ALL', serializer.serialize);

    expect(second).toBe(first);
    expect(JSON.parse(first.toString('utf8'))).toEqual(current);
    expect(serializer.calls).toEqual([3]);
  });

  it('given a new version of the schedule, then the next read serialises the new view (never the stale body)', () => {
    const bodies = new SeatMapBodies();
    const serializer = countingSerializer();
    bodies.body(view('sch_1', 3, seats(4)), 'ALL', serializer.serialize);

    const changed = view('sch_1', 4, seats(4, 'TEMP_RESERVED'));
    const body = bodies.body(changed, 'ALL', serializer.serialize);

    expect(JSON.parse(body.toString('utf8'))).toEqual(changed);
    expect(serializer.calls).toEqual([3, 4]);
  });

  it('given other seat objects under the same version, then the body is serialised again', () => {
    const bodies = new SeatMapBodies();
    const serializer = countingSerializer();
    bodies.body(view('sch_1', 3, seats(4)), 'ALL', serializer.serialize);

    const rebuilt = view('sch_1', 3, seats(4, 'RESERVED'));
    const body = bodies.body(rebuilt, 'ALL', serializer.serialize);

    expect(JSON.parse(body.toString('utf8'))).toEqual(rebuilt);
    expect(serializer.calls).toEqual([3, 3]);
  });

  it('given a filtered list rebuilt from the same seat objects, then the cached body of that filter is reused', () => {
    const bodies = new SeatMapBodies();
    const serializer = countingSerializer();
    const all = seats(6);
    const filtered = (): SeatMapView => view('sch_1', 5, all.filter((seat) => seat.seatNumber % 2 === 0));

    const first = bodies.body(filtered(), 'AVAILABLE', serializer.serialize);
    const second = bodies.body(filtered(), 'AVAILABLE', serializer.serialize);
    const unfiltered = bodies.body(view('sch_1', 5, all), 'ALL', serializer.serialize);

    expect(second).toBe(first);
    expect(unfiltered).not.toBe(first);
    expect(JSON.parse(unfiltered.toString('utf8')).seats).toHaveLength(6);
    expect(serializer.calls).toEqual([5, 5]);
  });

  it('given more bodies than the byte budget, then the least recently serialised schedules are dropped', () => {
    const serializer = countingSerializer();
    const one = view('sch_1', 1, seats(10));
    const size = Buffer.byteLength(JSON.stringify(one));
    const bodies = new SeatMapBodies(size * 2);

    bodies.body(one, 'ALL', serializer.serialize);
    bodies.body(view('sch_2', 1, one.seats), 'ALL', serializer.serialize);
    bodies.body(view('sch_3', 1, one.seats), 'ALL', serializer.serialize);

    expect(bodies.size).toBeLessThanOrEqual(size * 2);
    bodies.body(one, 'ALL', serializer.serialize);
    expect(serializer.calls).toHaveLength(4);
  });
});
