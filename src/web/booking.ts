/**
 * Stage 4: the live seat map of one show, the selection and the hold. The map follows
 * seatmap.snapshot / seatmap.delta; on a version gap it reconnects, which re-reads the snapshot.
 */
import { ApiFailure } from './api-client.js';
import type { ShowChoice } from './catalogue.js';
import { Checkout, type CheckoutEvents } from './checkout.js';
import type { PageContext } from './context.js';
import { byId, el, replaceChildren, setText } from './dom.js';
import { formatDateTime, formatWon, listSeats, plural } from './format.js';
import { LiveSocket, websocketUrl, type LiveState } from './live-socket.js';
import { SeatMapModel } from './seat-map-model.js';
import { SeatMapView } from './seat-map-view.js';
import { CONNECTION_TEXT } from './waiting-room.js';
import type { ReservationView, SeatChange, SeatMapView as SeatMapBody, SeatView } from '../domain/views.js';

/** The contract's default MAX_SEATS_PER_RESERVATION; the server has the final word (INVALID_SEAT / VALIDATION_ERROR). */
export const MAX_SEATS_PER_HOLD = 4;

export class Booking {
  private readonly model = new SeatMapModel();
  private readonly view: SeatMapView;
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
    this.checkout = new Checkout(context, {
      paid: (payment, reservation) => {
        this.view.setMine(reservation.seats.map((seat) => seat.seatNumber));
        checkoutEvents.paid(payment, reservation);
      },
      ended: () => {
        this.view.setMine([]);
        this.view.setLocked(false);
        this.view.clearSelection();
        checkoutEvents.ended();
      },
    });
    byId('hold-button').addEventListener('click', () => void this.hold());
  }

  async open(show: ShowChoice): Promise<void> {
    this.close();
    this.show = show;
    setText('booking-heading', `Pick your seats: ${show.concert.title}`);
    setText('booking-show', `${formatDateTime(show.schedule.startsAt)} · ${show.concert.venue}`);
    replaceChildren(byId('seat-map'), el('p', { class: 'hint' }, 'Loading the seat map…'));
    this.model.reset();
    this.view.setMine([]);
    this.view.setLocked(false);
    this.view.clearSelection();
    this.checkout.hide();
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

  private onMessage(message: Record<string, unknown>): void {
    if (typeof message['serverTime'] === 'string') this.context.clock.observe(message['serverTime']);
    if (message['type'] === 'seatmap.snapshot') {
      this.applySnapshot(message['version'] as number, message['seats'] as SeatView[]);
    } else if (message['type'] === 'seatmap.delta') {
      const { outcome, changed } = this.model.applyDelta(message['version'] as number, message['changes'] as SeatChange[]);
      if (outcome === 'gap' || outcome === 'no-snapshot') this.socket?.reconnectNow();
      else if (outcome === 'applied') this.afterChange(changed);
    }
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

  private async hold(): Promise<void> {
    const show = this.show;
    const seatNumbers = this.view.selection();
    if (show === null || seatNumbers.length === 0 || this.holding) return;
    const presaleCode = byId('presale-field').hidden ? '' : byId<HTMLInputElement>('presale-code').value.trim();
    const body = { scheduleId: show.schedule.scheduleId, seatNumbers, ...(presaleCode === '' ? {} : { presaleCode }) };
    const button = byId<HTMLButtonElement>('hold-button');
    this.holding = true;
    button.disabled = true;
    this.view.setLocked(true);
    const idempotencyKey = this.context.idempotency.keyFor('hold', body);
    try {
      const receivedAt = Date.now();
      const reservation = await this.context.api.request<ReservationView>('POST', '/v1/reservations', { body, idempotencyKey, queueGated: true });
      this.context.idempotency.settle('hold', body);
      this.context.clock.observe(reservation.heldAt, receivedAt);
      this.startCheckout(reservation);
      this.context.announcer.clearError();
      this.context.announcer.say(`Seat ${listSeats(seatNumbers)} held for you. Pay before the countdown ends.`);
    } catch (error) {
      this.context.idempotency.settle('hold', body, error);
      this.view.setLocked(false);
      if (error instanceof ApiFailure && error.code === 'HOLD_LIMIT_REACHED' && await this.resumeHeldReservation(show.schedule.scheduleId)) {
        this.context.announcer.error('HOLD_LIMIT_REACHED', undefined, 'You already hold seats for this show, shown here.');
      } else {
        this.context.handleFailure(error, 'Could not hold the seats.');
      }
      // Not holding any more, so the button comes back for another try (with a presale code, other seats).
      this.holding = false;
      this.renderSelection(this.view.selection());
    } finally {
      this.holding = false;
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
    this.view.clearSelection();
    this.view.setMine(reservation.seats.map((seat) => seat.seatNumber));
    this.view.setLocked(true);
    this.checkout.show(reservation);
  }

  private renderSelection(selected: number[]): void {
    const seats = selected.map((seatNumber) => this.model.seat(seatNumber)).filter((seat): seat is SeatView => seat !== undefined);
    const total = seats.reduce((sum, seat) => sum + seat.price, 0);
    setText('selection-summary', seats.length === 0
      ? `No seats picked yet. You can hold up to ${MAX_SEATS_PER_HOLD}.`
      : `${plural(seats.length, 'seat', 'seats')} of ${MAX_SEATS_PER_HOLD} picked · total ${formatWon(total)}`);
    replaceChildren(byId('selection-list'), ...seats.map((seat) =>
      el('li', {}, el('span', {}, `Seat ${seat.seatNumber} · ${seat.grade}`), el('span', {}, formatWon(seat.price)))));
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
