/** The normalized venue layout: every seat has a dense index 0..seatCount-1; per-seat data in typed arrays. */

export const SEAT_FLAG = {
  WHEELCHAIR: 1,
  COMPANION: 2,
  RESTRICTED_VIEW: 4,
  BLOCKED: 8,
} as const;

export interface Category {
  id: string;
  name: string;
  priceWon: number;
  rank: number;
}

export interface Section {
  id: string;
  name: string;
  firstRow: number;
  rowCount: number;
}

export interface Row {
  sectionIndex: number;
  label: string;
  /** 0 for the row nearest the stage in its section. */
  depth: number;
  firstSeat: number;
  seatCount: number;
  categoryIndex: number;
}

export interface GeneralAdmissionArea {
  id: string;
  name: string;
  categoryIndex: number;
  capacity: number;
}

export interface VenueLayout {
  name: string;
  version: number;
  /** Sorted best first (by rank): index 0 is the best category. */
  categories: Category[];
  sections: Section[];
  rows: Row[];
  seatCount: number;
  /** Per seat index: its row (seats of a row are contiguous and in seat-number order). */
  seatRow: Uint32Array;
  /** Per seat index: its number within the row. */
  seatNumber: Uint16Array;
  /** Per seat index: its category index. */
  seatCategory: Uint8Array;
  /** Per seat index: SEAT_FLAG bits. */
  seatFlags: Uint8Array;
  generalAdmission: GeneralAdmissionArea[];
}

/** "A-12-7": section, row, seat number; empty parts (a hall without rows) are left out. */
export function seatLabel(layout: VenueLayout, seatIndex: number): string {
  const row = layout.rows[layout.seatRow[seatIndex]!]!;
  const section = layout.sections[row.sectionIndex]!;
  return labelOf(section.id, row.label, layout.seatNumber[seatIndex]!);
}

export function labelOf(sectionId: string, rowLabel: string, seatNumber: number): string {
  return [sectionId, rowLabel, String(seatNumber)].filter((part) => part !== '').join('-');
}
