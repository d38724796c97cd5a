/**
 * Best available: "N seats together, in the best category I can afford" (docs/venue-layout.md).
 *
 * Rules, in order:
 * 1. Categories best first (rank); the first allowed category that has a block wins, whatever the quality
 *    elsewhere. Allowed: the requested category if given, and a price per seat within maxPriceWon.
 * 2. A block is N seats of one row, adjacent (consecutive seat numbers), all AVAILABLE and eligible:
 *    without an accessibility need, wheelchair and companion seats are kept for those who need them; with
 *    the WHEELCHAIR need the block holds at least one wheelchair seat; avoidRestrictedView excludes those.
 * 3. Orphan rule: the block never leaves exactly one AVAILABLE seat between itself and a seat that is not
 *    available, a gap in the numbering, or the row's end.
 * 4. Quality within a category, compared in order: row depth (0 nearest the stage), distance of the block's
 *    centre from the row's centre in half seats, then the lower seat index (so the answer is deterministic).
 * No split across rows: when no row has a block the answer is NOT_ENOUGH_SEATS and the fan picks on the map;
 * a split would hand out seats that are not together under a request that asked for together.
 *
 * Cost: O(R) row checks for the rows R of the categories tried (one typed-array read each, thanks to the
 * summaries of availability-index.ts), plus O(seats) of the rows whose longest free run could fit N and
 * that could still beat the best block found, and the search stops after the first depth that has a block.
 * It never touches the rest of the venue.
 */
import { adjacent, type AvailabilityIndex } from './availability-index.js';
import { SEAT_FLAG, type VenueLayout } from './layout-model.js';
import { SEAT_STATUS } from './seat-status.js';

export const BEST_AVAILABLE_SEATS_MAX = 10;

export interface BestAvailableRequest {
  quantity: number;
  maxPriceWon?: number;
  categoryId?: string;
  need?: 'WHEELCHAIR';
  avoidRestrictedView?: boolean;
}

export type BestAvailableReason = 'INVALID_QUANTITY' | 'UNKNOWN_CATEGORY' | 'NO_CATEGORY_WITHIN_PRICE' | 'NOT_ENOUGH_SEATS';

export type BestAvailableResult =
  | { ok: true; seats: number[]; categoryIndex: number }
  | { ok: false; reason: BestAvailableReason };

/** Lexicographic quality of a block; lower is better. */
export interface BlockQuality { depth: number; centreDistanceHalfSeats: number; firstSeat: number }

export function betterQuality(a: BlockQuality, b: BlockQuality): boolean {
  const order = a.depth - b.depth || a.centreDistanceHalfSeats - b.centreDistanceHalfSeats || a.firstSeat - b.firstSeat;
  return order < 0;
}

export function blockQuality(layout: VenueLayout, firstSeat: number, quantity: number): BlockQuality {
  const row = layout.rows[layout.seatRow[firstSeat]!]!;
  const lastSeat = firstSeat + quantity - 1;
  const rowEnds = layout.seatNumber[row.firstSeat]! + layout.seatNumber[row.firstSeat + row.seatCount - 1]!;
  const blockEnds = layout.seatNumber[firstSeat]! + layout.seatNumber[lastSeat]!;
  return { depth: row.depth, centreDistanceHalfSeats: Math.abs(blockEnds - rowEnds), firstSeat };
}

/** The categories the request may use, best first, or why there are none. */
export function allowedCategories(layout: VenueLayout, request: BestAvailableRequest): number[] | BestAvailableReason {
  if (!Number.isInteger(request.quantity) || request.quantity < 1 || request.quantity > BEST_AVAILABLE_SEATS_MAX) return 'INVALID_QUANTITY';
  let candidates = layout.categories.map((_, i) => i);
  if (request.categoryId !== undefined) {
    candidates = candidates.filter((i) => layout.categories[i]!.id === request.categoryId);
    if (candidates.length === 0) return 'UNKNOWN_CATEGORY';
  }
  const affordable = candidates.filter((i) => request.maxPriceWon === undefined || layout.categories[i]!.priceWon <= request.maxPriceWon);
  return affordable.length === 0 ? 'NO_CATEGORY_WITHIN_PRICE' : affordable;
}

export function findBestAvailable(index: AvailabilityIndex, request: BestAvailableRequest): BestAvailableResult {
  const categories = allowedCategories(index.layout, request);
  if (typeof categories === 'string') return { ok: false, reason: categories };
  const runs = request.need === 'WHEELCHAIR' ? index.rowMaxRunAll : index.rowMaxRunGeneral;
  for (const category of categories) {
    let best: BlockQuality | undefined;
    for (const rowIndex of index.rowsByCategory[category]!) {
      const row = index.layout.rows[rowIndex]!;
      if (best !== undefined && row.depth > best.depth) break;
      if (runs[rowIndex]! < request.quantity) continue;
      // A row later in this order, at the best block's depth, has higher seat indexes, so it wins only with a
      // block nearer its centre; a block's distance has the parity of (row ends - quantity + 1), so when the
      // best found is already that low the row cannot win and is not walked (most rows, once one has a block).
      if (best !== undefined && best.centreDistanceHalfSeats <= centreDistanceFloor(index.layout, rowIndex, request.quantity)) continue;
      const found = bestInRow(index, rowIndex, request, best === undefined ? Number.POSITIVE_INFINITY : best.centreDistanceHalfSeats);
      if (found !== undefined) best = found;
    }
    if (best !== undefined) {
      return { ok: true, categoryIndex: category, seats: Array.from({ length: request.quantity }, (_, k) => best.firstSeat + k) };
    }
  }
  return { ok: false, reason: 'NOT_ENOUGH_SEATS' };
}

