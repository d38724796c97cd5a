/** Why a layout is refused: a closed set of codes, each error with the JSON path it is about. */
export type LayoutErrorCode =
  | 'INVALID_TYPE'
  | 'INVALID_VALUE'
  | 'DUPLICATE_ID'
  | 'DUPLICATE_SEAT_LABEL'
  | 'SEAT_OVERLAP'
  | 'ROW_GAP'
  | 'UNKNOWN_CATEGORY'
  | 'UNKNOWN_SEAT'
  | 'TOO_MANY_SEATS'
  | 'TOO_MANY_ITEMS'
  | 'EMPTY_SECTION'
  | 'EMPTY_ROW'
  | 'NO_SEATS'
  | 'BAD_CAPACITY'
  | 'BAD_RANGE'
  | 'BAD_PRICE';

export interface LayoutError {
  /** JSON path such as "sections[2].rows[0].seats". */
  path: string;
  code: LayoutErrorCode;
  message: string;
}

/** A hostile layout could produce one error per seat; the first ones say enough. */
export const LAYOUT_ERRORS_MAX = 100;
