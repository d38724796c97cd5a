/**
 * The booking page drawing the demo catalogue's 50,000-seat arena in a real Chromium against the real app:
 *   fan A opens the arena: 20 section tiles and the standing floor, drawn from the compact map;
 *   A asks for the 4 best seats: front row centre of the first VIP section, labels in the panel;
 *   fan B, watching the whole venue, sees that section's free count drop without a reload;
 *   B opens the section with the keyboard only (arrow keys, Enter), sees A's seats taken, zooms in,
 *   picks a seat with the arrow keys and Space, and holds it;
 *   fan C buys two standing places from the floor, pays, and gets tickets named by the floor.
 * Screenshots go to test-artifacts/venue-page/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, SKIP_BROWSER_TESTS } from './chromium.js';
import { DESKTOP, PHONE, startPageApp, type PageApp } from './page-app.js';

const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'venue-page');
const ARENA_TITLE = 'Nova Arena Tour';

if (SKIP_BROWSER_TESTS) {
  console.warn(`venue-page e2e skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
}

describe.skipIf(SKIP_BROWSER_TESTS)('the arena on the booking page in Chromium', () => {
  let app: PageApp;

  beforeAll(async () => {
    app = await startPageApp({ seedDemo: true, config: { limits: { queueMaxActive: 10 } } }, ARTIFACTS_DIR);
  });

  afterAll(async () => {
    await app?.close();
  });

  async function openArena(userId: string, viewport = DESKTOP): Promise<Page> {
    const page = await app.openPage(viewport);
    await app.signIn(page, userId);
    await page.locator('body[data-stage="concerts"]').waitFor();
    await page.getByRole('button', { name: new RegExp(ARENA_TITLE) }).click();
    await page.locator('#schedule-list button[data-schedule-id]:not([disabled])').first().click();
    await page.locator('body[data-stage="booking"]').waitFor();
    await page.locator('#venue-map[data-level="overview"] button[data-section="19"]').waitFor();
    return page;
  }

  function tile(page: Page, sectionIndex: number) {
    return page.locator(`#venue-map button[data-section="${sectionIndex}"]`);
  }

  it('draws the arena by section, finds the best seats, stays live, and works with the keyboard alone', { timeout: 120_000 }, async () => {
    const fanA = await openArena('arena-a');
    expect(await fanA.locator('#venue-map button[data-section]').count()).toBe(20);
    expect(await fanA.locator('#seat-map').isVisible()).toBe(false);
    expect(await tile(fanA, 8).getAttribute('aria-label')).toBe('Section 9: VIP, R, S. 2,500 seats free of 2,500. Open to pick seats.');
    expect(await fanA.locator('#venue-area-0').textContent()).toContain('5,000 of 5,000 places left');
    expect(await fanA.locator('#seat-counts').textContent()).toBe('54,998 of 54,998 seats and places available');
    await app.screenshot(fanA, '01-arena-overview');

    const fanB = await openArena('arena-b');

    // A asks for the four best seats.
    await fanA.locator('#best-quantity').selectOption('4');
    await fanA.getByRole('button', { name: 'Find the best seats' }).click();
    await fanA.locator('#checkout-panel:not([hidden])').waitFor();
    expect(await fanA.locator('#held-list li').allTextContents()).toEqual(['S9-1-24 · VIP₩250,000', 'S9-1-25 · VIP₩250,000', 'S9-1-26 · VIP₩250,000', 'S9-1-27 · VIP₩250,000']);
    await app.screenshot(fanA, '02-best-seats-held');

    // B, watching the whole venue, sees section 9 lose four seats, live.
    await expect.poll(() => tile(fanB, 8).locator('.section-free').textContent()).toBe('2,496 free');
    await app.screenshot(fanB, '03-watcher-sees-section-9-change');

    // B opens section 9 with the keyboard: Tab to the tiles, arrows to the ninth, Enter.
    await tile(fanB, 0).focus();
    await fanB.keyboard.press('ArrowDown');
    for (let i = 0; i < 3; i++) await fanB.keyboard.press('ArrowRight');
    expect(await fanB.evaluate(() => document.activeElement?.getAttribute('data-section'))).toBe('8');
    await fanB.keyboard.press('Enter');
    await fanB.locator('#venue-map[data-level="section"]').waitFor();
    expect(await fanB.locator('#section-heading').textContent()).toBe('Section 9');
    const takenByA = fanB.locator('#venue-map button[data-seat][data-status="RESERVED"]');
    expect(await takenByA.count()).toBe(4);
    expect(await takenByA.first().getAttribute('aria-label')).toBe('Row 1 seat 24, VIP, 250,000 won: taken');
    await app.screenshot(fanB, '04-section-9');
    await fanB.getByRole('button', { name: 'Larger seats' }).click();
    await app.screenshot(fanB, '05-section-9-zoomed-in');

    // Arrow keys move between seats and rows; Space picks one.
    await fanB.locator('#venue-map button[data-seat][tabindex="0"]').focus();
    const focusedLabel = () => fanB.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    expect(await focusedLabel()).toBe('Row 1 seat 1, VIP, 250,000 won, wheelchair place: available');
    await fanB.keyboard.press('ArrowDown');
    await fanB.keyboard.press('ArrowDown');
    for (let i = 0; i < 3; i++) await fanB.keyboard.press('ArrowRight');
    expect(await focusedLabel()).toBe('Row 3 seat 4, VIP, 250,000 won: available');
    await fanB.keyboard.press('Space');
    await fanB.keyboard.press('ArrowRight');
    await fanB.keyboard.press('Space');
    expect(await fanB.locator('#selection-list li').allTextContents()).toEqual(['S9-3-4 · VIP₩250,000', 'S9-3-5 · VIP₩250,000']);
    await app.screenshot(fanB, '06-keyboard-picks');
    await fanB.getByRole('button', { name: /^Hold 2 seats/ }).click();
    await fanB.locator('#checkout-panel:not([hidden])').waitFor();
    expect(await fanB.locator('#held-list li').allTextContents()).toEqual(['S9-3-4 · VIP₩250,000', 'S9-3-5 · VIP₩250,000']);
    // Escape goes back to the whole venue.
    await fanB.locator('#venue-map button[data-seat][tabindex="0"]').focus();
    await fanB.keyboard.press('Escape');
    await fanB.locator('#venue-map[data-level="overview"]').waitFor();
    expect(await tile(fanB, 8).locator('.section-free').textContent()).toBe('2,494 free');

    // C buys two standing places and pays: the tickets are named by the floor.
    const fanC = await openArena('arena-c');
    await fanC.locator('#venue-area-0').click();
    await fanC.locator('#standing-quantity').selectOption('2');
    await fanC.getByRole('button', { name: 'Hold standing places' }).click();
    await fanC.locator('#checkout-panel:not([hidden])').waitFor();
    expect(await fanC.locator('#held-list li').allTextContents()).toEqual(['FLOOR · GA₩99,000', 'FLOOR · GA₩99,000']);
    await fanC.locator('#charge-amount').fill('198000');
    await fanC.getByRole('button', { name: 'Add', exact: true }).click();
    await expect.poll(() => fanC.locator('#balance').textContent()).toBe('₩198,000');
    await fanC.getByRole('button', { name: 'Pay ₩198,000' }).click();
    await fanC.locator('body[data-stage="done"]').waitFor();
    expect(await fanC.locator('#done-summary').textContent()).toContain('FLOOR, FLOOR for Nova Arena Tour');
    await expect.poll(() => fanC.locator('#tickets figcaption').allTextContents()).toEqual(['FLOOR (GA)', 'FLOOR (GA)']);
    await app.screenshot(fanC, '07-standing-tickets');
    await expect.poll(() => fanA.locator('#venue-area-0').textContent()).toContain('4,998 of 5,000 places left');

    // On a phone the sections come three to a row, and arrow down moves by three.
    const phone = await openArena('arena-phone', PHONE);
    await tile(phone, 0).focus();
    await phone.keyboard.press('ArrowDown');
    expect(await phone.evaluate(() => document.activeElement?.getAttribute('data-section'))).toBe('3');
    await app.screenshot(phone, '08-arena-on-a-phone');

    expect(app.pageErrors).toEqual([]);
  });
});
