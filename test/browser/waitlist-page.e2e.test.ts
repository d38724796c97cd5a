/**
 * The waitlist and the honest odds on the booking page, in a real Chromium against the real app:
 *   a fan waiting in line sees the seats left and the outlook;
 *   an admitted fan finds a date sold out (another fan holds its two seats), joins its waitlist for 2 seats
 *   and sees their place; the other fan's hold runs out, the seats are offered to the fan live, with a
 *   countdown; the fan pays without a queue token and gets the confirmation with tickets.
 * Then the fan who waited, now admitted, finds a date in its presale, is asked for a code, and holds with it.
 * Screenshots go to test-artifacts/waitlist-page/. Needs Chromium, as booking-page.e2e.test.ts.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SKIP_BROWSER_TESTS } from './chromium.js';
import { startPageApp, type PageApp } from './page-app.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemClock } from '../../src/actors/clock.js';
import type { TestApp } from '../helpers/build-test-app.js';

const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'waitlist-page');
const HOLD_TTL_MS = 3_000;
const TITLE = 'Small Room Sessions';
const PRESALE_TITLE = 'Fan Club Night';

describe.skipIf(SKIP_BROWSER_TESTS)('waitlist and odds on the booking page in Chromium', () => {
  let app: PageApp;
  let testApp: TestApp<SystemClock>;
  let scheduleId: string;
  let presaleScheduleId: string;
  let waiter: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    app = await startPageApp({ config: { limits: { queueMaxActive: 1, holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: 120_000 } } }, ARTIFACTS_DIR);
    ({ testApp, pageErrors } = app);
    const now = testApp.engine.now();
    const created = await testApp.engine.createConcert({
      title: TITLE, venue: 'Cellar',
      schedules: [{ startsAt: new Date(now + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 60_000).toISOString(), seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 40_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    scheduleId = created.value.schedules[0]!.scheduleId;
    const presale = await testApp.engine.createConcert({
      title: PRESALE_TITLE, venue: 'Club',
      schedules: [{ startsAt: new Date(now + 9 * 86_400_000).toISOString(), presaleOpensAt: new Date(now - 60_000).toISOString(), bookingOpensAt: new Date(now + 86_400_000).toISOString() }],
    });
    if (!presale.ok) throw new Error(presale.error.code);
    presaleScheduleId = presale.value.schedules[0]!.scheduleId;
    expect((await testApp.engine.createPresaleCode({ scheduleId: presaleScheduleId, code: 'CLUB-2026', maxUses: 10 })).ok).toBe(true);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function openFan(userId: string): Promise<Page> {
    const page = await app.openPage();
    await app.signIn(page, userId);
    return page;
  }

  function screenshot(page: Page, name: string): Promise<void> {
    return app.screenshot(page, name);
  }

  it('shows the odds in line, and takes a fan from a sold-out date to its waitlist, a live offer and a payment', { timeout: 90_000 }, async () => {
    // One admission slot: the first fan is in, the second waits and sees the odds.
    const fan = await openFan('wl-page-fan');
    await fan.locator('body[data-stage="concerts"]').waitFor();
    waiter = await openFan('wl-page-waiter');
    await waiter.locator('#queue-odds:not([hidden])').waitFor();
    expect(await waiter.locator('#queue-odds').getAttribute('data-outlook')).toBe('LIKELY');
    expect(await waiter.locator('#queue-odds-text').textContent()).toContain('2 seats left');
    await screenshot(waiter, '01-odds-in-line');

    // Another fan holds both seats: the date is sold out for now.
    const held = await testApp.engine.hold({ userId: 'wl-page-holder', scheduleId, seatNumbers: [1, 2] });
    expect(held.ok).toBe(true);
    await fan.getByRole('button', { name: new RegExp(TITLE) }).click();
    const join = fan.locator(`button[data-waitlist-join="${scheduleId}"]`);
    await join.waitFor();
    await fan.locator(`select[data-waitlist-quantity="${scheduleId}"]`).selectOption('2');
    await join.click();
    await fan.locator('#waitlist-panel:not([hidden]) #waitlist-entries li').waitFor();
    expect(await fan.locator('#waitlist-entries li').first().textContent()).toContain('Number 1 of 1 for 2 seats');
    await screenshot(fan, '02-on-the-waitlist');

    // The hold runs out: the seats are offered to the fan, live, with a countdown.
    await fan.locator('#waitlist-offer:not([hidden])').waitFor({ timeout: HOLD_TTL_MS + 5_000 });
    expect(await fan.locator('#offer-summary').textContent()).toMatch(/Seat 1(,| and) 2/);
    expect(await fan.locator('#offer-countdown').textContent()).toMatch(/^\d+:\d\d$/);
    await screenshot(fan, '03-offer');

    // Paid without a queue token (the fan's turn may be long over); the balance is topped up first.
    await fan.locator('#offer-pay').click();
    await fan.locator('body[data-stage="done"]').waitFor();
    await fan.locator('#tickets img, #tickets canvas, #tickets svg').first().waitFor();
    expect(await fan.locator('#done-summary').textContent()).toMatch(/Seat 1(,| and) 2/);
    await screenshot(fan, '04-offer-paid');
    const map = testApp.engine.getSeatMap(scheduleId);
    expect(map.ok && map.value.seats.map((seat) => seat.status)).toEqual(['RESERVED', 'RESERVED']);
    expect(pageErrors).toEqual([]);
  });

  it('asks for the presale code on a date in its presale, refuses a hold without it, and holds with it', { timeout: 60_000 }, async () => {
    // The first fan's payment ended their turn, so the fan who waited is in now.
    await waiter.locator('body[data-stage="concerts"]').waitFor({ timeout: 15_000 });
    await waiter.getByRole('button', { name: new RegExp(PRESALE_TITLE) }).click();
    const date = waiter.locator(`#schedule-list button[data-schedule-id="${presaleScheduleId}"]`);
    expect(await date.textContent()).toContain('Presale: a code is needed');
    await date.click();
    await waiter.locator('body[data-stage="booking"]').waitFor();
    await waiter.locator('#presale-field:not([hidden])').waitFor();
    await waiter.locator('#seat-map button[data-seat="7"]').click();
    await waiter.locator('#hold-button').click();
    await waiter.locator('#alert:not([hidden])').waitFor();
    expect(await waiter.locator('#alert').textContent()).toContain('presale code');
    await screenshot(waiter, '05-presale-code-asked');

    await waiter.getByLabel('Presale code').fill('club-2026');
    await waiter.locator('#hold-button').click();
    await waiter.locator('#checkout-panel:not([hidden])').waitFor();
    await screenshot(waiter, '06-presale-held');
    const codes = testApp.engine.listPresaleCodes(presaleScheduleId);
    expect(codes.ok && codes.value[0]!.used).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
