import { describe, expect, it } from 'vitest';
import { demoArenaLayout, demoHallLayout } from '../../src/venues/demo-layouts.js';
import type { LayoutJson } from '../../src/venues/layout-format.js';
import { validateLayout } from '../../src/venues/layout.js';
import { SEAT_FLAG, seatLabel, type VenueLayout } from '../../src/venues/layout-model.js';

const base = (): LayoutJson => ({
  name: 'Test', version: 1,
  categories: [{ id: 'B', name: 'B', priceWon: 50_000, rank: 2 }, { id: 'A', name: 'A', priceWon: 90_000, rank: 1 }],
  sections: [{ id: 'S', name: 'S', category: 'A', rows: [
    { label: 'A', seats: { from: 1, to: 10, except: [5] }, wheelchair: [1], companion: [2], restrictedView: [10], blocked: [9] },
    { label: 'B', category: 'B', seats: [3, 1, 2] },
  ] }],
  generalAdmission: [{ id: 'FLOOR', name: 'Floor', category: 'B', capacity: 300 }],
});

function ok(json: unknown): VenueLayout {
  const result = validateLayout(json);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.layout;
}

function codes(json: unknown): string[] {
  const result = validateLayout(json);
  if (result.ok) throw new Error('expected the layout to be refused');
  return result.errors.map((e) => `${e.code} ${e.path}`);
}

