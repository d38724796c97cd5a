/**
 * Draws a venue schedule: the whole venue as one tile per section (a thumbnail of its seats, drawn on a
 * canvas: 2,500 seats are 2,500 pixels, not 2,500 elements) plus its standing areas; a section opened
 * (zoomed in) as rows of seat buttons, with larger or smaller seats. Both levels are keyboard operable with
 * one tab stop each (roving tabindex, arrow keys), and every seat button says in words what it is, so the
 * map never depends on colour. Live: changed seats redraw their tile on the next frame and their button now.
 */
import { byId, el, replaceChildren } from './dom.js';
import { formatWon, plural, spokenWon } from './format.js';
import type { VenueModel } from './venue-model.js';
import { SEAT_FLAG } from '../venues/layout-model.js';
import { SEAT_STATUS } from '../venues/seat-status.js';

export interface VenueViewEvents {
  selectionChanged(selected: number[]): void;
  notice(message: string): void;
  /** A standing area was chosen on the map: the panel offers its places. */
  areaChosen(areaIndex: number): void;
}

/** Pixels a seat takes in a tile's thumbnail. */
const THUMB_SEAT_PX = 3;
const SEAT_SIZES_REM = [1.1, 1.5, 2] as const;
/** Free seats by category rank (best first), then taken, blocked and held back. */
const CATEGORY_COLOURS = ['#7c3aed', '#2563eb', '#059669', '#d97706', '#db2777', '#0891b2'];
const TAKEN_COLOUR = '#374151';
const BLOCKED_COLOUR = '#d1d5db';

function categoryColour(rank: number): string {
  return CATEGORY_COLOURS[rank % CATEGORY_COLOURS.length]!;
}

function statusWord(code: number): 'AVAILABLE' | 'RESERVED' | 'BLOCKED' {
  return code === SEAT_STATUS.AVAILABLE ? 'AVAILABLE' : code === SEAT_STATUS.BLOCKED ? 'BLOCKED' : 'RESERVED';
}

export class VenueView {
  private readonly container = byId('venue-map');
  private readonly selected = new Set<number>();
  private mine = new Set<number>();
  private locked = false;
  private openSection: number | null = null;
  private seatSize = 1;
  private focusTile = 0;
  private focusSeat: number | null = null;
  private readonly buttons = new Map<number, HTMLButtonElement>();
  private readonly dirtySections = new Set<number>();
  private redrawScheduled = false;
  private model: VenueModel | null = null;

  constructor(private readonly maxSeats: number, private readonly events: VenueViewEvents) {
    this.container.addEventListener('click', (event) => this.onClick(event));
    this.container.addEventListener('keydown', (event) => this.onKey(event));
  }

  /** A new venue (another show): back to the overview, nothing picked. */
  show(model: VenueModel): void {
    this.model = model;
    this.selected.clear();
    this.openSection = null;
    this.focusTile = 0;
    this.render();
  }

  selection(): number[] {
    return [...this.selected].sort((a, b) => a - b);
  }

  clearSelection(): void {
    this.selected.clear();
    this.refreshButtons();
    this.events.selectionChanged([]);
  }

  setMine(seatNumbers: readonly number[]): void {
    this.mine = new Set(seatNumbers);
    this.refreshButtons();
  }

  setLocked(locked: boolean): void {
    this.locked = locked;
    this.container.dataset['locked'] = String(locked);
  }

  /** Redraws the whole current level (after a snapshot). */
  render(): void {
    const model = this.model;
    if (model === null) return;
    this.buttons.clear();
    if (this.openSection === null) this.renderOverview(model);
    else this.renderSection(model, this.openSection);
  }

  /** Seats whose status changed in a delta. */
  update(changed: readonly number[]): void {
    const model = this.model;
    if (model === null) return;
    for (const seatNumber of changed) {
      if (!model.isFree(seatNumber) && this.selected.delete(seatNumber)) {
        this.events.notice(`Sorry, ${model.plan.place(seatNumber).label} was just taken by someone else.`);
        this.events.selectionChanged(this.selection());
      }
      const button = this.buttons.get(seatNumber);
      if (button !== undefined) this.refreshButton(button, seatNumber);
      const section = model.sectionOf(seatNumber);
      this.dirtySections.add(section ?? -1);
    }
    if (!this.redrawScheduled && this.dirtySections.size > 0) {
      this.redrawScheduled = true;
      requestAnimationFrame(() => this.redrawDirty());
    }
  }

