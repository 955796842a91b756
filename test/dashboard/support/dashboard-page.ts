import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOT_DIR } from '../../ui/support/browser';

/** The two desktop screens operators use (docs/dashboard.md). */
export const DESKTOP_VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 1280, height: 800 },
] as const;

export const DASHBOARD_SCREENSHOT_DIR = join(SCREENSHOT_DIR, 'dashboard');

/** A fresh browser context (its own cookie jar) on `/ops` at `viewport`; waits for the page to boot. */
export async function openDashboard(
  browser: Browser,
  baseUrl: string,
  viewport: { width: number; height: number } = DESKTOP_VIEWPORTS[0],
): Promise<Page> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'ja-JP' });
  const page = await context.newPage();
  watchPolicyViolations(page);
  await page.goto(`${baseUrl}/ops`);
  await page.waitForSelector('#app[data-view="login"], #app[data-view="dashboard"]');
  return page;
}

/** Fills the login form and waits for the board with its first snapshot loaded. */
export async function logIn(page: Page, name: string, token: string): Promise<void> {
  await page.fill('#login-name', name);
  await page.fill('#login-token', token);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#app[data-view="dashboard"][data-loaded="true"]');
}

/** Saves test-results/screenshots/dashboard/<name>.png. */
export async function saveDashboardScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(DASHBOARD_SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(DASHBOARD_SCREENSHOT_DIR, `${name}.png`) });
}

/**
 * What would make the board hard to read: the page scrolling (it must fit; the table and the
 * alert list scroll inside their panels), the table wider than its panel, text clipped by its own
 * box, or anything outside the viewport that is not inside one of the two scrolling panels.
 */
export function boardProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}.${String(el.className)} "${(el.textContent ?? '').slice(0, 30)}"`;
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth || root.scrollHeight > window.innerHeight) {
      problems.push(`page scrolls: ${root.scrollWidth}×${root.scrollHeight}`);
    }
    for (const scroller of Array.from(document.querySelectorAll('.table-scroll'))) {
      if (scroller.scrollWidth > scroller.clientWidth + 1) {
        problems.push(`kiosk table wider than its panel: ${scroller.scrollWidth} > ${scroller.clientWidth}`);
      }
    }
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      const scrolls = el.closest('.table-scroll, .alert-list') !== null;
      if (
        !scrolls &&
        (rect.left < -0.5 ||
          rect.top < -0.5 ||
          rect.right > window.innerWidth + 0.5 ||
          rect.bottom > window.innerHeight + 0.5)
      ) {
        problems.push(`${describe(el)} outside the viewport`);
      }
      if (el instanceof HTMLElement && !el.matches('.table-scroll, .alert-list, select, option, optgroup')) {
        const style = getComputedStyle(el);
        const clips = style.overflow !== 'visible' || el.tagName === 'BUTTON';
        if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
          problems.push(`${describe(el)} clips its content`);
        }
      }
    }
    return problems;
  });
}

const violations = new WeakMap<Page, string[]>();

/** Collects what the browser blocked under the page's CSP (chart.js included): must stay empty. */
function watchPolicyViolations(page: Page): void {
  const seen: string[] = [];
  violations.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      seen.push(message.text());
  });
}

/** The CSP violations the page has reported so far. */
export function policyViolations(page: Page): string[] {
  return [...(violations.get(page) ?? [])];
}
