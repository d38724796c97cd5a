import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyChange, createAvailabilityIndex, initialStatus, type AvailabilityIndex } from '../../src/venues/availability-index.js';
import { allowedCategories, betterQuality, blockQuality, findBestAvailable, type BestAvailableRequest, type BlockQuality } from '../../src/venues/best-available.js';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import type { LayoutJson } from '../../src/venues/layout-format.js';
import { validateLayout } from '../../src/venues/layout.js';
import { SEAT_FLAG, type VenueLayout } from '../../src/venues/layout-model.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';

function build(json: LayoutJson): VenueLayout {
  const result = validateLayout(json);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.layout;
}

const rowArb = fc.record({
  size: fc.integer({ min: 1, max: 12 }),
  except: fc.array(fc.integer({ min: 2, max: 11 }), { maxLength: 2 }),
  category: fc.constantFrom('A', 'B', 'C'),
  wheelchair: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }),
  companion: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }),
  restricted: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 2 }),
});

const layoutArb = fc.array(fc.array(rowArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }).map((sections): LayoutJson => ({
  name: 'P', version: 1,
  categories: [{ id: 'A', name: 'A', priceWon: 300, rank: 1 }, { id: 'B', name: 'B', priceWon: 200, rank: 2 }, { id: 'C', name: 'C', priceWon: 100, rank: 3 }],
  sections: sections.map((rows, s) => ({ id: `S${s}`, name: 'S', rows: rows.map((r, i) => {
    const except = [...new Set(r.except.filter((n) => n < r.size))];
    const inRow = (list: number[]): number[] => [...new Set(list.filter((n) => n <= r.size && !except.includes(n)))];
    return { label: String(i + 1), category: r.category, seats: { from: 1, to: r.size, except }, wheelchair: inRow(r.wheelchair), companion: inRow(r.companion), restrictedView: inRow(r.restricted) };
  }) })),
}));

const requestArb: fc.Arbitrary<BestAvailableRequest> = fc.record({
  quantity: fc.integer({ min: 1, max: 5 }),
  maxPriceWon: fc.option(fc.constantFrom(100, 200, 300), { nil: undefined }),
  categoryId: fc.option(fc.constantFrom('A', 'B', 'C'), { nil: undefined }),
  need: fc.option(fc.constant('WHEELCHAIR' as const), { nil: undefined }),
  avoidRestrictedView: fc.option(fc.boolean(), { nil: undefined }),
}, { requiredKeys: ['quantity'] });

const statusArb = (n: number): fc.Arbitrary<number[]> => fc.array(fc.constantFrom(0, 0, 0, 1, 2, 3), { minLength: n, maxLength: n });

/** The reference: every start seat of every row, each seat checked on its own, no summaries. */
function reference(layout: VenueLayout, status: Uint8Array, request: BestAvailableRequest): number[] | undefined {
  const categories = allowedCategories(layout, request);
  if (typeof categories === 'string') return undefined;
  const sameRowNext = (a: number, b: number): boolean => b < layout.seatCount && layout.seatRow[a] === layout.seatRow[b] && layout.seatNumber[b] === layout.seatNumber[a]! + 1;
  const free = (i: number): boolean => status[i] === SEAT_STATUS.AVAILABLE;
  for (const category of categories) {
    let best: BlockQuality | undefined;
    for (let s = 0; s < layout.seatCount; s++) {
      if (layout.seatCategory[s] !== category) continue;
      const seats = [s];
      while (seats.length < request.quantity && sameRowNext(seats.at(-1)!, seats.at(-1)! + 1)) seats.push(seats.at(-1)! + 1);
      if (seats.length < request.quantity || !seats.every(free)) continue;
      const flags = seats.map((i) => layout.seatFlags[i]!);
      if (request.need === 'WHEELCHAIR' ? !flags.some((f) => f & SEAT_FLAG.WHEELCHAIR) : flags.some((f) => f & (SEAT_FLAG.WHEELCHAIR | SEAT_FLAG.COMPANION))) continue;
      if (request.avoidRestrictedView === true && flags.some((f) => f & SEAT_FLAG.RESTRICTED_VIEW)) continue;
      let left = 0;
      for (let i = s; i > 0 && sameRowNext(i - 1, i) && free(i - 1); i--) left++;
      let right = 0;
      for (let i = seats.at(-1)!; sameRowNext(i, i + 1) && free(i + 1); i++) right++;
      if (left === 1 || right === 1) continue;
      const quality = blockQuality(layout, s, request.quantity);
      if (best === undefined || betterQuality(quality, best)) best = quality;
    }
    if (best !== undefined) return Array.from({ length: request.quantity }, (_, k) => best.firstSeat + k);
  }
  return undefined;
}

