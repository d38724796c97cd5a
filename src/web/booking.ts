/**
 * Stage 4: the live seat map of one show, the selection and the hold. The map follows
 * seatmap.snapshot / seatmap.delta; on a version gap it reconnects, which re-reads the snapshot.
 * A show sold from a venue layout is drawn by section (venue-view.ts) and also offers best available
 * seats and standing places; a show numbered 1..N is the grid of seat-map-view.ts.
 */
import { ApiFailure } from './api-client.js';
import type { ShowChoice } from './catalogue.js';
import { Checkout, type CheckoutEvents } from './checkout.js';
import type { PageContext } from './context.js';
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatDateTime, formatWon, listSeats, plural, seatName } from './format.js';
import { LiveSocket, websocketUrl, type LiveState } from './live-socket.js';
import { SeatMapModel } from './seat-map-model.js';
import { SeatMapView } from './seat-map-view.js';
import { CONNECTION_TEXT } from './waiting-room.js';
import { VenueModel } from './venue-model.js';
import { VenueView } from './venue-view.js';
import type { CompactSeatMapView, ReservationView, SeatChange, SeatMapView as SeatMapBody, SeatView, VenueView as VenueBody } from '../domain/views.js';

/** The contract's default MAX_SEATS_PER_RESERVATION; the server has the final word (INVALID_SEAT / VALIDATION_ERROR). */
export const MAX_SEATS_PER_HOLD = 4;

export class Booking {
  private readonly model = new SeatMapModel();
  private readonly view: SeatMapView;
  private readonly venueView: VenueView;
  /** The venue of the show open now, when it was sold from a layout. */
  private venue: VenueModel | null = null;
  private readonly checkout: Checkout;
  private socket: LiveSocket | null = null;
  private show: ShowChoice | null = null;
  private holding = false;

