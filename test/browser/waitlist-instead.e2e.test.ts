/**
 * A fan in line whose odds are poor is offered the waitlists instead, in the waiting room, in Chromium:
 * one seat left, one fan admitted and four waiting ahead, so the odds say UNLIKELY; the page lists the date,
 * the fan joins its waitlist without leaving the line, and the waitlist panel shows their place.
 * Screenshots go to test-artifacts/waitlist-page/.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, SKIP_BROWSER_TESTS } from './chromium.js';
import { startPageApp, type PageApp } from './page-app.js';

const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'waitlist-page');
const TITLE = 'Last Seat Standing';

if (SKIP_BROWSER_TESTS) console.warn(`waitlist-instead e2e skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);

describe.skipIf(SKIP_BROWSER_TESTS)('the waitlist offered in the waiting room in Chromium', () => {
  let app: PageApp;
  let scheduleId: string;

  beforeAll(async () => {
    app = await startPageApp({ config: { limits: { queueMaxActive: 1 } } }, ARTIFACTS_DIR);
    const { engine } = app.testApp;
    const now = engine.now();
    const created = await engine.createConcert({
      title: TITLE, venue: 'Attic',
      schedules: [{ startsAt: new Date(now + 5 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 60_000).toISOString(), seatMap: { seatCount: 1, grades: [{ grade: 'R', from: 1, to: 1, price: 30_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    scheduleId = created.value.schedules[0]!.scheduleId;
    // One fan admitted, four waiting: a fan joining now has four ahead for one seat.
    for (const userId of ['ahead-0', 'ahead-1', 'ahead-2', 'ahead-3', 'ahead-4']) expect((await engine.issueQueueToken(userId)).ok).toBe(true);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists the dates when the odds are poor and puts the fan on a waitlist while they keep their place in line', { timeout: 60_000 }, async () => {
    const page = await app.openPage();
    await app.signIn(page, 'poor-odds-fan');

    await page.locator('#queue-odds[data-outlook="UNLIKELY"]').waitFor();
    await page.locator('#waitlist-instead:not([hidden])').waitFor();
    const item = page.locator('#waitlist-dates li.instead-date').first();
    await item.waitFor();
    expect(await item.textContent()).toContain(TITLE);
    expect(await item.textContent()).toContain('0 fans on its waitlist');
    await app.screenshot(page, '07-poor-odds-waitlist-instead');

    await page.locator(`#instead-quantity-${scheduleId}`).selectOption('1');
    await page.locator(`button[data-instead-join="${scheduleId}"]`).click();
    await page.locator('#waitlist-panel:not([hidden]) #waitlist-entries li').waitFor();
    expect(await page.locator('#waitlist-entries li').first().textContent()).toContain('Number 1 of 1 for 1 seat');
    expect(await page.locator(`button[data-instead-join="${scheduleId}"]`).textContent()).toBe('On its waitlist ✓');
    // Still in line.
    expect(await page.locator('body').getAttribute('data-stage')).toBe('queue');
    expect(app.testApp.engine.getWaitlistEntry('poor-odds-fan', scheduleId)).toMatchObject({ ok: true, value: { position: 1, quantity: 1 } });
    await app.screenshot(page, '08-on-a-waitlist-from-the-line');
    expect(app.pageErrors).toEqual([]);
  });
});
