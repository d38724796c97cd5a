/**
 * A sale's own waiting room from its link (?room=), in Chromium, on a ManualClock engine: before the opening the
 * fan sees no place, a countdown that ticks by itself and the room's commitment to its draw; when the engine's
 * clock passes the opening, the pushed status shows the place drawn for the fan (the engine's own figure) and
 * the page keeps the fan's signed receipt of it. Twelve entrants, one admitted at once, so most wait.
 * Screenshots go to test-artifacts/room-page/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManualClock } from '../../src/actors/clock.js';
import type { QueueStatusView, RoomView } from '../../src/domain/views.js';
import { CHROMIUM_PATH, SKIP_BROWSER_TESTS } from './chromium.js';
import { DESKTOP, PHONE, startPageApp, type PageApp } from './page-app.js';

const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts', 'room-page');
const OPENS_IN_MS = 90_000;
/** Eleven others: the fan is drawn first (admitted at once) one time in twelve, and waits with a place otherwise. */
const OTHER_ENTRANTS = Array.from({ length: 11 }, (_, index) => `early-${index}`);
const FAN = 'room-fan';

if (SKIP_BROWSER_TESTS) console.warn(`room-page e2e skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);

/** "01:30" -> 90 */
function secondsOf(countdown: string): number {
  return countdown.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

async function textOf(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent()) ?? '';
}

describe.skipIf(SKIP_BROWSER_TESTS)('a sale\'s waiting room from its link in Chromium', () => {
  let app: PageApp<ManualClock>;
  let room: RoomView;
  const otherTokens = new Map<string, string>();

  beforeAll(async () => {
    app = await startPageApp<ManualClock>({ clock: 'manual' }, ARTIFACTS_DIR);
    const { engine } = app.testApp;
    const now = engine.now();
    const created = await engine.createConcert({
      title: 'Winter Tour', venue: 'Arena',
      schedules: [{ startsAt: new Date(now + 10 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 60_000).toISOString(), seatMap: { seatCount: 20, grades: [{ grade: 'R', from: 1, to: 20, price: 90_000 }] } }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const opened = await engine.createRoom({ name: 'Winter Tour presale', scheduleIds: [created.value.schedules[0]!.scheduleId], opensAtMs: now + OPENS_IN_MS, maxActive: 1 });
    if (!opened.ok) throw new Error(opened.error.code);
    room = opened.value;
    // Another show, sold through the default line: a fan of the room is not offered it.
    const other = await engine.createConcert({
      title: 'Other Show', venue: 'Club',
      schedules: [{ startsAt: new Date(now + 12 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 60_000).toISOString(), seatMap: { seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 50_000 }] } }],
    });
    if (!other.ok) throw new Error(other.error.code);
    // Others in the pre-queue before our fan: the draw decides who is first, not who came first.
    for (const userId of OTHER_ENTRANTS) {
      const issued = await engine.issueQueueToken(userId, { roomId: room.roomId });
      if (!issued.ok) throw new Error(issued.error.code);
      otherTokens.set(userId, issued.value.status.token);
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  it('counts down to the opening with the commitment shown, then shows the drawn place and keeps the receipt', { timeout: 90_000 }, async () => {
    const page = await app.openPage(DESKTOP, `${app.baseUrl}/?room=${encodeURIComponent(room.roomId)}`);
    await app.signIn(page, FAN);

    // Given the pre-queue: a countdown on the server's clock, no place yet, the commitment to the draw.
    await page.locator('#room-pre-queue:not([hidden])').waitFor();
    await page.locator('#room-commitment[title]:not([title=""])').waitFor();
    const firstCountdown = secondsOf(await textOf(page, '#room-countdown'));
    // The engine's clock stands still, the browser's runs: at most the seconds this test took are gone.
    expect(firstCountdown).toBeLessThanOrEqual(90);
    expect(firstCountdown).toBeGreaterThanOrEqual(80);
    expect(await textOf(page, '#room-countdown')).toMatch(/^01:[0-3]\d$/);
    expect(await textOf(page, '#room-countdown-label')).toBe('The sale opens in');
    expect(await page.locator('#room-countdown').getAttribute('role')).toBe('timer');
    expect(await textOf(page, '#queue-position')).toBe('–');
    expect(await textOf(page, '#queue-summary')).toContain('places are drawn at random when the sale opens');
    expect(await page.locator('#room-commitment').getAttribute('title')).toBe(room.commitment);
    expect(await textOf(page, '#room-commitment')).toBe(`${room.commitment.slice(0, 12)}…`);
    expect(await textOf(page, '#room-name')).toBe('Winter Tour presale');
    await expect.poll(() => textOf(page, '#room-entrants')).toBe(`${OTHER_ENTRANTS.length + 1} fans have joined so far.`);
    await page.locator('#queue-odds:not([hidden])').waitFor();
    expect(await textOf(page, '#queue-odds-text')).toContain('middle of the list');
    await expect.poll(() => textOf(page, '#live-status')).toContain('pre-queue');
    // It ticks by itself, with no push from the server.
    await expect.poll(async () => secondsOf(await textOf(page, '#room-countdown')), { timeout: 5_000 }).toBeLessThan(firstCountdown);
    await app.screenshot(page, '09-pre-queue-countdown');
    await page.setViewportSize(PHONE);
    await app.screenshot(page, '09-pre-queue-countdown-phone');
    await page.setViewportSize(DESKTOP);

    // When the engine's clock passes the opening (a tick or two to run it), the pushed status ends the pre-queue.
    const session = JSON.parse((await page.evaluate(() => sessionStorage.getItem('booking.session.v1'))) ?? '{}') as { queueToken: string };
    const { engine, clock } = app.testApp;
    clock.advance(OPENS_IN_MS + 1_000);
    let status: QueueStatusView | null = null;
    for (let tick = 0; tick < 5; tick++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const polled = engine.queueStatus(FAN, session.queueToken);
      if (polled.ok && polled.value.status !== 'PRE_QUEUE') {
        status = polled.value;
        break;
      }
      clock.advance(1_000);
    }
    expect(status?.status).toMatch(/^(WAITING|ACTIVE)$/);
    await page.locator('#room-pre-queue[hidden]').waitFor({ state: 'attached' });
    await page.locator('#room-receipt:not([hidden])').waitFor();

    // Then the page shows the place drawn: the engine's position in line, and the receipt's place of twelve.
    const receipt = engine.queueReceipt(FAN, session.queueToken);
    if (!receipt.ok) throw new Error(receipt.error.code);
    const place = receipt.value.place;
    expect(await textOf(page, '#room-receipt-place')).toBe(`Drawn place ${place} of ${OTHER_ENTRANTS.length + 1} — receipt saved`);
    if (status!.status === 'WAITING') {
      // One admitted at once: the first drawn is in, so the fan's place in line is one less than the drawn place.
      await expect.poll(() => textOf(page, '#queue-position')).toBe(String(status!.position));
      expect(status!.position).toBe(place - 1);
      expect(await textOf(page, '#queue-summary')).toContain(status!.position === 1 ? 'You are next in line.' : `number ${status!.position} in line`);
      // The opening is read aloud (the announcer writes its region a moment after clearing it).
      await expect.poll(() => textOf(page, '#live-status')).toContain('The sale is open and places were drawn.');
    } else {
      expect(place).toBe(1);
      await page.locator('body[data-stage="concerts"]').waitFor();
    }
    await page.getByText('Your signed receipt').click();
    expect(await textOf(page, '#room-receipt-text')).toMatch(/^R1\./);
    await page.getByRole('button', { name: 'Copy receipt' }).click();
    // Copied, or (no clipboard permission in a headless browser) selected for the fan to copy.
    await expect.poll(() => textOf(page, '#room-receipt-copied')).toMatch(/^(Copied\.|Selected: )/);
    const saved = JSON.parse((await page.evaluate(() => sessionStorage.getItem('booking.session.v1'))) ?? '{}') as { roomReceipt?: { place: number } };
    expect(saved.roomReceipt?.place).toBe(place);
    await app.screenshot(page, '10-room-opened-drawn-place');

    // The others leave: the fan's turn comes, and the page offers only what the room sells (not the other show).
    for (const [userId, token] of otherTokens) await engine.leaveQueue(userId, token);
    clock.advance(1_000);
    await page.locator('body[data-stage="concerts"]').waitFor();
    await page.locator('#schedule-list [data-schedule-id]').first().waitFor();
    expect(await page.locator('#concert-list [data-concert-id]').allTextContents()).toEqual([expect.stringContaining('Winter Tour')]);
    expect(await page.locator('#schedule-list [data-schedule-id]').count()).toBe(1);
    expect(app.pageErrors).toEqual([]);
  });
});
