/**
 * Chromium driven by playwright-core, the one browser setup shared by the browser tests
 * (test/docs-site/), the docs benchmark and the README screenshots. Never downloads a browser:
 * it launches DPF_CHROMIUM, or the chromium found on the PATH (bench/chromium-setup.ts), which
 * the set-up of `npm test` installs from Debian's `chromium` package when it is missing.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from './chromium-setup.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
}

/** Everything the page complained about: script errors, failed loads, CSP violations. */
export function collectProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || /Content Security Policy|Refused to/.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  return problems;
}

/** Opens the site and waits until its first page is on screen. */
export async function openSite(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20_000 });
}