  // ------------------------------------------------------------ overview

  private renderOverview(model: VenueModel): void {
    const areas = model.plan.areas.map((area, index) => el('button', {
      type: 'button', class: 'area-tile', 'data-area': index, id: `venue-area-${index}`,
    }, el('span', { class: 'area-name' }, area.name), el('span', { class: 'area-free', 'data-area-free': index }, '')));
    const tiles = model.sections().map((section) => el('button', {
      type: 'button', class: 'section-tile', 'data-section': section.index, tabindex: section.index === this.focusTile ? 0 : -1,
    }, el('canvas', { class: 'section-thumb', 'aria-hidden': 'true' }), el('span', { class: 'section-name' }, section.id), el('span', { class: 'section-free' }, '')));
    replaceChildren(this.container,
      this.categoryLegend(model),
      el('p', { class: 'hint', id: 'venue-help' }, 'Pick a section to see its seats (arrow keys move between sections, Enter opens one), or let us find the best seats.'),
      areas.length === 0 ? null : el('div', { class: 'venue-areas', role: 'group', 'aria-label': 'Standing areas' }, ...areas),
      el('div', { class: 'venue-sections', role: 'group', 'aria-label': 'Sections', 'aria-describedby': 'venue-help' }, ...tiles),
    );
    this.container.dataset['level'] = 'overview';
    for (let i = 0; i < tiles.length; i++) this.drawTile(model, i);
    for (let a = 0; a < model.plan.areas.length; a++) this.drawArea(model, a);
  }

  /** What the thumbnails' colours mean: each category with its price (free seats take their category's colour). */
  private categoryLegend(model: VenueModel): HTMLElement {
    const items = model.plan.layout.categories.map((category, index) => {
      const chip = el('span', { class: 'category-chip', 'aria-hidden': 'true' });
      chip.style.backgroundColor = categoryColour(index);
      return el('li', {}, chip, `${category.name} · ${formatWon(category.priceWon)}`);
    });
    const taken = el('span', { class: 'category-chip', 'aria-hidden': 'true' });
    taken.style.backgroundColor = TAKEN_COLOUR;
    return el('ul', { class: 'category-legend', 'aria-label': 'Categories and prices' }, ...items, el('li', {}, taken, 'Taken'));
  }

  private drawTile(model: VenueModel, sectionIndex: number): void {
    const tile = this.container.querySelector<HTMLButtonElement>(`button[data-section="${sectionIndex}"]`);
    if (tile === null) return;
    const rows = model.sectionRows(sectionIndex);
    const width = Math.max(...rows.map((row) => row.seatNumbers.length));
    const canvas = tile.querySelector('canvas')!;
    canvas.width = width * THUMB_SEAT_PX;
    canvas.height = rows.length * THUMB_SEAT_PX;
    const g = canvas.getContext('2d');
    const categoryRank = new Map(model.plan.layout.categories.map((c, i) => [c.id, i]));
    let free = 0;
    let seats = 0;
    rows.forEach((row, r) => {
      const offset = Math.floor((width - row.seatNumbers.length) / 2);
      row.seatNumbers.forEach((seatNumber, k) => {
        const code = model.statusOf(seatNumber);
        if (code !== SEAT_STATUS.BLOCKED) seats++;
        if (code === SEAT_STATUS.AVAILABLE) free++;
        if (g === null) return;
        g.fillStyle = code === SEAT_STATUS.AVAILABLE ? categoryColour(categoryRank.get(row.category) ?? 0) : code === SEAT_STATUS.BLOCKED ? BLOCKED_COLOUR : TAKEN_COLOUR;
        g.fillRect((offset + k) * THUMB_SEAT_PX, r * THUMB_SEAT_PX, THUMB_SEAT_PX - 1, THUMB_SEAT_PX - 1);
      });
    });
    const section = model.plan.layout.sections[sectionIndex]!;
    const categories = [...new Set(rows.map((row) => row.category))].join(', ');
    tile.querySelector('.section-free')!.textContent = `${free.toLocaleString('en-US')} free`;
    tile.setAttribute('aria-label', `${section.name}: ${categories}. ${free.toLocaleString('en-US')} ${free === 1 ? 'seat' : 'seats'} free of ${seats.toLocaleString('en-US')}. Open to pick seats.`);
    tile.dataset['soldOut'] = String(free === 0);
  }

