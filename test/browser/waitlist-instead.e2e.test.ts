/**
 * A fan in line whose odds are poor is offered the waitlists instead, in the waiting room, in Chromium:
 * one seat left, one fan admitted and four waiting ahead, so the odds say UNLIKELY; the page lists the date,
 * the fan joins its waitlist without leaving the line, and the waitlist panel shows their place.
 * Screenshots go to test-artifacts/waitlist-page/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemClock } from '../../src/actors/clock.js';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';
import { CHROMIUM_PATH, launchChromium, SKIP_BROWSER_TESTS } from './chromium.js';

const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'waitlist-page');
const TITLE = 'Last Seat Standing';

if (SKIP_BROWSER_TESTS) console.warn(`waitlist-instead e2e skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);

describe.skipIf(SKIP_BROWSER_TESTS)('the waitlist offered in the waiting room in Chromium', () => {
  let testApp: TestApp<SystemClock>;
  let browser: Browser;
  let baseUrl: string;
  let scheduleId: string;

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'pipe' });
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    testApp = await buildTestApp<SystemClock>({ clock: 'system', config: { limits: { queueMaxActive: 1 } } });
    const now = testApp.engine.now();
    const created = await testApp.engine.createConcert({
      title: TITLE, venue: 'Attic',
      schedules: [{ startsAt: new Date(now + 5 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 60_000).toISOString(), seatMap: { seatCount: 1, grades: [{ grade: 'R', from: 1, to: 1, price: 30_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    scheduleId = created.value.schedules[0]!.scheduleId;
    // One fan admitted, four waiting: a fan joining now has four ahead for one seat.
    for (const userId of ['ahead-0', 'ahead-1', 'ahead-2', 'ahead-3', 'ahead-4']) expect((await testApp.engine.issueQueueToken(userId)).ok).toBe(true);
    await testApp.app.listen({ port: 0, host: '127.0.0.1' });
    const address = testApp.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('app is not listening on a TCP port');
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await testApp?.close();
  });

  it('lists the dates when the odds are poor and puts the fan on a waitlist while they keep their place in line', { timeout: 60_000 }, async () => {
    const pageErrors: string[] = [];
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(baseUrl);
    await page.locator('html[data-ready="true"]').waitFor();
    await page.getByLabel('Your name').fill('poor-odds-fan');
    await page.getByRole('button', { name: 'Sign in and join the line' }).click();

    await page.locator('#queue-odds[data-outlook="UNLIKELY"]').waitFor();
    await page.locator('#waitlist-instead:not([hidden])').waitFor();
    const item = page.locator('#waitlist-dates li.instead-date').first();
    await item.waitFor();
    expect(await item.textContent()).toContain(TITLE);
    expect(await item.textContent()).toContain('0 fans on its waitlist');
    await page.screenshot({ path: join(ARTIFACTS_DIR, '07-poor-odds-waitlist-instead.png'), fullPage: true });

    await page.locator(`#instead-quantity-${scheduleId}`).selectOption('1');
    await page.locator(`button[data-instead-join="${scheduleId}"]`).click();
    await page.locator('#waitlist-panel:not([hidden]) #waitlist-entries li').waitFor();
    expect(await page.locator('#waitlist-entries li').first().textContent()).toContain('Number 1 of 1 for 1 seat');
    expect(await page.locator(`button[data-instead-join="${scheduleId}"]`).textContent()).toBe('On its waitlist ✓');
    // Still in line.
    expect(await page.locator('body').getAttribute('data-stage')).toBe('queue');
    expect(testApp.engine.getWaitlistEntry('poor-odds-fan', scheduleId)).toMatchObject({ ok: true, value: { position: 1, quantity: 1 } });
    await page.screenshot({ path: join(ARTIFACTS_DIR, '08-on-a-waitlist-from-the-line.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
