/**
 * The venue side of a schedule created from a layout: which seats are free, kept as the layout's compact
 * status array with its per-row summaries (so best available never scans the venue), and which places of
 * each standing area are free (a Fenwick tree, so "the lowest N free places" costs O(N log capacity)).
 *
 * Every choice here is a function of the state alone (the best block by the documented order, the lowest
 * free places), never of history: replicas that re-decide a command, and a node recovered from a snapshot,
 * pick the same seats.
 */
import type { HoldCommand } from '../domain/engine.js';
import { fail, ok, type Result } from '../domain/error-codes.js';
import { applyChange, createAvailabilityIndex, initialStatus, type AvailabilityIndex } from '../venues/availability-index.js';
import { findBestAvailable, type BestAvailableRequest } from '../venues/best-available.js';
import { SEAT_STATUS, type SeatStatusCode } from '../venues/seat-status.js';
import type { VenuePlan } from '../venues/venue-plan.js';
import { FenwickTree } from './fenwick.js';
import type { SeatRecord } from './seat.machine.js';

export interface ScheduleVenue {
  readonly plan: VenuePlan;
  /** Status per layout seat as the public sees it (a free held-back seat is HELD_BACK). */
  readonly availability: AvailabilityIndex;
  /** Per standing area, in plan order: a 1 at the offset of each free place. */
  readonly areaFree: FenwickTree[];
}

/** How a fan names what to hold: seat numbers (every schedule), labels, best available, or standing places. */
export type SeatSelection =
  | { kind: 'numbers'; seatNumbers: number[] }
  | { kind: 'labels'; seatLabels: string[] }
  | { kind: 'best'; request: BestAvailableRequest }
  | { kind: 'standing'; areaId: string; quantity: number };

/**
 * The venue of a schedule whose seats are as `seats` says (all AVAILABLE for a new schedule; as a snapshot's
 * replay left them for a decoded one, so the row summaries are computed once, not once per seat replayed).
 */
export function createScheduleVenue(plan: VenuePlan, heldBack: ReadonlyMap<number, string>, seats: readonly SeatRecord[]): ScheduleVenue {
  const status = initialStatus(plan.layout);
  for (let n = 1; n <= plan.layout.seatCount; n++) {
    if (status[n - 1] === SEAT_STATUS.BLOCKED) continue;
    if (seats[n - 1]!.status !== 'AVAILABLE') status[n - 1] = SEAT_STATUS.TAKEN;
    else if (heldBack.has(n)) status[n - 1] = SEAT_STATUS.HELD_BACK;
  }
  const areaFree = plan.areas.map((area) => {
    const free = new FenwickTree(area.capacity);
    free.resetToOnes(area.capacity);
    for (let k = 0; k < area.capacity; k++) if (seats[area.firstSeatNumber + k - 1]!.status !== 'AVAILABLE') free.add(k, -1);
    return free;
  });
  return { plan, availability: createAvailabilityIndex(plan.layout, status), areaFree };
}

/** Keeps the venue's view of one seat in step with its record; the schedule calls it on every change. */
export function noteSeat(venue: ScheduleVenue, seat: SeatRecord, heldBack: boolean): void {
  const { plan } = venue;
  if (plan.isSeat(seat.seatNumber)) {
    const index = seat.seatNumber - 1;
    if (venue.availability.status[index] === SEAT_STATUS.BLOCKED) return;
    const code: SeatStatusCode = seat.status !== 'AVAILABLE' ? SEAT_STATUS.TAKEN : heldBack ? SEAT_STATUS.HELD_BACK : SEAT_STATUS.AVAILABLE;
    if (venue.availability.status[index] !== code) applyChange(venue.availability, index, code);
    return;
  }
  const areaIndex = venue.plan.areas.findIndex((area) => seat.seatNumber >= area.firstSeatNumber && seat.seatNumber < area.firstSeatNumber + area.capacity);
  if (areaIndex < 0) throw new Error(`seat ${seat.seatNumber} is not in layout ${plan.layoutId}`);
  const free = venue.areaFree[areaIndex]!;
  const offset = seat.seatNumber - plan.areas[areaIndex]!.firstSeatNumber;
  const wasFree = free.prefixSum(offset) - free.prefixSum(offset - 1) === 1;
  const isFree = seat.status === 'AVAILABLE';
  if (wasFree !== isFree) free.add(offset, isFree ? 1 : -1);
}