describe('validateLayout', () => {
  it('given a good layout, when validated, then each seat has a dense index, its row, number, category and flags', () => {
    const layout = ok(base());
    expect(layout.seatCount).toBe(12);
    expect(layout.categories.map((c) => c.id)).toEqual(['A', 'B']);
    expect(Array.from(layout.seatNumber)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 1, 2, 3]);
    expect(Array.from(layout.seatRow)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(layout.seatCategory)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(layout.seatFlags[0]).toBe(SEAT_FLAG.WHEELCHAIR);
    expect(layout.seatFlags[1]).toBe(SEAT_FLAG.COMPANION);
    expect(layout.seatFlags[7]).toBe(SEAT_FLAG.BLOCKED);
    expect(layout.seatFlags[8]).toBe(SEAT_FLAG.RESTRICTED_VIEW);
    expect(seatLabel(layout, 4)).toBe('S-A-6');
    expect(layout.generalAdmission).toEqual([{ id: 'FLOOR', name: 'Floor', categoryIndex: 1, capacity: 300 }]);
  });

  it('round-trips through JSON: the same import gives the same layout', () => {
    const again = ok(JSON.parse(JSON.stringify(base())));
    expect(again).toEqual(ok(base()));
  });

  it('the demo hall is seats 1..50: index i is seat number i + 1, one category, no flags', () => {
    const layout = ok(demoHallLayout());
    expect(layout.seatCount).toBe(50);
    expect(Array.from(layout.seatNumber)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(new Set(layout.seatCategory)).toEqual(new Set([0]));
    expect(layout.seatFlags.every((f) => f === 0)).toBe(true);
    expect(seatLabel(layout, 11)).toBe('HALL-12');
  });

  it('the demo arena has 50,000 seats, four categories, accessible seats and a GA floor', () => {
    const layout = ok(demoArenaLayout());
    expect(layout.seatCount).toBe(50_000);
    expect(layout.categories.length).toBe(4);
    expect(layout.seatFlags.filter((f) => (f & SEAT_FLAG.WHEELCHAIR) !== 0).length).toBe(40);
    expect(layout.generalAdmission[0]!.capacity).toBe(5_000);
  });

  const cases: Array<[string, (j: LayoutJson) => unknown, string]> = [
    ['not an object', () => [], 'INVALID_TYPE $'],
    ['a name that is not a string', (j) => ({ ...j, name: 3 }), 'INVALID_TYPE $.name'],
    ['a version of 0', (j) => ({ ...j, version: 0 }), 'INVALID_VALUE $.version'],
    ['a category twice', (j) => { j.categories[1]!.id = 'B'; return j; }, 'DUPLICATE_ID $.categories[1].id'],
    ['a rank twice', (j) => { j.categories[1]!.rank = 2; return j; }, 'DUPLICATE_ID $.categories[1].rank'],
    ['a negative price', (j) => { j.categories[0]!.priceWon = -1; return j; }, 'BAD_PRICE $.categories[0].priceWon'],
    ['a fractional price', (j) => { j.categories[0]!.priceWon = 1.5; return j; }, 'BAD_PRICE $.categories[0].priceWon'],
    ['an unknown category', (j) => { j.sections[0]!.rows[1]!.category = 'Z'; return j; }, 'UNKNOWN_CATEGORY $.sections[0].rows[1].category'],
    ['a row without category', (j) => { delete j.sections[0]!.category; return j; }, 'UNKNOWN_CATEGORY $.sections[0].rows[0].category'],
    ['a seat listed twice', (j) => { j.sections[0]!.rows[1]!.seats = [1, 2, 2]; return j; }, 'SEAT_OVERLAP $.sections[0].rows[1].seats'],
    ['a gap in a listed row', (j) => { j.sections[0]!.rows[1]!.seats = [1, 2, 4]; return j; }, 'ROW_GAP $.sections[0].rows[1].seats'],
    ['a reversed range', (j) => { j.sections[0]!.rows[0]!.seats = { from: 5, to: 1 }; return j; }, 'BAD_RANGE $.sections[0].rows[0].seats'],
    ['a seat number 0', (j) => { j.sections[0]!.rows[1]!.seats = [0, 1]; return j; }, 'BAD_RANGE $.sections[0].rows[1].seats[0]'],
    ['an exception outside the range', (j) => { j.sections[0]!.rows[0]!.seats = { from: 1, to: 3, except: [4] }; return j; }, 'UNKNOWN_SEAT $.sections[0].rows[0].seats.except[0]'],
    ['every seat excepted', (j) => { j.sections[0]!.rows[0]!.seats = { from: 1, to: 1, except: [1] }; return j; }, 'EMPTY_ROW $.sections[0].rows[0].seats'],
    ['an empty list', (j) => { j.sections[0]!.rows[1]!.seats = []; return j; }, 'EMPTY_ROW $.sections[0].rows[1].seats'],
    ['a flag on a missing seat', (j) => { j.sections[0]!.rows[0]!.wheelchair = [5]; return j; }, 'UNKNOWN_SEAT $.sections[0].rows[0].wheelchair[0]'],
    ['a row label twice', (j) => { j.sections[0]!.rows[1]!.label = 'A'; return j; }, 'DUPLICATE_ID $.sections[0].rows[1].label'],
    ['a section twice', (j) => { j.sections.push({ ...j.sections[0]! }); return j; }, 'DUPLICATE_ID $.sections[1].id'],
    ['a section without rows', (j) => { j.sections[0]!.rows = []; return j; }, 'EMPTY_SECTION $.sections[0].rows'],
    ['labels that collide', (j) => { j.sections.push({ id: 'S-A', name: 'x', category: 'A', rows: [{ label: '', seats: [1] }] }); return j; }, 'DUPLICATE_SEAT_LABEL $.sections[1].rows[0]'],
    ['a zero capacity', (j) => { j.generalAdmission![0]!.capacity = 0; return j; }, 'BAD_CAPACITY $.generalAdmission[0].capacity'],
    ['a GA area in an unknown category', (j) => { j.generalAdmission![0]!.category = 'Q'; return j; }, 'UNKNOWN_CATEGORY $.generalAdmission[0].category'],
    ['more than 80,000 seats', (j) => { j.sections = Array.from({ length: 9 }, (_, s) => ({ id: `X${s}`, name: 'x', category: 'A', rows: Array.from({ length: 2 }, (_, r) => ({ label: String(r), seats: { from: 1, to: 9_999 } })) })); return j; }, 'TOO_MANY_SEATS $.sections[4].rows[0]'],
    ['too many categories', (j) => ({ ...j, categories: Array.from({ length: 256 }, (_, i) => ({ id: `C${i}`, name: 'c', priceWon: 1, rank: i + 1 })) }), 'TOO_MANY_ITEMS $.categories'],
  ];
  it.each(cases)('given %s, then the layout is refused with its code and path', (_name, mutate, expected) => {
    expect(codes(mutate(base()))).toContain(expected);
  });

  it('a layout with no seats and no GA is NO_SEATS', () => {
    expect(codes({ name: 'x', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [] })).toEqual(['NO_SEATS $']);
  });

  it('a GA-only layout passes', () => {
    const layout = ok({ name: 'x', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [], generalAdmission: [{ id: 'F', name: 'F', category: 'A', capacity: 10 }] });
    expect(layout.seatCount).toBe(0);
  });

  it('a gap is accepted when the row declares gapsAllowed, and breaks adjacency there', () => {
    const j = base();
    j.sections[0]!.rows[1]!.seats = [1, 2, 4];
    j.sections[0]!.rows[1]!.gapsAllowed = true;
    expect(Array.from(ok(j).seatNumber.slice(9))).toEqual([1, 2, 4]);
  });

  it('several faults are all reported, and none of the layout is returned', () => {
    const j = base();
    j.categories[0]!.priceWon = -5;
    j.sections[0]!.rows[1]!.category = 'Z';
    const result = validateLayout(j);
    expect(result.ok).toBe(false);
    expect(result).not.toHaveProperty('layout');
    expect(codes(j)).toEqual(['BAD_PRICE $.categories[0].priceWon', 'UNKNOWN_CATEGORY $.sections[0].rows[1].category']);
  });
});
