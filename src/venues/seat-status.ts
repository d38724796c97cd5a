/** One byte per seat index in a Uint8Array; the values fit 2 bits, which the snapshot codec relies on. */
export const SEAT_STATUS = {
  AVAILABLE: 0,
  TAKEN: 1,
  BLOCKED: 2,
  HELD_BACK: 3,
} as const;

export type SeatStatusCode = (typeof SEAT_STATUS)[keyof typeof SEAT_STATUS];