/** Free places of a standing area. */
export function freePlaces(venue: ScheduleVenue, areaIndex: number): number {
  return venue.areaFree[areaIndex]!.total();
}

/**
 * The seat numbers a selection names, decided against the schedule's current state. Seat numbers pass
 * through untouched (the hold checks them); the rest need a venue.
 */
export function resolveSelection(venue: ScheduleVenue | null, selection: SeatSelection): Result<number[]> {
  if (selection.kind === 'numbers') return ok(selection.seatNumbers);
  if (venue === null) {
    return fail('VALIDATION_ERROR', { field: selection.kind === 'labels' ? 'seatLabels' : selection.kind === 'best' ? 'bestAvailable' : 'generalAdmission', problem: 'this schedule has no venue layout: name seats by seatNumbers' });
  }
  switch (selection.kind) {
    case 'labels': {
      const seatNumbers: number[] = [];
      const unknown: string[] = [];
      for (const label of selection.seatLabels) {
        const seatNumber = venue.plan.seatNumberOfLabel(label);
        if (seatNumber === undefined || seatNumbers.includes(seatNumber)) unknown.push(label);
        else seatNumbers.push(seatNumber);
      }
      return unknown.length > 0 ? fail('INVALID_SEAT', { seatLabels: unknown }) : ok(seatNumbers);
    }
    case 'best': {
      const found = findBestAvailable(venue.availability, selection.request);
      if (found.ok) return ok(found.seats.map((index) => index + 1));
      if (found.reason === 'INVALID_QUANTITY') return fail('VALIDATION_ERROR', { field: 'bestAvailable.quantity', problem: 'out of range' });
      if (found.reason === 'UNKNOWN_CATEGORY') return fail('VALIDATION_ERROR', { field: 'bestAvailable.categoryId', problem: `no category ${selection.request.categoryId ?? ''} in this venue` });
      return fail('NOT_ENOUGH_SEATS', { reason: found.reason, quantity: selection.request.quantity });
    }
    case 'standing': {
      const areaIndex = venue.plan.areas.findIndex((area) => area.id === selection.areaId);
      if (areaIndex < 0) return fail('VALIDATION_ERROR', { field: 'generalAdmission.areaId', problem: `no standing area ${selection.areaId} in this venue` });
      const free = venue.areaFree[areaIndex]!;
      if (free.total() < selection.quantity) return fail('NOT_ENOUGH_SEATS', { reason: 'NOT_ENOUGH_PLACES', quantity: selection.quantity, areaId: selection.areaId, free: free.total() });
      const first = venue.plan.areas[areaIndex]!.firstSeatNumber;
      return ok(Array.from({ length: selection.quantity }, (_, k) => first + free.indexOfRank(k + 1)));
    }
  }
}

/** The one way the command names its seats, or null when it names none or several. */
export function selectionOf(command: HoldCommand): SeatSelection | null {
  // Every hold passes here: count the ways named rather than collect them.
  const named = (command.seatNumbers === undefined ? 0 : 1) + (command.seatLabels === undefined ? 0 : 1)
    + (command.bestAvailable === undefined ? 0 : 1) + (command.generalAdmission === undefined ? 0 : 1);
  if (named !== 1) return null;
  if (command.seatNumbers !== undefined) return { kind: 'numbers', seatNumbers: command.seatNumbers };
  if (command.seatLabels !== undefined) return { kind: 'labels', seatLabels: command.seatLabels };
  if (command.bestAvailable !== undefined) return { kind: 'best', request: command.bestAvailable };
  return { kind: 'standing', ...command.generalAdmission! };
}

export function selectionSize(selection: SeatSelection): number {
  switch (selection.kind) {
    case 'numbers': return selection.seatNumbers.length;
    case 'labels': return selection.seatLabels.length;
    case 'best': return selection.request.quantity;
    case 'standing': return selection.quantity;
  }
}

export function selectionField(selection: SeatSelection): string {
  switch (selection.kind) {
    case 'numbers': return 'seatNumbers';
    case 'labels': return 'seatLabels';
    case 'best': return 'bestAvailable.quantity';
    case 'standing': return 'generalAdmission.quantity';
  }
}