  constructor(private readonly context: PageContext, checkoutEvents: CheckoutEvents) {
    this.view = new SeatMapView(this.model, MAX_SEATS_PER_HOLD, {
      selectionChanged: (selected) => this.renderSelection(selected),
      notice: (message) => {
        setText('selection-notice', message);
        this.context.announcer.say(message);
      },
    });
    this.venueView = new VenueView(MAX_SEATS_PER_HOLD, {
      selectionChanged: (selected) => this.renderSelection(selected),
      notice: (message) => {
        setText('selection-notice', message);
        this.context.announcer.say(message);
      },
      areaChosen: (areaIndex) => {
        byId<HTMLSelectElement>('standing-area').value = String(areaIndex);
        byId('standing-quantity').focus();
      },
    });
    this.checkout = new Checkout(context, {
      paid: (payment, reservation) => {
        this.setMine(reservation.seats.map((seat) => seat.seatNumber));
        checkoutEvents.paid(payment, reservation);
      },
      ended: () => {
        this.setMine([]);
        this.setLocked(false);
        this.clearSelection();
        checkoutEvents.ended();
      },
    });
    byId('hold-button').addEventListener('click', () => void this.hold());
    byId('best-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const quantity = Number(byId<HTMLSelectElement>('best-quantity').value);
      const categoryId = byId<HTMLSelectElement>('best-category').value;
      const wheelchair = byId<HTMLInputElement>('best-wheelchair').checked;
      void this.hold({ bestAvailable: { quantity, ...(categoryId === '' ? {} : { categoryId }), ...(wheelchair ? { need: 'WHEELCHAIR' } : {}) } });
    });
    byId('standing-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const area = this.venue?.plan.areas[Number(byId<HTMLSelectElement>('standing-area').value)];
      if (area === undefined) return;
      void this.hold({ generalAdmission: { areaId: area.id, quantity: Number(byId<HTMLSelectElement>('standing-quantity').value) } });
    });
  }

  private setMine(seatNumbers: number[]): void {
    if (this.venue === null) this.view.setMine(seatNumbers);
    else this.venueView.setMine(seatNumbers);
  }

  private setLocked(locked: boolean): void {
    this.view.setLocked(locked);
    this.venueView.setLocked(locked);
  }

  private clearSelection(): void {
    if (this.venue === null) this.view.clearSelection();
    else this.venueView.clearSelection();
  }

  private selection(): number[] {
    return this.venue === null ? this.view.selection() : this.venueView.selection();
  }

  async open(show: ShowChoice): Promise<void> {
    this.close();
    this.show = show;
    setText('booking-heading', `Pick your seats: ${show.concert.title}`);
    setText('booking-show', `${formatDateTime(show.schedule.startsAt)} · ${show.concert.venue}`);
    replaceChildren(byId('seat-map'), el('p', { class: 'hint' }, 'Loading the seat map…'));
    this.model.reset();
    this.venue = null;
    this.view.setMine([]);
    this.setLocked(false);
    this.view.clearSelection();
    this.checkout.hide();
    const drawnByVenue = show.schedule.layoutId !== null;
    byId('seat-map').hidden = drawnByVenue;
    byId('seat-map-help').hidden = drawnByVenue;
    byId('venue-map').hidden = !drawnByVenue;
    byId('best-form').hidden = true;
    byId('standing-form').hidden = true;
    // The compact map tells taken from free, not held from sold: the venue legend says "Taken" for both.
    byId('seat-card-legend').dataset['venue'] = String(drawnByVenue);
    if (drawnByVenue && !await this.loadVenue(show.schedule.scheduleId)) return;
    // In the presale window a hold needs the fan's code; in the general sale nobody is asked for one.
    const { presaleOpensAt, bookingOpensAt } = show.schedule;
    byId('presale-field').hidden = !(presaleOpensAt !== null && Date.parse(bookingOpensAt) > this.context.clock.now());
    byId<HTMLInputElement>('presale-code').value = '';
    this.listen(show.schedule.scheduleId);
    await this.resumeHeldReservation(show.schedule.scheduleId);
  }

  close(): void {
    this.socket?.stop();
    this.socket = null;
    this.show = null;
    this.checkout.hide();
  }

  private listen(scheduleId: string): void {
    this.socket = new LiveSocket({
      url: () => {
        const session = this.context.session();
        return websocketUrl(`/v1/schedules/${encodeURIComponent(scheduleId)}/seats/ws`, {
          token: session?.userToken ?? '', queueToken: session?.queueToken ?? '',
        });
      },
      onMessage: (message) => this.onMessage(message),
      onState: (state) => this.setConnection(state),
      verifyAfterRefusal: () => this.verify(scheduleId),
    });
    this.socket.start();
  }

  /** The venue's layout, drawn before the live map arrives; false when it could not be read. */
  private async loadVenue(scheduleId: string): Promise<boolean> {
    try {
      const venue = await this.context.api.request<VenueBody>('GET', `/v1/schedules/${encodeURIComponent(scheduleId)}/venue`, { queueGated: true });
      if (this.show?.schedule.scheduleId !== scheduleId) return false;
      this.venue = new VenueModel(venue);
      this.fillVenueForms(this.venue);
      return true;
    } catch (error) {
      this.context.handleFailure(error, 'Could not load the venue.');
      return false;
    }
  }

  private fillVenueForms(venue: VenueModel): void {
    const options = (count: number): HTMLOptionElement[] => Array.from({ length: count }, (_, i) => el('option', { value: i + 1 }, String(i + 1)));
    replaceChildren(byId('best-quantity'), ...options(MAX_SEATS_PER_HOLD));
    const seated = venue.plan.layout.categories.filter((category, index) => venue.plan.areas.every((area) => area.categoryIndex !== index));
    replaceChildren(byId('best-category'), el('option', { value: '' }, 'The best I can get'),
      ...seated.map((category) => el('option', { value: category.id }, `${category.name} · ${formatWon(category.priceWon)}`)));
    byId<HTMLInputElement>('best-wheelchair').checked = false;
    byId('best-form').hidden = false;
    replaceChildren(byId('standing-area'), ...venue.plan.areas.map((area, index) =>
      el('option', { value: index }, `${area.name} · ${formatWon(venue.plan.layout.categories[area.categoryIndex]!.priceWon)}`)));
    replaceChildren(byId('standing-quantity'), ...options(MAX_SEATS_PER_HOLD));
    byId('standing-form').hidden = venue.plan.areas.length === 0;
  }

  private onMessage(message: Record<string, unknown>): void {
    if (typeof message['serverTime'] === 'string') this.context.clock.observe(message['serverTime']);
    if (this.venue !== null) {
      this.onVenueMessage(this.venue, message);
      return;
    }
    if (message['type'] === 'seatmap.snapshot') {
      this.applySnapshot(message['version'] as number, message['seats'] as SeatView[]);
    } else if (message['type'] === 'seatmap.delta') {
      const { outcome, changed } = this.model.applyDelta(message['version'] as number, message['changes'] as SeatChange[]);
      if (outcome === 'gap' || outcome === 'no-snapshot') this.socket?.reconnectNow();
      else if (outcome === 'applied') this.afterChange(changed);
    }
  }

  private onVenueMessage(venue: VenueModel, message: Record<string, unknown>): void {
    const version = message['version'] as number;
    if (message['type'] === 'seatmap.snapshot') {
      const compact = message['compact'] as Omit<CompactSeatMapView, 'scheduleId' | 'version'> | undefined;
      if (compact !== undefined ? !venue.applyCompact(version, compact.seatCount, compact.statusBase64) : (venue.applySeats(version, message['seats'] as SeatView[]), false)) {
        this.socket?.reconnectNow();
        return;
      }
      this.venueView.show(venue);
      this.afterVenueChange(venue);
    } else if (message['type'] === 'seatmap.delta') {
      const { outcome, changed } = venue.applyDelta(version, message['changes'] as SeatChange[]);
      if (outcome === 'gap' || outcome === 'no-snapshot') this.socket?.reconnectNow();
      else if (outcome === 'applied') {
        this.venueView.update(changed);
        this.afterVenueChange(venue);
      }
    }
  }

  private afterVenueChange(venue: VenueModel): void {
    const { free, total } = venue.countFree();
    setText('seat-counts', `${free.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} seats and places available`);
    byId('seat-map').dataset['version'] = String(venue.version);
    byId('venue-map').dataset['version'] = String(venue.version);
  }

  private applySnapshot(version: number, seats: SeatView[]): void {
    this.model.applySnapshot(version, seats);
    this.view.render();
    this.renderCounts();
    byId('seat-map').dataset['version'] = String(version);
  }

  private afterChange(changed: SeatChange[]): void {
    this.view.update(changed);
    this.renderCounts();
    byId('seat-map').dataset['version'] = String(this.model.version);
  }

  /** The socket was refused: the REST read says why (or serves as the snapshot if all is well). */
  private async verify(scheduleId: string): Promise<boolean> {
    try {
      const venue = this.venue;
      if (venue !== null) {
        const body = await this.context.api.request<CompactSeatMapView>('GET', `/v1/schedules/${encodeURIComponent(scheduleId)}/venue/map`, { queueGated: true });
        if (venue.applyCompact(body.version, body.seatCount, body.statusBase64)) {
          this.venueView.show(venue);
          this.afterVenueChange(venue);
        }
        return true;
      }
      const body = await this.context.api.request<SeatMapBody>('GET', `/v1/schedules/${encodeURIComponent(scheduleId)}/seats`, { queueGated: true });
      this.applySnapshot(body.version, body.seats);
      return true;
    } catch (error) {
      if (error instanceof ApiFailure && (error.status === 0 || error.status >= 500)) return true;
      // Paying ends our turn, so the server may drop this socket before the payment's answer
      // arrives: let the payment finish first; if it closed the map, this is no error.
      await this.checkout.whenIdle();
      if (this.socket === null) return false;
      this.context.handleFailure(error);
      return false;
    }
  }

  /** Holds the picked seats, or what `choice` asks for (best available, standing places). */
  private async hold(choice?: { bestAvailable: Record<string, unknown> } | { generalAdmission: { areaId: string; quantity: number } }): Promise<void> {
    const show = this.show;
    const seatNumbers = this.selection();
    if (show === null || (choice === undefined && seatNumbers.length === 0) || this.holding) return;
    const presaleCode = byId('presale-field').hidden ? '' : byId<HTMLInputElement>('presale-code').value.trim();
    const body = { scheduleId: show.schedule.scheduleId, ...(choice ?? { seatNumbers }), ...(presaleCode === '' ? {} : { presaleCode }) };
    const button = byId<HTMLButtonElement>('hold-button');
    this.holding = true;
    button.disabled = true;
    for (const id of ['best-button', 'standing-button']) byId<HTMLButtonElement>(id).disabled = true;
    this.setLocked(true);
    const idempotencyKey = this.context.idempotency.keyFor('hold', body);
    try {
      const receivedAt = Date.now();
      const reservation = await this.context.api.request<ReservationView>('POST', '/v1/reservations', { body, idempotencyKey, queueGated: true });
      this.context.idempotency.settle('hold', body);
      this.context.clock.observe(reservation.heldAt, receivedAt);
      this.startCheckout(reservation);
      this.context.announcer.clearError();
      const held = reservation.seats.some((seat) => seat.label !== undefined)
        ? reservation.seats.map(seatName).join(', ')
        : `Seat ${listSeats(reservation.seats.map((seat) => seat.seatNumber))}`;
      this.context.announcer.say(`${held} held for you. Pay before the countdown ends.`);
    } catch (error) {
      this.context.idempotency.settle('hold', body, error);
      this.setLocked(false);
      if (error instanceof ApiFailure && error.code === 'HOLD_LIMIT_REACHED' && await this.resumeHeldReservation(show.schedule.scheduleId)) {
        this.context.announcer.error('HOLD_LIMIT_REACHED', undefined, 'You already hold seats for this show, shown here.');
      } else {
        this.context.handleFailure(error, 'Could not hold the seats.');
      }
      // Not holding any more, so the button comes back for another try (with a presale code, other seats).
      this.holding = false;
      this.renderSelection(this.selection());
    } finally {
      this.holding = false;
      for (const id of ['best-button', 'standing-button']) byId<HTMLButtonElement>(id).disabled = false;
    }
  }

  /** A held reservation survives a reload: pick it up again instead of offering to hold twice. */
  private async resumeHeldReservation(scheduleId: string): Promise<boolean> {
    try {
      const body = await this.context.api.request<{ reservations: ReservationView[] }>('GET', '/v1/reservations?status=HELD');
      const held = body.reservations.find((reservation) => reservation.scheduleId === scheduleId && reservation.status === 'HELD');
      if (held === undefined) return false;
      this.startCheckout(held);
      return true;
    } catch {
      return false;
    }
  }

  private startCheckout(reservation: ReservationView): void {
    this.clearSelection();
    this.setMine(reservation.seats.map((seat) => seat.seatNumber));
    this.setLocked(true);
    this.checkout.show(reservation);
  }

  private renderSelection(selected: number[]): void {
    const venue = this.venue;
    const seats = venue === null
      ? selected.map((seatNumber) => this.model.seat(seatNumber)).filter((seat): seat is SeatView => seat !== undefined)
      : selected.map((seatNumber) => {
        const place = venue.plan.place(seatNumber);
        const category = venue.plan.layout.categories[place.categoryIndex]!;
        return { seatNumber, grade: category.id, price: category.priceWon, label: place.label };
      });
    const total = seats.reduce((sum, seat) => sum + seat.price, 0);
    setText('selection-summary', seats.length === 0
      ? `No seats picked yet. You can hold up to ${MAX_SEATS_PER_HOLD}.`
      : `${plural(seats.length, 'seat', 'seats')} of ${MAX_SEATS_PER_HOLD} picked · total ${formatWon(total)}`);
    replaceChildren(byId('selection-list'), ...seats.map((seat) =>
      el('li', {}, el('span', {}, `${seatName(seat)} · ${seat.grade}`), el('span', {}, formatWon(seat.price)))));
    const button = byId<HTMLButtonElement>('hold-button');
    button.disabled = seats.length === 0 || this.holding;
    button.textContent = seats.length === 0 ? 'Hold seats' : `Hold ${plural(seats.length, 'seat', 'seats')} · ${formatWon(total)}`;
    if (seats.length > 0) setText('selection-notice', '');
  }

  private renderCounts(): void {
    const counts = this.model.countByStatus();
    setText('seat-counts', `${counts.AVAILABLE} available · ${counts.TEMP_RESERVED} held · ${counts.RESERVED} sold`);
  }

  private setConnection(state: LiveState): void {
    const label = byId('seat-connection');
    label.dataset['state'] = state;
    label.textContent = CONNECTION_TEXT[state];
  }
}