  private drawArea(model: VenueModel, areaIndex: number): void {
    const area = model.plan.areas[areaIndex]!;
    const free = model.freePlaces(areaIndex);
    const price = model.plan.layout.categories[area.categoryIndex]!.priceWon;
    const label = this.container.querySelector(`[data-area-free="${areaIndex}"]`);
    if (label !== null) label.textContent = `${free.toLocaleString('en-US')} of ${area.capacity.toLocaleString('en-US')} places left · ${formatWon(price)}`;
    this.container.querySelector(`#venue-area-${areaIndex}`)?.setAttribute('aria-label', `${area.name}, standing: ${plural(free, 'place', 'places')} left at ${spokenWon(price)}. Choose to buy places.`);
  }

  private redrawDirty(): void {
    this.redrawScheduled = false;
    const model = this.model;
    if (model === null) return;
    const dirty = [...this.dirtySections];
    this.dirtySections.clear();
    if (this.openSection !== null) return;
    for (const section of dirty) {
      if (section >= 0) this.drawTile(model, section);
      else for (let a = 0; a < model.plan.areas.length; a++) this.drawArea(model, a);
    }
  }

  // ------------------------------------------------------------ one section

  private renderSection(model: VenueModel, sectionIndex: number): void {
    const section = model.plan.layout.sections[sectionIndex]!;
    const rank = new Map(model.plan.layout.categories.map((c, i) => [c.id, i]));
    const rows = model.sectionRows(sectionIndex).map((row) => {
      const line = el('div', { class: 'venue-row', role: 'group', 'aria-label': row.label === '' ? section.name : `Row ${row.label}`, 'data-category': row.category },
        el('span', { class: 'row-label', 'aria-hidden': 'true' }, row.label),
        el('div', { class: 'row-seats' }, ...row.seatNumbers.map((seatNumber) => this.seatButton(model, seatNumber))));
      line.style.setProperty('--row-colour', categoryColour(rank.get(row.category) ?? 0));
      return line;
    });
    const seats = el('div', { class: 'section-seats', role: 'group', 'aria-labelledby': 'section-heading', 'aria-describedby': 'section-help' }, ...rows);
    // Through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
    seats.style.setProperty('--seat-size', `${SEAT_SIZES_REM[this.seatSize]}rem`);
    replaceChildren(this.container,
      this.categoryLegend(model),
      el('div', { class: 'section-bar' },
        el('button', { type: 'button', class: 'link-button', id: 'venue-back' }, '← Whole venue'),
        el('h3', { id: 'section-heading', tabindex: -1 }, section.name),
        el('span', { class: 'zoom' },
          el('button', { type: 'button', class: 'secondary zoom-button', id: 'zoom-out', 'aria-label': 'Smaller seats', disabled: this.seatSize === 0 }, '−'),
          el('button', { type: 'button', class: 'secondary zoom-button', id: 'zoom-in', 'aria-label': 'Larger seats', disabled: this.seatSize === SEAT_SIZES_REM.length - 1 }, '+'))),
      el('p', { class: 'hint', id: 'section-help' }, 'Arrow keys move between seats and rows; Enter or Space picks a seat.'),
      seats,
    );
    this.container.dataset['level'] = 'section';
    const first = this.focusSeat !== null && this.buttons.has(this.focusSeat) ? this.focusSeat : [...this.buttons.keys()].find((n) => model.isFree(n)) ?? this.buttons.keys().next().value;
    if (first !== undefined) this.moveSeatFocus(first, false);
  }

