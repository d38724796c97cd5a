/**
 * In the waiting room, when the odds say the seats will not reach the fan (UNLIKELY, or SOLD_OUT): the dates
 * they could wait for on a waitlist instead, each with a "join" button. Joining keeps their place in line;
 * an offer, if seats free up, arrives in the waitlist panel. The dates come from GET /v1/waitlist/schedules
 * (user token only: listing a concert's dates is for admitted fans), read when the odds turn and at most
 * every half minute after.
 */
import type { PageContext } from './context.js';
import { byId, el, replaceChildren } from './dom.js';
import { formatDateTime, plural } from './format.js';
import type { QueueStatusView, WaitlistDateView } from '../domain/views.js';

const RELOAD_MS = 30_000;

export class WaitlistInstead {
  private loadedAtMs = Number.NEGATIVE_INFINITY;
  private loading = false;
  private readonly joined = new Set<string>();

  constructor(
    private readonly context: PageContext,
    private readonly join: (scheduleId: string, quantity: number) => Promise<boolean>,
    private readonly maxSeats: number,
  ) {}

  /** Every status of the line: shown while the odds are poor, hidden otherwise. */
  update(status: QueueStatusView): void {
    const poor = status.status === 'WAITING' && (status.outlook === 'UNLIKELY' || status.outlook === 'SOLD_OUT');
    byId('waitlist-instead').hidden = !poor;
    if (poor && Date.now() - this.loadedAtMs >= RELOAD_MS) void this.load();
  }

  hide(): void {
    byId('waitlist-instead').hidden = true;
  }

  private async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      const body = await this.context.api.request<{ schedules: WaitlistDateView[] }>('GET', '/v1/waitlist/schedules');
      this.loadedAtMs = Date.now();
      this.render(body.schedules);
    } catch (error) {
      this.context.handleFailure(error, 'Could not load the dates with a waitlist.');
    } finally {
      this.loading = false;
    }
  }

  private render(dates: WaitlistDateView[]): void {
    const list = byId('waitlist-dates');
    if (dates.length === 0) {
      replaceChildren(list, el('li', { class: 'hint' }, 'No upcoming dates to wait for.'));
      return;
    }
    replaceChildren(list, ...dates.map((date) => {
      const selectId = `instead-quantity-${date.scheduleId}`;
      const quantity = el('select', { id: selectId }, ...Array.from({ length: this.maxSeats }, (_, i) => el('option', { value: i + 1 }, String(i + 1))));
      const join = el('button', { type: 'button', class: 'secondary', 'data-instead-join': date.scheduleId }, this.joined.has(date.scheduleId) ? 'On its waitlist ✓' : 'Join its waitlist');
      join.disabled = this.joined.has(date.scheduleId);
      join.addEventListener('click', () => void this.joinDate(date, Number(quantity.value), join));
      const state = date.soldOut ? 'Sold out' : 'Seats left now';
      return el('li', { class: 'instead-date' },
        el('span', { class: 'instead-title' }, `${date.title} · ${formatDateTime(date.startsAt)}`),
        el('span', { class: 'hint' }, `${date.venue} · ${state} · ${plural(date.waitlistLength, 'fan', 'fans')} on its waitlist`),
        el('span', { class: 'waitlist-join inline-field' }, el('label', { for: selectId }, 'Seats'), quantity, join));
    }));
  }

  private async joinDate(date: WaitlistDateView, quantity: number, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    if (await this.join(date.scheduleId, quantity)) {
      this.joined.add(date.scheduleId);
      button.textContent = 'On its waitlist ✓';
    } else {
      button.disabled = false;
    }
  }
}
