/**
 * The client's copy of a venue schedule: its plan (the layout the server sent, validated and numbered by
 * the same code the engine uses, so seat n means the same seat on both sides) and one status byte per seat
 * number, kept current by the compact snapshot and the per-batch deltas. Pure (no DOM): its version rules
 * are those of SeatMapModel, unit-tested.
 */
import type { SeatChange, SeatView, VenueView } from '../domain/views.js';
import { validateLayout } from '../venues/layout.js';
import { SEAT_STATUS, type SeatStatusCode } from '../venues/seat-status.js';
import { VenuePlan } from '../venues/venue-plan.js';
import type { DeltaOutcome } from './seat-map-model.js';

export interface SectionSummary { index: number; id: string; name: string; seats: number; free: number; categories: string[] }

/** A seat's status on the public map: its code (seat-status.ts) from a delta's or a JSON snapshot's status. */
export function statusCode(status: SeatView['status']): SeatStatusCode {
  return status === 'AVAILABLE' ? SEAT_STATUS.AVAILABLE : SEAT_STATUS.TAKEN;
}

/** base64 of 2 bits a seat (src/venues/seat-map-codec.ts) into one byte a seat, without Node's Buffer. */
export function decodeStatus(statusBase64: string, seatCount: number): Uint8Array | null {
  let binary: string;
  try {
    binary = atob(statusBase64);
  } catch {
    return null;
  }
  if (binary.length !== Math.ceil(seatCount / 4)) return null;
  const status = new Uint8Array(seatCount);
  for (let i = 0; i < seatCount; i++) status[i] = (binary.charCodeAt(i >> 2) >> ((i & 3) * 2)) & 3;
  return status;
}

export class VenueModel {
  readonly plan: VenuePlan;
  /** Index n - 1 is seat number n. */
  private status: Uint8Array;
  private currentVersion: number | null = null;

  constructor(venue: VenueView) {
    const valid = validateLayout(venue.layout);
    if (!valid.ok) throw new Error(`the venue of ${venue.scheduleId} does not validate`);
    this.plan = new VenuePlan(venue.layoutId, valid.layout, '');
    if (this.plan.seatCount !== venue.seatCount) throw new Error(`the venue numbers ${venue.seatCount} seats, its layout ${this.plan.seatCount}`);
    this.status = new Uint8Array(this.plan.seatCount);
  }

  get version(): number | null {
    return this.currentVersion;
  }

  get seatCount(): number {
    return this.plan.seatCount;
  }

  /** A compact snapshot; false when it does not fit this venue (then the caller re-reads). */
  applyCompact(version: number, seatCount: number, statusBase64: string): boolean {
    const status = seatCount === this.plan.seatCount ? decodeStatus(statusBase64, seatCount) : null;
    if (status === null) return false;
    this.status = status;
    this.currentVersion = version;
    return true;
  }

  /** A snapshot in the seat-by-seat form (a venue of at most 500 seats sends that one). */
  applySeats(version: number, seats: readonly SeatView[]): void {
    const status = new Uint8Array(this.plan.seatCount);
    for (let n = 1; n <= this.plan.layout.seatCount; n++) if (this.plan.isBlocked(n)) status[n - 1] = SEAT_STATUS.BLOCKED;
    for (const seat of seats) if (status[seat.seatNumber - 1] !== SEAT_STATUS.BLOCKED) status[seat.seatNumber - 1] = statusCode(seat.status);
    this.status = status;
    this.currentVersion = version;
  }

  /** Returns the seat numbers whose status changed. */
  applyDelta(version: number, changes: readonly SeatChange[]): { outcome: DeltaOutcome; changed: number[] } {
    if (this.currentVersion === null) return { outcome: 'no-snapshot', changed: [] };
    if (version <= this.currentVersion) return { outcome: 'stale', changed: [] };
    if (version !== this.currentVersion + 1) return { outcome: 'gap', changed: [] };
    this.currentVersion = version;
    const changed: number[] = [];
    for (const { seatNumber, status } of changes) {
      const index = seatNumber - 1;
      if (index < 0 || index >= this.status.length) continue;
      const code = statusCode(status);
      if (this.status[index] === code) continue;
      this.status[index] = code;
      changed.push(seatNumber);
    }
    return { outcome: 'applied', changed };
  }

  statusOf(seatNumber: number): SeatStatusCode {
    return (this.status[seatNumber - 1] ?? SEAT_STATUS.BLOCKED) as SeatStatusCode;
  }

  isFree(seatNumber: number): boolean {
    return this.status[seatNumber - 1] === SEAT_STATUS.AVAILABLE;
  }

  /** The seat numbers of a section, row by row (nearest the stage first). */
  sectionRows(sectionIndex: number): Array<{ label: string; category: string; seatNumbers: number[] }> {
    const { layout } = this.plan;
    const section = layout.sections[sectionIndex]!;
    const rows: Array<{ label: string; category: string; seatNumbers: number[] }> = [];
    for (let r = section.firstRow; r < section.firstRow + section.rowCount; r++) {
      const row = layout.rows[r]!;
      rows.push({
        label: row.label, category: layout.categories[row.categoryIndex]!.id,
        seatNumbers: Array.from({ length: row.seatCount }, (_, k) => row.firstSeat + k + 1),
      });
    }
    return rows;
  }

  sections(): SectionSummary[] {
    const { layout } = this.plan;
    return layout.sections.map((section, index) => {
      let seats = 0;
      let free = 0;
      const categories = new Set<string>();
      for (let r = section.firstRow; r < section.firstRow + section.rowCount; r++) {
        const row = layout.rows[r]!;
        categories.add(layout.categories[row.categoryIndex]!.id);
        for (let i = row.firstSeat; i < row.firstSeat + row.seatCount; i++) {
          seats++;
          if (this.status[i] === SEAT_STATUS.AVAILABLE) free++;
        }
      }
      return { index, id: section.id, name: section.name, seats, free, categories: [...categories] };
    });
  }

  /** The section a layout seat sits in (standing places have none). */
  sectionOf(seatNumber: number): number | undefined {
    if (!this.plan.isSeat(seatNumber)) return undefined;
    return this.plan.layout.rows[this.plan.layout.seatRow[seatNumber - 1]!]!.sectionIndex;
  }

  freePlaces(areaIndex: number): number {
    const area = this.plan.areas[areaIndex]!;
    let free = 0;
    for (let n = area.firstSeatNumber; n < area.firstSeatNumber + area.capacity; n++) if (this.status[n - 1] === SEAT_STATUS.AVAILABLE) free++;
    return free;
  }

  countFree(): { free: number; total: number } {
    let free = 0;
    let total = 0;
    for (const code of this.status) {
      if (code === SEAT_STATUS.BLOCKED) continue;
      total++;
      if (code === SEAT_STATUS.AVAILABLE) free++;
    }
    return { free, total };
  }
}
