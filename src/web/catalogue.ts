/** Stage 3: choose a concert (public list), then a date (queue-gated schedules). */
import type { PageContext } from './context.js';
import { byId, el, replaceChildren } from './dom.js';
import { formatDateTime } from './format.js';
import type { ConcertSummaryView, RoomView, ScheduleView, SchedulesView } from '../domain/views.js';

export interface ShowChoice { concert: ConcertSummaryView; schedule: ScheduleView }

export class Catalogue {
  private concerts: ConcertSummaryView[] = [];
  private chosenConcert: ConcertSummaryView | null = null;

  constructor(
    private readonly context: PageContext,
    private readonly onShowPicked: (choice: ShowChoice) => void,
    /** A sold-out date's waitlist, for this many seats together. */
    private readonly onJoinWaitlist: (schedule: ScheduleView, quantity: number) => void = () => undefined,
    /** The sale's room the fan came through (?room=): only its concerts and dates are offered, the ones its token opens. */
    private readonly roomId: string | null = null,
  ) {}

  /** What the sale's room sells (null: no room, everything), read with the concerts. */
  private roomScope: Pick<RoomView, 'concertIds' | 'scheduleIds'> | null = null;

  async load(): Promise<void> {
    byId('schedule-block').hidden = true;
    replaceChildren(byId('concert-list'), el('li', { class: 'hint' }, 'Loading concerts…'));
    try {
      const [body, room] = await Promise.all([
        this.context.api.request<{ concerts: ConcertSummaryView[] }>('GET', '/v1/concerts', { anonymous: true }),
        this.roomId === null ? Promise.resolve(null) : this.context.api.request<RoomView>('GET', `/v1/rooms/${encodeURIComponent(this.roomId)}`, { anonymous: true }),
      ]);
      this.roomScope = room;
      this.concerts = room === null ? body.concerts : body.concerts.filter((concert) => room.concertIds.includes(concert.concertId));
      this.renderConcerts();
      if (this.concerts.length === 1 && this.concerts[0] !== undefined) await this.pickConcert(this.concerts[0]);
    } catch (error) {
      replaceChildren(byId('concert-list'));
      this.context.handleFailure(error, 'Could not load the concerts.');
    }
  }

  /** Back from the seat map: show the dates of the same concert again, with fresh seat counts. */
  async reloadDates(): Promise<void> {
    if (this.chosenConcert === null) await this.load();
    else await this.pickConcert(this.chosenConcert);
  }

  private renderConcerts(): void {
    const list = byId('concert-list');
    if (this.concerts.length === 0) {
      replaceChildren(list, el('li', { class: 'hint' }, 'No concerts are on sale right now.'));
      return;
    }
    replaceChildren(list, ...this.concerts.map((concert) => {
      const button = el('button', {
        type: 'button', class: 'choice', 'data-concert-id': concert.concertId,
        'aria-pressed': String(concert.concertId === this.chosenConcert?.concertId),
      }, el('span', { class: 'choice-title' }, concert.title), el('span', { class: 'choice-detail' }, concert.venue));
      button.addEventListener('click', () => void this.pickConcert(concert));
      return el('li', {}, button);
    }));
  }

  private async pickConcert(concert: ConcertSummaryView): Promise<void> {
    this.chosenConcert = concert;
    this.renderConcerts();
    const block = byId('schedule-block');
    block.hidden = false;
    byId('schedule-heading').textContent = `Choose a date for ${concert.title}`;
    const list = byId('schedule-list');
    replaceChildren(list, el('li', { class: 'hint' }, 'Loading dates…'));
    try {
      const body = await this.context.api.request<SchedulesView>(
        'GET', `/v1/concerts/${encodeURIComponent(concert.concertId)}/schedules?includeSoldOut=true`, { queueGated: true },
      );
      const scope = this.roomScope;
      this.renderSchedules(concert, scope === null ? body.schedules : body.schedules.filter((schedule) => scope.scheduleIds.includes(schedule.scheduleId)));
      byId('schedule-heading').focus();
    } catch (error) {
      replaceChildren(list);
      this.context.handleFailure(error, 'Could not load the dates.');
    }
  }

  /** Under a sold-out date: how many seats, and the button that puts the fan on its waitlist. */
  private waitlistJoin(schedule: ScheduleView): HTMLElement {
    const selectId = `waitlist-quantity-${schedule.scheduleId}`;
    const quantity = el('select', { id: selectId, 'data-waitlist-quantity': schedule.scheduleId },
      ...[1, 2, 3, 4].map((n) => el('option', { value: n }, String(n))));
    const join = el('button', { type: 'button', class: 'secondary', 'data-waitlist-join': schedule.scheduleId }, 'Join the waitlist');
    join.addEventListener('click', () => this.onJoinWaitlist(schedule, Number((quantity as HTMLSelectElement).value)));
    return el('div', { class: 'waitlist-join inline-field' }, el('label', { for: selectId }, 'Seats'), quantity, join);
  }

  private renderSchedules(concert: ConcertSummaryView, schedules: ScheduleView[]): void {
    const list = byId('schedule-list');
    if (schedules.length === 0) {
      replaceChildren(list, el('li', { class: 'hint' }, 'No upcoming dates for this concert.'));
      return;
    }
    const nowMs = this.context.clock.now();
    replaceChildren(list, ...schedules.map((schedule) => {
      const beforeGeneralSale = Date.parse(schedule.bookingOpensAt) > nowMs;
      const inPresale = beforeGeneralSale && schedule.presaleOpensAt !== null && Date.parse(schedule.presaleOpensAt) <= nowMs;
      const notOpenYet = beforeGeneralSale && !inPresale;
      const soldOut = schedule.availableSeatCount === 0;
      const detail = notOpenYet
        ? `Booking opens ${formatDateTime(schedule.presaleOpensAt ?? schedule.bookingOpensAt)}${schedule.presaleOpensAt === null ? '' : ' (presale, with a code)'}`
        : inPresale && !soldOut
          ? `Presale: a code is needed until ${formatDateTime(schedule.bookingOpensAt)}`
        : soldOut
          ? 'Sold out: join the waitlist for seats that free up'
          : `${schedule.availableSeatCount} of ${schedule.totalSeatCount} seats left`;
      const button = el('button', {
        type: 'button', class: 'choice', 'data-schedule-id': schedule.scheduleId, disabled: notOpenYet || soldOut,
      }, el('span', { class: 'choice-title' }, formatDateTime(schedule.startsAt)), el('span', { class: 'choice-detail' }, detail));
      button.addEventListener('click', () => this.onShowPicked({ concert, schedule }));
      if (!soldOut || notOpenYet) return el('li', {}, button);
      return el('li', {}, button, this.waitlistJoin(schedule));
    }));
  }
}
