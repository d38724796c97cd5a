/** What an organiser reads back of an imported layout: its size by section, category and area, not its seats. */
import { SEAT_FLAG, type VenueLayout } from './layout-model.js';

export interface LayoutSummary {
  name: string;
  version: number;
  seatCount: number;
  /** Seats of the numbered sections that can be sold (not blocked). */
  sellableSeatCount: number;
  sections: Array<{ id: string; name: string; rows: number; seats: number }>;
  categories: Array<{ id: string; name: string; priceWon: number; rank: number; seats: number }>;
  generalAdmission: Array<{ id: string; name: string; category: string; capacity: number }>;
  accessibility: { wheelchair: number; companion: number; restrictedView: number; blocked: number };
}

export function summarizeLayout(layout: VenueLayout): LayoutSummary {
  const sectionSeats = new Array<number>(layout.sections.length).fill(0);
  const categorySeats = new Array<number>(layout.categories.length).fill(0);
  const accessibility = { wheelchair: 0, companion: 0, restrictedView: 0, blocked: 0 };
  for (let seat = 0; seat < layout.seatCount; seat++) {
    const row = layout.rows[layout.seatRow[seat] ?? 0];
    if (row !== undefined) sectionSeats[row.sectionIndex] = (sectionSeats[row.sectionIndex] ?? 0) + 1;
    const category = layout.seatCategory[seat] ?? 0;
    categorySeats[category] = (categorySeats[category] ?? 0) + 1;
    const flags = layout.seatFlags[seat] ?? 0;
    if (flags & SEAT_FLAG.WHEELCHAIR) accessibility.wheelchair++;
    if (flags & SEAT_FLAG.COMPANION) accessibility.companion++;
    if (flags & SEAT_FLAG.RESTRICTED_VIEW) accessibility.restrictedView++;
    if (flags & SEAT_FLAG.BLOCKED) accessibility.blocked++;
  }
  return {
    name: layout.name,
    version: layout.version,
    seatCount: layout.seatCount,
    sellableSeatCount: layout.seatCount - accessibility.blocked,
    sections: layout.sections.map((section, i) => ({ id: section.id, name: section.name, rows: section.rowCount, seats: sectionSeats[i] ?? 0 })),
    categories: layout.categories.map((c, i) => ({ id: c.id, name: c.name, priceWon: c.priceWon, rank: c.rank, seats: categorySeats[i] ?? 0 })),
    generalAdmission: layout.generalAdmission.map((area) => ({ id: area.id, name: area.name, category: layout.categories[area.categoryIndex]?.id ?? '', capacity: area.capacity })),
    accessibility,
  };
}
