/** Demo layouts: the 50-seat hall (seat numbers 1..50, as the existing numbered map), a 50,000-seat arena and an 80,000-seat stadium. */
import type { LayoutJson, RowJson, SectionJson } from './layout-format.js';

/** One section, one unlabeled row, seats 1..50, one category: seat index i is seat number i + 1. */
export function demoHallLayout(priceWon = 100_000): LayoutJson {
  return {
    name: 'Demo hall',
    version: 1,
    categories: [{ id: 'STANDARD', name: 'Standard', priceWon, rank: 1 }],
    sections: [{ id: 'HALL', name: 'Hall', category: 'STANDARD', rows: [{ label: '', seats: { from: 1, to: 50 } }] }],
  };
}

/**
 * 20 sections x 50 rows x 50 seats = 50,000 seats and a 5,000-place GA floor. Rows 1-10 of the five
 * centre sections are VIP; the first rows of every section hold two wheelchair places with companions.
 */
export function demoArenaLayout(): LayoutJson {
  const sections: SectionJson[] = [];
  for (let s = 0; s < 20; s++) {
    const centre = s >= 8 && s < 13;
    const rows: RowJson[] = [];
    for (let r = 1; r <= 50; r++) {
      const row: RowJson = { label: String(r), category: r <= 10 && centre ? 'VIP' : r <= 25 ? 'R' : 'S', seats: { from: 1, to: 50 } };
      if (r === 1) { row.wheelchair = [1, 50]; row.companion = [2, 49]; }
      if (r === 50) row.restrictedView = [1, 2, 3];
      if (r === 20 && s === 0) row.blocked = [25, 26];
      rows.push(row);
    }
    sections.push({ id: `S${s + 1}`, name: `Section ${s + 1}`, rows });
  }
  return {
    name: 'Demo arena',
    version: 1,
    categories: [
      { id: 'VIP', name: 'VIP', priceWon: 250_000, rank: 1 },
      { id: 'R', name: 'R', priceWon: 170_000, rank: 2 },
      { id: 'S', name: 'S', priceWon: 120_000, rank: 3 },
      { id: 'GA', name: 'Floor', priceWon: 99_000, rank: 4 },
    ],
    sections,
    generalAdmission: [{ id: 'FLOOR', name: 'Standing floor', category: 'GA', capacity: 5_000 }],
  };
}

/**
 * The largest venue a schedule may have, for the benchmarks: 40 sections x 40 rows x 50 seats = 80,000 seats.
 * The first 8 rows of the 10 centre sections are VIP; every front row has two wheelchair places with companions.
 */
export function demoStadiumLayout(): LayoutJson {
  const sections: SectionJson[] = Array.from({ length: 40 }, (_, s) => ({
    id: `S${s + 1}`, name: `Section ${s + 1}`,
    rows: Array.from({ length: 40 }, (_, r): RowJson => ({
      label: String(r + 1), category: r < 8 && s >= 15 && s < 25 ? 'VIP' : r < 20 ? 'R' : 'S', seats: { from: 1, to: 50 },
      ...(r === 0 ? { wheelchair: [1, 50], companion: [2, 49] } : {}),
    })),
  }));
  return {
    name: 'Demo stadium', version: 1,
    categories: [{ id: 'VIP', name: 'VIP', priceWon: 300_000, rank: 1 }, { id: 'R', name: 'R', priceWon: 180_000, rank: 2 }, { id: 'S', name: 'S', priceWon: 110_000, rank: 3 }],
    sections,
  };
}
