/**
 * The booking page against the real app, for the Chromium tests: the page bundle built, the app listening on
 * a free loopback port (system clock, unless a test passes `clock: 'manual'` to move time itself), the browser
 * launched, and pages opened with their errors recorded (uncaught errors and Content-Security-Policy refusals,
 * which must stay none).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { Clock, SystemClock } from '../../src/actors/clock.js';
import { buildTestApp, type TestApp, type TestAppOptions } from '../helpers/build-test-app.js';
import { launchChromium } from './chromium.js';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };
const STEP_TIMEOUT_MS = 10_000;

export interface PageApp<C extends Clock = SystemClock> {
  testApp: TestApp<C>;
  browser: Browser;
  baseUrl: string;
  /** Uncaught page errors and CSP refusals of every page opened. */
  pageErrors: string[];
  /** A page in its own browser context, loaded and ready. */
  openPage(viewport?: { width: number; height: number }, url?: string): Promise<Page>;
  /** Signs in on the first page and joins the line. */
  signIn(page: Page, userId: string): Promise<void>;
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startPageApp<C extends Clock = SystemClock>(options: TestAppOptions<C>, artifactsDir: string): Promise<PageApp<C>> {
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'pipe' });
  mkdirSync(artifactsDir, { recursive: true });
  const testApp = await buildTestApp<C>({ ...options, clock: options.clock ?? 'system' });
  await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  const address = testApp.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('app is not listening on a TCP port');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const browser = await launchChromium();
  const pageErrors: string[] = [];
  return {
    testApp, browser, baseUrl, pageErrors,
    async openPage(viewport = DESKTOP, url = baseUrl) {
      const page = await (await browser.newContext({ viewport })).newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
      page.on('console', (message) => {
        if (message.text().includes('Content Security Policy')) pageErrors.push(`csp: ${message.text()}`);
      });
      await page.goto(url);
      await page.locator('html[data-ready="true"]').waitFor();
      return page;
    },
    async signIn(page, userId) {
      await page.getByLabel('Your name').fill(userId);
      await page.getByRole('button', { name: 'Sign in and join the line' }).click();
    },
    async screenshot(page, name) {
      await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await testApp.close();
    },
  };
}
