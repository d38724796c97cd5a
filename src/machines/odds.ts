/**
 * Honest odds for a fan in line: whether the seats left can still reach them. Every fan ahead who buys takes
 * at least one seat, so once the fans ahead outnumber the seats left several times over, waiting is very
 * likely for nothing, and the fan is told so plainly rather than left hoping.
 */
export type Outlook = 'LIKELY' | 'UNCERTAIN' | 'UNLIKELY' | 'SOLD_OUT';

/** Fans ahead per seat left from which the outlook is UNLIKELY. */
export const UNLIKELY_FANS_PER_SEAT = 3;

/**
 * SOLD_OUT: no seat is left (or admission stopped for it). LIKELY: fewer fans ahead than seats left, so some
 * remain for you even if each of them buys. UNLIKELY: the fans ahead are at least UNLIKELY_FANS_PER_SEAT
 * times the seats left. UNCERTAIN in between: it depends on how many of them buy, and how many seats each.
 */
export function outlookFor(fansAhead: number, seatsRemaining: number, soldOut: boolean): Outlook {
  if (soldOut || seatsRemaining <= 0) return 'SOLD_OUT';
  if (fansAhead < seatsRemaining) return 'LIKELY';
  if (fansAhead >= UNLIKELY_FANS_PER_SEAT * seatsRemaining) return 'UNLIKELY';
  return 'UNCERTAIN';
}