/** The least distance from the row's centre any block of `quantity` adjacent seats of the row can have. */
function centreDistanceFloor(layout: VenueLayout, rowIndex: number, quantity: number): number {
  const row = layout.rows[rowIndex]!;
  const rowEnds = layout.seatNumber[row.firstSeat]! + layout.seatNumber[row.firstSeat + row.seatCount - 1]!;
  return (rowEnds + quantity + 1) & 1;
}

/**
 * The row's best block nearer its centre than `bound` (a block as near loses to the one already found, which
 * has lower seats), or undefined. Walks the row's free runs once; inside a run the numbers are consecutive,
 * so a block's distance from the centre falls and then rises along the run: starts are tried from the one
 * nearest the centre outwards (the lower first on a tie), skipping starts that would leave a single seat at
 * either end of the run, and the first that fits is the run's best.
 */
function bestInRow(index: AvailabilityIndex, rowIndex: number, request: BestAvailableRequest, bound: number): BlockQuality | undefined {
  const { layout, status } = index;
  const row = layout.rows[rowIndex]!;
  const end = row.firstSeat + row.seatCount;
  const n = request.quantity;
  const rowEnds = layout.seatNumber[row.firstSeat]! + layout.seatNumber[end - 1]!;
  let bestStart = -1;
  let bestDistance = bound;
  let runStart = row.firstSeat;
  while (runStart < end) {
    if (status[runStart] !== SEAT_STATUS.AVAILABLE) { runStart++; continue; }
    let runEnd = runStart + 1; // exclusive
    while (runEnd < end && status[runEnd] === SEAT_STATUS.AVAILABLE && adjacent(layout, runEnd - 1, runEnd)) runEnd++;
    const last = runEnd - n; // the last start that fits in the run
    if (last >= runStart) {
      // The start whose block would be centred exactly (a half-integer when no start is), as a seat index.
      const centred = runStart + ((rowEnds - n + 1) / 2 - layout.seatNumber[runStart]!);
      let left = Math.min(last, Math.floor(centred));
      let right = Math.max(runStart, left + 1);
      if (right <= left) right = left + 1;
      while (left >= runStart || right <= last) {
        const takeLeft = left >= runStart && (right > last || centred - left <= right - centred);
        const start = takeLeft ? left-- : right++;
        const distance = Math.abs(2 * layout.seatNumber[start]! + n - 1 - rowEnds);
        if (distance >= bestDistance) break;
        if (start - runStart === 1 || runEnd - (start + n) === 1 || !blockFits(index, start, request)) continue;
        bestStart = start;
        bestDistance = distance;
        break;
      }
    }
    runStart = runEnd;
  }
  return bestStart < 0 ? undefined : blockQuality(layout, bestStart, n);
}

/** Whether N seats from firstSeat form an eligible block that obeys the orphan rule. */
export function blockFits(index: AvailabilityIndex, firstSeat: number, request: BestAvailableRequest): boolean {
  const { layout, status } = index;
  const last = firstSeat + request.quantity - 1;
  let wheelchair = false;
  for (let i = firstSeat; i <= last; i++) {
    if (i > firstSeat && !adjacent(layout, i - 1, i)) return false;
    if (status[i] !== SEAT_STATUS.AVAILABLE) return false;
    const flags = layout.seatFlags[i]!;
    if (request.need !== 'WHEELCHAIR' && (flags & (SEAT_FLAG.WHEELCHAIR | SEAT_FLAG.COMPANION)) !== 0) return false;
    if (request.avoidRestrictedView === true && (flags & SEAT_FLAG.RESTRICTED_VIEW) !== 0) return false;
    if ((flags & SEAT_FLAG.WHEELCHAIR) !== 0) wheelchair = true;
  }
  if (request.need === 'WHEELCHAIR' && !wheelchair) return false;
  return !leavesOrphan(index, firstSeat, -1) && !leavesOrphan(index, last, 1);
}

/** True when exactly one AVAILABLE seat lies beyond the block's end in the given direction. */
function leavesOrphan(index: AvailabilityIndex, edgeSeat: number, direction: 1 | -1): boolean {
  const one = edgeSeat + direction;
  return freeBeside(index, edgeSeat, one, direction) && !freeBeside(index, one, one + direction, direction);
}

/**
 * Whether seat `to`, next to `from` in `direction`, is AVAILABLE and adjacent to it. A function of its own,
 * not a closure in leavesOrphan: this runs for every candidate block, and a closure a call was most of
 * best available's time in the profile of a filling stadium.
 */
function freeBeside(index: AvailabilityIndex, from: number, to: number, direction: 1 | -1): boolean {
  const { layout, status } = index;
  return to >= 0 && to < layout.seatCount && status[to] === SEAT_STATUS.AVAILABLE && (direction === 1 ? adjacent(layout, from, to) : adjacent(layout, to, from));
}
