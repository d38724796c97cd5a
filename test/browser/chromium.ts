/**
 * Debian's Chromium for the page tests, driven by playwright-core (`npx playwright install` cannot work on
 * these machines). Outside CI a missing browser skips the tests; in CI (CI set) it fails them.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM_PATH);
/** Skip the browser tests: no Chromium, and not in CI. */
export const SKIP_BROWSER_TESTS = !available && process.env['CI'] === undefined;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
