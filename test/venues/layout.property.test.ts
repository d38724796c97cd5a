import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayoutJson } from '../../src/venues/layout-format.js';
import { validateLayout } from '../../src/venues/layout.js';
import { seatLabel } from '../../src/venues/layout-model.js';

const rowsArb = fc.array(fc.record({ to: fc.integer({ min: 1, max: 30 }), except: fc.uniqueArray(fc.integer({ min: 2, max: 29 }), { maxLength: 3 }) }), { minLength: 1, maxLength: 5 });

const layoutArb = fc.array(rowsArb, { minLength: 1, maxLength: 4 }).map((sections): LayoutJson => ({
  name: 'P', version: 1,
  categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }],
  sections: sections.map((rows, s) => ({ id: `S${s}`, name: 'S', category: 'A', rows: rows.map((r, i) => ({ label: String(i + 1), seats: { from: 1, to: r.to, except: r.except.filter((n) => n < r.to) } })) })),
}));

describe('validateLayout, any well-formed layout', () => {
  it('gives one dense index per seat, rows contiguous and ascending, every label distinct', () => {
    fc.assert(fc.property(layoutArb, (json) => {
      const result = validateLayout(json);
      if (!result.ok) throw new Error(JSON.stringify(result.errors));
      const { layout } = result;
      const expected = json.sections.flatMap((s) => s.rows).reduce((sum, r) => {
        const seats = r.seats as { from: number; to: number; except: number[] };
        return sum + seats.to - seats.from + 1 - seats.except.length;
      }, 0);
      expect(layout.seatCount).toBe(expected);
      const labels = new Set(Array.from({ length: layout.seatCount }, (_, i) => seatLabel(layout, i)));
      expect(labels.size).toBe(layout.seatCount);
      layout.rows.forEach((row, r) => {
        for (let i = row.firstSeat; i < row.firstSeat + row.seatCount; i++) {
          expect(layout.seatRow[i]).toBe(r);
          if (i > row.firstSeat) expect(layout.seatNumber[i]!).toBeGreaterThan(layout.seatNumber[i - 1]!);
        }
      });
    }));
  });

  it('a duplicated row label anywhere refuses the whole layout', () => {
    fc.assert(fc.property(layoutArb, fc.nat(), (json, pick) => {
      const section = json.sections[pick % json.sections.length]!;
      section.rows.push({ ...section.rows[0]! });
      const result = validateLayout(json);
      expect(result.ok).toBe(false);
      expect(!result.ok && result.errors.map((e) => e.code)).toContain('DUPLICATE_ID');
    }));
  });
});
