/**
 * The client's copy of one schedule's seat map, kept current by seatmap.snapshot / seatmap.delta.
 * Pure (no DOM), so its version rules are unit-tested: versions rise by exactly 1 per batch; an
 * older or repeated version is ignored; a jump means we missed a batch and must re-read a snapshot.
 */
import type { SeatChange, SeatStatus, SeatView } from '../domain/views.js';

export type DeltaOutcome = 'applied' | 'stale' | 'gap' | 'no-snapshot';

export interface GradeGroup { grade: string; price: number; seats: SeatView[] }

export class SeatMapModel {
  private seatsByNumber = new Map<number, SeatView>();
  private currentVersion: number | null = null;

  get version(): number | null {
    return this.currentVersion;
  }

  /** Forget everything (another show was picked); the next message must be a snapshot. */
  reset(): void {
    this.currentVersion = null;
    this.seatsByNumber = new Map();
  }

  applySnapshot(version: number, seats: readonly SeatView[]): void {
    this.currentVersion = version;
    this.seatsByNumber = new Map(seats.map((seat) => [seat.seatNumber, { ...seat }]));
  }

  /** Returns the seats whose status changed when the delta applied. */
  applyDelta(version: number, changes: readonly SeatChange[]): { outcome: DeltaOutcome; changed: SeatChange[] } {
    if (this.currentVersion === null) return { outcome: 'no-snapshot', changed: [] };
    if (version <= this.currentVersion) return { outcome: 'stale', changed: [] };
    if (version !== this.currentVersion + 1) return { outcome: 'gap', changed: [] };
    this.currentVersion = version;
    const changed: SeatChange[] = [];
    for (const change of changes) {
      const seat = this.seatsByNumber.get(change.seatNumber);
      if (seat === undefined || seat.status === change.status) continue;
      seat.status = change.status;
      changed.push(change);
    }
    return { outcome: 'applied', changed };
  }

  seat(seatNumber: number): SeatView | undefined {
    return this.seatsByNumber.get(seatNumber);
  }

  statusOf(seatNumber: number): SeatStatus | undefined {
    return this.seatsByNumber.get(seatNumber)?.status;
  }

  seats(): SeatView[] {
    return [...this.seatsByNumber.values()].sort((a, b) => a.seatNumber - b.seatNumber);
  }

  /** Grades in seat order (VIP first on the demo map), each with its price. */
  gradeGroups(): GradeGroup[] {
    const groups: GradeGroup[] = [];
    for (const seat of this.seats()) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last.grade === seat.grade && last.price === seat.price) last.seats.push(seat);
      else groups.push({ grade: seat.grade, price: seat.price, seats: [seat] });
    }
    return groups;
  }

  countByStatus(): Record<SeatStatus, number> {
    const counts: Record<SeatStatus, number> = { AVAILABLE: 0, TEMP_RESERVED: 0, RESERVED: 0 };
    for (const seat of this.seatsByNumber.values()) counts[seat.status]++;
    return counts;
  }
}