  private seatButton(model: VenueModel, seatNumber: number): HTMLButtonElement {
    const button = el('button', { type: 'button', class: 'seat venue-seat seat-look', 'data-seat': seatNumber, tabindex: -1 },
      el('span', { class: 'seat-number', 'aria-hidden': 'true' }, String(model.plan.place(seatNumber).number ?? '')));
    this.buttons.set(seatNumber, button);
    this.refreshButton(button, seatNumber);
    return button;
  }

  private refreshButton(button: HTMLButtonElement, seatNumber: number): void {
    const model = this.model!;
    const place = model.plan.place(seatNumber);
    const category = model.plan.layout.categories[place.categoryIndex]!;
    const code = model.statusOf(seatNumber);
    const status = statusWord(code);
    const selected = this.selected.has(seatNumber);
    const mine = this.mine.has(seatNumber);
    const flags = model.plan.isSeat(seatNumber) ? model.plan.layout.seatFlags[seatNumber - 1]! : 0;
    button.dataset['status'] = status;
    button.dataset['selected'] = String(selected);
    button.dataset['mine'] = String(mine);
    button.dataset['category'] = String(place.categoryIndex % CATEGORY_COLOURS.length);
    if ((flags & SEAT_FLAG.WHEELCHAIR) !== 0) button.dataset['access'] = 'wheelchair';
    else if ((flags & SEAT_FLAG.COMPANION) !== 0) button.dataset['access'] = 'companion';
    const notes = [
      (flags & SEAT_FLAG.WHEELCHAIR) !== 0 ? 'wheelchair place' : '',
      (flags & SEAT_FLAG.COMPANION) !== 0 ? 'companion seat' : '',
      (flags & SEAT_FLAG.RESTRICTED_VIEW) !== 0 ? 'restricted view' : '',
    ].filter((note) => note !== '');
    const state = mine ? 'yours' : selected ? 'picked' : status === 'AVAILABLE' ? 'available' : status === 'BLOCKED' ? 'not for sale' : 'taken';
    button.setAttribute('aria-label', `Row ${place.rowLabel ?? ''} seat ${place.number ?? ''}, ${category.name}, ${spokenWon(category.priceWon)}${notes.length === 0 ? '' : `, ${notes.join(', ')}`}: ${state}`);
    button.setAttribute('aria-pressed', String(selected));
    button.setAttribute('aria-disabled', String(status !== 'AVAILABLE' && !mine));
  }

  private refreshButtons(): void {
    for (const [seatNumber, button] of this.buttons) this.refreshButton(button, seatNumber);
  }

  // ------------------------------------------------------------ input

  private onClick(event: MouseEvent): void {
    const target = event.target as Element;
    const seat = target.closest<HTMLButtonElement>('button[data-seat]');
    if (seat !== null) {
      this.moveSeatFocus(Number(seat.dataset['seat']), false);
      this.toggle(Number(seat.dataset['seat']));
      return;
    }
    const tile = target.closest<HTMLButtonElement>('button[data-section]');
    if (tile !== null) {
      this.openSectionAt(Number(tile.dataset['section']));
      return;
    }
    const area = target.closest<HTMLButtonElement>('button[data-area]');
    if (area !== null) {
      this.events.areaChosen(Number(area.dataset['area']));
      return;
    }
    if (target.closest('#venue-back') !== null) {
      this.closeSection();
      return;
    }
    if (target.closest('#zoom-in') !== null) this.zoom(1);
    else if (target.closest('#zoom-out') !== null) this.zoom(-1);
  }

  private openSectionAt(sectionIndex: number): void {
    this.focusTile = sectionIndex;
    this.openSection = sectionIndex;
    this.focusSeat = null;
    this.render();
    byId('section-heading').focus();
  }

  private closeSection(): void {
    this.openSection = null;
    this.render();
    this.container.querySelector<HTMLButtonElement>(`button[data-section="${this.focusTile}"]`)?.focus();
  }