function indexWith(layout: VenueLayout, statuses: number[]): AvailabilityIndex {
  const index = createAvailabilityIndex(layout, initialStatus(layout));
  statuses.forEach((s, i) => applyChange(index, i, s as 0));
  return index;
}

const scenario = layoutArb.map(build).chain((layout) => fc.tuple(fc.constant(layout), statusArb(layout.seatCount), fc.array(requestArb, { minLength: 1, maxLength: 8 })));

describe('best available against a brute-force reference', () => {
  it('gives exactly the reference block (or none): available, distinct, adjacent in one row, no orphan', () => {
    fc.assert(fc.property(scenario, ([layout, statuses, requests]) => {
      const index = indexWith(layout, statuses);
      for (const request of requests) {
        const before = index.status.slice();
        const result = findBestAvailable(index, request);
        expect(index.status).toEqual(before); // asking changes nothing
        const expected = reference(layout, index.status, request);
        if (expected === undefined) { expect(result.ok).toBe(false); continue; }
        expect(result.ok).toBe(true);
        if (!result.ok) continue;
        expect(result.seats).toEqual(expected);
        expect(new Set(result.seats).size).toBe(request.quantity);
        for (const seat of result.seats) expect(index.status[seat]).toBe(SEAT_STATUS.AVAILABLE);
        for (const seat of result.seats) applyChange(index, seat, SEAT_STATUS.TAKEN);
      }
    }), { numRuns: 300 });
  });

  it('after the chosen seats are taken, asking again never returns one of them', () => {
    fc.assert(fc.property(scenario, ([layout, statuses, requests]) => {
      const index = indexWith(layout, statuses);
      const given = new Set<number>();
      for (const request of [...requests, ...requests]) {
        const result = findBestAvailable(index, request);
        if (!result.ok) continue;
        for (const seat of result.seats) {
          expect(given.has(seat)).toBe(false);
          given.add(seat);
          applyChange(index, seat, SEAT_STATUS.HELD_BACK);
        }
      }
    }), { numRuns: 200 });
  });

  it('the summaries equal summaries rebuilt from scratch after any sequence of changes', () => {
    fc.assert(fc.property(scenario, ([layout, statuses]) => {
      const index = indexWith(layout, statuses);
      const fresh = createAvailabilityIndex(layout, index.status.slice());
      expect(index.rowMaxRunAll).toEqual(fresh.rowMaxRunAll);
      expect(index.rowMaxRunGeneral).toEqual(fresh.rowMaxRunGeneral);
    }), { numRuns: 200 });
  });
});

describe('best available, given / when / then', () => {
  const row = (size: number): VenueLayout => build({ name: 'r', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [{ id: 'S', name: 'S', category: 'A', rows: [{ label: '1', seats: { from: 1, to: size } }] }] });

  it('given an empty row of 10, when 2 are asked, then the centre pair 5-6 is chosen', () => {
    const layout = row(10);
    const result = findBestAvailable(createAvailabilityIndex(layout, initialStatus(layout)), { quantity: 2 });
    expect(result).toEqual({ ok: true, categoryIndex: 0, seats: [4, 5] });
  });

  it('given a free run of exactly 3, when 2 are asked, then none (either choice leaves an orphan)', () => {
    const layout = row(3);
    expect(findBestAvailable(createAvailabilityIndex(layout, initialStatus(layout)), { quantity: 2 })).toEqual({ ok: false, reason: 'NOT_ENOUGH_SEATS' });
  });

  it('refuses a quantity outside 1..10, a category not defined, and a price nobody meets', () => {
    const layout = row(3);
    const index = createAvailabilityIndex(layout, initialStatus(layout));
    expect(findBestAvailable(index, { quantity: 11 })).toEqual({ ok: false, reason: 'INVALID_QUANTITY' });
    expect(findBestAvailable(index, { quantity: 1, categoryId: 'Z' })).toEqual({ ok: false, reason: 'UNKNOWN_CATEGORY' });
    expect(findBestAvailable(index, { quantity: 1, maxPriceWon: 0 })).toEqual({ ok: false, reason: 'NO_CATEGORY_WITHIN_PRICE' });
  });

  it('on the arena, the first request gets VIP front-row centre, a wheelchair request a wheelchair place', () => {
    const layout = build(demoArenaLayout());
    const index = createAvailabilityIndex(layout, initialStatus(layout));
    const vip = findBestAvailable(index, { quantity: 4 });
    expect(vip.ok && layout.categories[vip.categoryIndex]!.id).toBe('VIP');
    expect(vip.ok && vip.seats.map((s) => layout.seatNumber[s])).toEqual([24, 25, 26, 27]);
    const wheelchair = findBestAvailable(index, { quantity: 2, need: 'WHEELCHAIR' });
    expect(wheelchair.ok && wheelchair.seats.some((s) => (layout.seatFlags[s]! & SEAT_FLAG.WHEELCHAIR) !== 0)).toBe(true);
  });
});
