/**
 * The JSON an organiser imports to define a venue layout once (docs/venue-layout.md).
 * Compact on purpose: a row lists its seats as a range with exceptions, not as one object per seat.
 */

/** Limits on an imported layout; each is named so a caller can see what refused it. */
export const LAYOUT_LIMITS = {
  seatsMax: 80_000,
  categoriesMax: 255, // a category index must fit one byte per seat
  sectionsMax: 1_000,
  rowsMax: 20_000,
  seatNumberMax: 9_999,
  gaCapacityMax: 200_000,
  priceWonMax: 100_000_000,
  labelLengthMax: 16,
} as const;

export interface CategoryJson {
  id: string;
  name: string;
  /** Price of one seat, in whole won. */
  priceWon: number;
  /** 1 is the best category; ranks are distinct. */
  rank: number;
}

/** Seats 1..40 except 13 is `{ "from": 1, "to": 40, "except": [13] }`; an explicit list is `[1, 2, 3]`. */
export type RowSeatsJson = { from: number; to: number; except?: number[] } | number[];

export interface RowJson {
  /** Row label such as "A" or "12"; "" for a hall without rows. Unique within its section. */
  label: string;
  /** Category of the row's seats; defaults to the section's. */
  category?: string;
  seats: RowSeatsJson;
  /** An explicit list with missing numbers is refused unless gaps are declared allowed ("except" always is). */
  gapsAllowed?: boolean;
  wheelchair?: number[];
  companion?: number[];
  restrictedView?: number[];
  /** Seats never offered for sale (a camera position, the sound desk). */
  blocked?: number[];
}

export interface SectionJson {
  id: string;
  name: string;
  category?: string;
  /** Rows in order from the stage: the first is the nearest. */
  rows: RowJson[];
}

export interface GeneralAdmissionJson {
  id: string;
  name: string;
  category: string;
  capacity: number;
}

export interface LayoutJson {
  name: string;
  /** The organiser's revision of this layout; a seat-map snapshot names it. */
  version: number;
  categories: CategoryJson[];
  sections: SectionJson[];
  generalAdmission?: GeneralAdmissionJson[];
}