  private zoom(step: 1 | -1): void {
    this.seatSize = Math.min(SEAT_SIZES_REM.length - 1, Math.max(0, this.seatSize + step));
    const focused = this.focusSeat;
    this.render();
    byId(step > 0 ? 'zoom-in' : 'zoom-out').focus();
    if (focused !== null) this.moveSeatFocus(focused, false);
  }

  private toggle(seatNumber: number): void {
    const model = this.model;
    if (model === null) return;
    if (this.locked) {
      this.events.notice('Your seats are held: pay for them or release them before picking others.');
      return;
    }
    const label = model.plan.place(seatNumber).label;
    if (this.selected.has(seatNumber)) {
      this.selected.delete(seatNumber);
    } else if (!model.isFree(seatNumber)) {
      this.events.notice(`${label} is not available.`);
      return;
    } else if (this.selected.size >= this.maxSeats) {
      this.events.notice(`You can pick up to ${this.maxSeats} seats at a time.`);
      return;
    } else {
      this.selected.add(seatNumber);
    }
    const button = this.buttons.get(seatNumber);
    if (button !== undefined) this.refreshButton(button, seatNumber);
    this.events.selectionChanged(this.selection());
  }

  private onKey(event: KeyboardEvent): void {
    const target = event.target as Element;
    if (target.closest('button[data-seat]') !== null) this.onSeatKey(event);
    else if (target.closest('button[data-section]') !== null) this.onTileKey(event);
    else if (event.key === 'Escape' && this.openSection !== null) this.closeSection();
  }

  private onTileKey(event: KeyboardEvent): void {
    const count = this.model?.plan.layout.sections.length ?? 0;
    const perRow = this.tilesPerRow();
    const moves: Record<string, number> = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -perRow, ArrowDown: perRow, Home: -count, End: count };
    const move = moves[event.key];
    if (move === undefined) return;
    event.preventDefault();
    const next = Math.min(count - 1, Math.max(0, this.focusTile + move));
    const tiles = this.container.querySelectorAll<HTMLButtonElement>('button[data-section]');
    tiles[this.focusTile]?.setAttribute('tabindex', '-1');
    this.focusTile = next;
    tiles[next]?.setAttribute('tabindex', '0');
    tiles[next]?.focus();
  }

  /** Tiles in a row of the overview as laid out now (styles.css: 5, or 3 on a narrow screen): arrow up/down move by that. */
  private tilesPerRow(): number {
    const grid = this.container.querySelector<HTMLElement>('.venue-sections');
    const columns = grid === null ? '' : getComputedStyle(grid).gridTemplateColumns;
    return Math.max(1, columns.split(' ').filter((track) => track !== '').length);
  }

  private onSeatKey(event: KeyboardEvent): void {
    const model = this.model;
    const current = this.focusSeat;
    if (model === null || current === null || this.openSection === null) return;
    if (event.key === 'Escape') {
      event.preventDefault();
      this.closeSection();
      return;
    }
    const rows = model.sectionRows(this.openSection).map((row) => row.seatNumbers);
    const r = rows.findIndex((row) => row.includes(current));
    const k = rows[r]!.indexOf(current);
    let next: number | undefined;
    switch (event.key) {
      case 'ArrowLeft': next = rows[r]![k - 1]; break;
      case 'ArrowRight': next = rows[r]![k + 1]; break;
      case 'ArrowUp': next = rows[r - 1]?.[Math.min(k, rows[r - 1]!.length - 1)]; break;
      case 'ArrowDown': next = rows[r + 1]?.[Math.min(k, rows[r + 1]!.length - 1)]; break;
      case 'Home': next = rows[r]![0]; break;
      case 'End': next = rows[r]!.at(-1); break;
      default: return;
    }
    event.preventDefault();
    if (next !== undefined) this.moveSeatFocus(next, true);
  }

  private moveSeatFocus(seatNumber: number, focus: boolean): void {
    if (this.focusSeat !== null) this.buttons.get(this.focusSeat)?.setAttribute('tabindex', '-1');
    this.focusSeat = seatNumber;
    const button = this.buttons.get(seatNumber);
    button?.setAttribute('tabindex', '0');
    if (focus) button?.focus();
  }
}
