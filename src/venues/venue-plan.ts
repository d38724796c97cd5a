/**
 * A validated layout as a schedule numbers it: the layout's seat index i is seat number i + 1 (so a hall
 * laid out as seats 1..50 keeps its numbers), and each general admission area's places follow, area after
 * area, as seat numbers of their own. A place is sold by quantity and carries its area's id as its label.
 *
 * One plan per layout, shared by every schedule that uses it: it never changes (a layout is imported once
 * and never edited), so its typed arrays and its label index are built once.
 */
import { labelOf, SEAT_FLAG, seatLabel, type VenueLayout } from './layout-model.js';

export interface PlanArea {
  id: string;
  name: string;
  categoryIndex: number;
  /** Seat number of the area's first place; its places are firstSeatNumber..firstSeatNumber+capacity-1. */
  firstSeatNumber: number;
  capacity: number;
}

export interface SeatPlace {
  label: string;
  sectionId: string | null;
  rowLabel: string | null;
  /** The number printed on the seat (null for a standing place). */
  number: number | null;
  categoryIndex: number;
  /** The general admission area of a standing place. */
  areaId: string | null;
}

export class VenuePlan {
  readonly areas: PlanArea[];
  /** Layout seats plus every area's places. */
  readonly seatCount: number;
  private labels: Map<string, number> | null = null;
  /** Each seat number's label, made the first time a view names it (every hold's answer names its seats). */
  private readonly labelCache: Array<string | undefined> = [];

  /** `json` is the layout as imported: what a fan's page reads to draw the venue. */
  constructor(readonly layoutId: string, readonly layout: VenueLayout, readonly json: string) {
    let next = layout.seatCount + 1;
    this.areas = layout.generalAdmission.map((area) => {
      const planned = { id: area.id, name: area.name, categoryIndex: area.categoryIndex, firstSeatNumber: next, capacity: area.capacity };
      next += area.capacity;
      return planned;
    });
    this.seatCount = next - 1;
  }

  isSeat(seatNumber: number): boolean {
    return Number.isInteger(seatNumber) && seatNumber >= 1 && seatNumber <= this.layout.seatCount;
  }

  isBlocked(seatNumber: number): boolean {
    return this.isSeat(seatNumber) && (this.layout.seatFlags[seatNumber - 1]! & SEAT_FLAG.BLOCKED) !== 0;
  }

  areaOf(seatNumber: number): PlanArea | undefined {
    if (seatNumber <= this.layout.seatCount) return undefined;
    return this.areas.find((area) => seatNumber >= area.firstSeatNumber && seatNumber < area.firstSeatNumber + area.capacity);
  }

  categoryOf(seatNumber: number): number {
    if (this.isSeat(seatNumber)) return this.layout.seatCategory[seatNumber - 1]!;
    const area = this.areaOf(seatNumber);
    if (area === undefined) throw new Error(`seat ${seatNumber} is not in layout ${this.layoutId}`);
    return area.categoryIndex;
  }

  place(seatNumber: number): SeatPlace {
    if (this.isSeat(seatNumber)) {
      const index = seatNumber - 1;
      const row = this.layout.rows[this.layout.seatRow[index]!]!;
      const section = this.layout.sections[row.sectionIndex]!;
      return {
        label: seatLabel(this.layout, index), sectionId: section.id, rowLabel: row.label, number: this.layout.seatNumber[index]!,
        categoryIndex: this.layout.seatCategory[index]!, areaId: null,
      };
    }
    const area = this.areaOf(seatNumber);
    if (area === undefined) throw new Error(`seat ${seatNumber} is not in layout ${this.layoutId}`);
    return { label: area.id, sectionId: null, rowLabel: null, number: null, categoryIndex: area.categoryIndex, areaId: area.id };
  }

  /** The label of a seat number ("S1-1-12", or a standing area's id). */
  label(seatNumber: number): string {
    let label = this.labelCache[seatNumber];
    if (label === undefined) {
      label = this.place(seatNumber).label;
      this.labelCache[seatNumber] = label;
    }
    return label;
  }

  /** The seat number of a seat's label ("S1-1-12"); areas' places have no label of their own. */
  seatNumberOfLabel(label: string): number | undefined {
    if (this.labels === null) {
      // Built on the first label a fan sends, once per layout: ~60 B an entry, 4.8 MB for 80,000 seats.
      const labels = new Map<string, number>();
      const { layout } = this;
      for (const row of layout.rows) {
        const sectionId = layout.sections[row.sectionIndex]!.id;
        for (let i = row.firstSeat; i < row.firstSeat + row.seatCount; i++) labels.set(labelOf(sectionId, row.label, layout.seatNumber[i]!), i + 1);
      }
      this.labels = labels;
    }
    return this.labels.get(label);
  }
}
