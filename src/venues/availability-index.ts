/**
 * Per-row free-run summaries kept up to date as seats change, so best-available can skip a row in O(1)
 * instead of scanning its seats. applyChange costs O(seats in the changed row); nothing else is per venue.
 */
import { SEAT_FLAG, type VenueLayout } from './layout-model.js';
import { SEAT_STATUS, type SeatStatusCode } from './seat-status.js';

const ACCESSIBLE = SEAT_FLAG.WHEELCHAIR | SEAT_FLAG.COMPANION;

export interface AvailabilityIndex {
  layout: VenueLayout;
  status: Uint8Array;
  /** Longest run of adjacent AVAILABLE seats per row that holds no wheelchair or companion seat. */
  rowMaxRunGeneral: Uint16Array;
  /** Longest run of adjacent AVAILABLE seats per row, any seat. */
  rowMaxRunAll: Uint16Array;
  /** Rows of each category ordered nearest the stage first (depth, then row index). */
  rowsByCategory: Uint32Array[];
}

/** Two seats are adjacent when they are in the same row and their numbers differ by one (an "except" breaks it). */
export function adjacent(layout: VenueLayout, a: number, b: number): boolean {
  return layout.seatRow[a] === layout.seatRow[b] && layout.seatNumber[b]! === layout.seatNumber[a]! + 1;
}

/** Seats blocked in the layout start BLOCKED, the rest AVAILABLE. */
export function initialStatus(layout: VenueLayout): Uint8Array {
  const status = new Uint8Array(layout.seatCount);
  for (let i = 0; i < layout.seatCount; i++) if ((layout.seatFlags[i]! & SEAT_FLAG.BLOCKED) !== 0) status[i] = SEAT_STATUS.BLOCKED;
  return status;
}

export function createAvailabilityIndex(layout: VenueLayout, status: Uint8Array): AvailabilityIndex {
  const index: AvailabilityIndex = {
    layout,
    status,
    rowMaxRunGeneral: new Uint16Array(layout.rows.length),
    rowMaxRunAll: new Uint16Array(layout.rows.length),
    rowsByCategory: layout.categories.map((_, c) => {
      const rows = layout.rows.map((_, r) => r).filter((r) => layout.rows[r]!.categoryIndex === c);
      rows.sort((a, b) => layout.rows[a]!.depth - layout.rows[b]!.depth || a - b);
      return Uint32Array.from(rows);
    }),
  };
  for (let r = 0; r < layout.rows.length; r++) summarizeRow(index, r);
  return index;
}

/** The one way a seat's status changes, so the summaries never go stale. */
export function applyChange(index: AvailabilityIndex, seatIndex: number, status: SeatStatusCode): void {
  index.status[seatIndex] = status;
  summarizeRow(index, index.layout.seatRow[seatIndex]!);
}

function summarizeRow(index: AvailabilityIndex, rowIndex: number): void {
  const { layout, status } = index;
  const row = layout.rows[rowIndex]!;
  let all = 0, general = 0, bestAll = 0, bestGeneral = 0;
  for (let i = row.firstSeat; i < row.firstSeat + row.seatCount; i++) {
    const continues = i > row.firstSeat && adjacent(layout, i - 1, i);
    if (status[i] !== SEAT_STATUS.AVAILABLE) { all = 0; general = 0; continue; }
    all = continues ? all + 1 : 1;
    general = (layout.seatFlags[i]! & ACCESSIBLE) !== 0 ? 0 : continues ? general + 1 : 1;
    if (all > bestAll) bestAll = all;
    if (general > bestGeneral) bestGeneral = general;
  }
  index.rowMaxRunAll[rowIndex] = bestAll;
  index.rowMaxRunGeneral[rowIndex] = bestGeneral;
}
