/**
 * Draws the seat map as buttons grouped by grade and keeps the fan's selection.
 * Status shows three ways at once (colour, pattern and a glyph, from styles.css) plus a full
 * aria-label, so it never depends on telling colours apart. One tab stop for the whole map
 * (roving tabindex); arrow keys move between seats.
 */
import { byId, el, replaceChildren } from './dom.js';
import { formatWon, spokenWon } from './format.js';
import type { SeatMapModel } from './seat-map-model.js';
import type { SeatChange, SeatView } from '../domain/views.js';

/** Seats per row on screen; arrow up/down move by a row. */
export const SEATS_PER_ROW = 10;

export interface SeatMapViewEvents {
  selectionChanged(selected: number[]): void;
  notice(message: string): void;
}

export class SeatMapView {
  private readonly container = byId('seat-map');
  private readonly buttons = new Map<number, HTMLButtonElement>();
  private readonly selected = new Set<number>();
  private mine = new Set<number>();
  private focusSeat: number | null = null;
  /** While a hold is being made or paid, the map is read-only. */
  private locked = false;

  constructor(
    private readonly model: SeatMapModel,
    private readonly maxSeats: number,
    private readonly events: SeatMapViewEvents,
  ) {
    this.container.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-seat]');
      if (button !== null) this.toggle(Number(button.dataset['seat']));
    });
    this.container.addEventListener('keydown', (event) => this.onKey(event));
    // However a seat got focus (tab, click, screen reader), arrow keys continue from there.
    this.container.addEventListener('focusin', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-seat]');
      if (button !== null) this.moveFocus(Number(button.dataset['seat']), false);
    });
  }

  selection(): number[] {
    return [...this.selected].sort((a, b) => a - b);
  }

  clearSelection(): void {
    this.selected.clear();
    this.refreshAll();
    this.events.selectionChanged([]);
  }

  /** Seats held (or just paid) by this fan are marked as theirs. */
  setMine(seatNumbers: readonly number[]): void {
    this.mine = new Set(seatNumbers);
    this.refreshAll();
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
    this.container.dataset['locked'] = String(locked);
    if (!locked) this.dropUnavailableSelections();
  }

  /** Full redraw after a snapshot. */
  render(): void {
    const hadFocus = this.container.contains(document.activeElement);
    this.buttons.clear();
    const groups = this.model.gradeGroups().map((group) => {
      const headingId = `grade-${group.grade.replace(/[^A-Za-z0-9_-]/g, '_')}-${group.seats[0]?.seatNumber ?? 0}`;
      const grid = el('div', { class: 'seat-grid' }, ...group.seats.map((seat) => this.createButton(seat)));
      return el('div', { class: 'grade-group', role: 'group', 'aria-labelledby': headingId },
        el('h4', { id: headingId, class: 'grade-heading' },
          el('span', { class: 'grade-name' }, group.grade),
          el('span', { class: 'grade-price' }, `${formatWon(group.price)} each`)),
        grid);
    });
    replaceChildren(this.container, ...groups);
    this.dropUnavailableSelections();
    this.refreshAll();
    if (hadFocus && this.focusSeat !== null) this.buttons.get(this.focusSeat)?.focus();
  }

  /** Applies a delta's effects without redrawing, so keyboard focus stays where it is. */
  update(changed: readonly SeatChange[]): void {
    for (const change of changed) {
      const button = this.buttons.get(change.seatNumber);
      const seat = this.model.seat(change.seatNumber);
      if (button !== undefined && seat !== undefined) this.refresh(button, seat);
    }
    this.dropUnavailableSelections();
  }

  private createButton(seat: SeatView): HTMLButtonElement {
    const button = el('button', { type: 'button', class: 'seat seat-look', 'data-seat': seat.seatNumber },
      el('span', { class: 'seat-number' }, String(seat.seatNumber)));
    this.buttons.set(seat.seatNumber, button);
    return button;
  }

  private refreshAll(): void {
    for (const [seatNumber, button] of this.buttons) {
      const seat = this.model.seat(seatNumber);
      if (seat !== undefined) this.refresh(button, seat);
    }
  }

  private refresh(button: HTMLButtonElement, seat: SeatView): void {
    const isSelected = this.selected.has(seat.seatNumber);
    const isMine = this.mine.has(seat.seatNumber) && seat.status !== 'AVAILABLE';
    button.dataset['status'] = seat.status;
    button.dataset['selected'] = String(isSelected);
    button.dataset['mine'] = String(isMine);
    button.setAttribute('aria-pressed', String(isSelected));
    button.setAttribute('aria-disabled', String(seat.status !== 'AVAILABLE'));
    button.setAttribute('aria-label', `Seat ${seat.seatNumber}, ${seat.grade}, ${spokenWon(seat.price)}, ${describe(seat, isSelected, isMine)}`);
    this.focusSeat ??= seat.seatNumber;
    button.tabIndex = seat.seatNumber === this.focusSeat ? 0 : -1;
  }

  private toggle(seatNumber: number): void {
    const seat = this.model.seat(seatNumber);
    if (seat === undefined) return;
    this.moveFocus(seatNumber, false);
    if (this.locked) {
      this.events.notice('Your seats are on hold. Pay or release them to change your choice.');
      return;
    }
    if (seat.status !== 'AVAILABLE') {
      this.events.notice(`Seat ${seatNumber} is ${seat.status === 'RESERVED' ? 'sold' : 'held by someone else'}.`);
      return;
    }
    if (this.selected.has(seatNumber)) {
      this.selected.delete(seatNumber);
    } else if (this.selected.size >= this.maxSeats) {
      this.events.notice(`You can pick at most ${this.maxSeats} seats at a time.`);
      return;
    } else {
      this.selected.add(seatNumber);
    }
    const button = this.buttons.get(seatNumber);
    if (button !== undefined) this.refresh(button, seat);
    this.events.selectionChanged(this.selection());
  }

  /**
   * A seat someone else just took cannot stay in our selection. Not while locked: during our own
   * hold request, the delta of our own hold may arrive before the HTTP answer does.
   */
  private dropUnavailableSelections(): void {
    if (this.locked) return;
    const lost = [...this.selected].filter((seatNumber) => this.model.statusOf(seatNumber) !== 'AVAILABLE');
    if (lost.length === 0) return;
    for (const seatNumber of lost) this.selected.delete(seatNumber);
    this.refreshAll();
    this.events.selectionChanged(this.selection());
    this.events.notice(`Seat ${lost.join(', ')} was just taken by someone else and has been removed from your selection.`);
  }

  private onKey(event: KeyboardEvent): void {
    const current = this.focusSeat;
    if (current === null) return;
    const numbers = [...this.buttons.keys()].sort((a, b) => a - b);
    const index = numbers.indexOf(current);
    const targets: Record<string, number> = {
      ArrowRight: index + 1, ArrowLeft: index - 1, ArrowDown: index + SEATS_PER_ROW, ArrowUp: index - SEATS_PER_ROW,
      Home: 0, End: numbers.length - 1,
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = numbers[Math.min(numbers.length - 1, Math.max(0, target))];
    if (next !== undefined) this.moveFocus(next, true);
  }

  private moveFocus(seatNumber: number, focus: boolean): void {
    const previous = this.focusSeat === null ? undefined : this.buttons.get(this.focusSeat);
    if (previous !== undefined) previous.tabIndex = -1;
    this.focusSeat = seatNumber;
    const next = this.buttons.get(seatNumber);
    if (next === undefined) return;
    next.tabIndex = 0;
    if (focus) next.focus();
  }
}

function describe(seat: SeatView, isSelected: boolean, isMine: boolean): string {
  if (isMine) return seat.status === 'RESERVED' ? 'booked by you' : 'held by you';
  if (seat.status === 'RESERVED') return 'sold';
  if (seat.status === 'TEMP_RESERVED') return 'held by someone else';
  return isSelected ? 'available, selected' : 'available';
}
