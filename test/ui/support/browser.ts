import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';

/** The kiosk's panel (docs/kiosk-ui.md). */
export const KIOSK_VIEWPORT = { width: 1280, height: 800 };

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

/** Debian's Chromium, headless, with everything that would phone home switched off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      // The kiosk speaks without a tap first (the Electron shell sets the same switch).
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Opens the launch URL in a fresh context (its own cookie jar) at the kiosk's resolution. */
export async function openKiosk(browser: Browser, launchUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: KIOSK_VIEWPORT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(launchUrl);
  await page.waitForSelector('[data-screen]');
  return page;
}

/** Number of view models the page has drawn so far. */
export async function renderCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('#app', 'data-renders'));
}

/** Waits until the page has drawn a view model after the `before`-th one. */
export async function waitForRenderAfter(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n) => Number(document.getElementById('app')?.dataset.renders) > n, before);
}

/** Saves test-results/screenshots/<language>/<name>.png. */
export async function saveScreenshot(page: Page, language: string, name: string): Promise<void> {
  const path = join(SCREENSHOT_DIR, language, `${name}.png`);
  await mkdir(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

export interface LayoutProblem {
  element: string;
  problem: string;
}

/**
 * Elements that stick out of the viewport or clip their own text, and buttons smaller than a
 * 64 px touch target. An empty list is a screen that fits and can be used with a finger.
 */
export function layoutProblems(page: Page, minTouch = 64): Promise<LayoutProblem[]> {
  return page.evaluate((min) => {
    const problems: { element: string; problem: string }[] = [];
    const describe = (el: Element): string =>
      `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''} "${(el.textContent ?? '').slice(0, 30)}"`;
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth || root.scrollHeight > window.innerHeight) {
      problems.push({ element: 'document', problem: `scrolls: ${root.scrollWidth}×${root.scrollHeight}` });
    }
    for (const el of Array.from(document.querySelectorAll('body *'))) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;
      if (
        rect.left < -0.5 ||
        rect.top < -0.5 ||
        rect.right > window.innerWidth + 0.5 ||
        rect.bottom > window.innerHeight + 0.5
      ) {
        problems.push({ element: describe(el), problem: `outside the viewport: ${JSON.stringify(rect)}` });
      }
      if (
        el instanceof HTMLElement &&
        (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
      ) {
        const style = getComputedStyle(el);
        if (style.overflow !== 'visible' || el.tagName === 'BUTTON') {
          problems.push({ element: describe(el), problem: 'content clipped' });
        }
      }
      if (el.tagName === 'BUTTON' && (rect.width < min || rect.height < min)) {
        problems.push({ element: describe(el), problem: `touch target ${rect.width}×${rect.height}` });
      }
    }
    return problems;
  }, minTouch);
}

/**
 * Text whose contrast with its background is below `minimum` (WCAG AA: 4.5). Backgrounds are
 * found by walking up to the first painted ancestor; translucent ones are blended over white.
 * Disabled controls are exempt (WCAG 1.4.3). Under a modal overlay only the overlay is checked.
 */
export function contrastProblems(page: Page, minimum = 4.5): Promise<LayoutProblem[]> {
  return page.evaluate((min) => {
    const parse = (color: string): [number, number, number, number] => {
      const parts = color.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 1];
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const luminance = ([r, g, b]: number[]): number => {
      const channel = (v: number): number => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r ?? 0) + 0.7152 * channel(g ?? 0) + 0.0722 * channel(b ?? 0);
    };
    const background = (el: Element | null): number[] => {
      for (let node = el; node; node = node.parentElement) {
        const [r, g, b, a] = parse(getComputedStyle(node).backgroundColor);
        if (a === 0) continue;
        return [r, g, b].map((v) => v * a + 255 * (1 - a));
      }
      return [255, 255, 255];
    };
    const overlay = document.querySelector('.overlay');
    const scope = overlay ?? document.body;
    const problems: { element: string; problem: string }[] = [];
    for (const el of Array.from(scope.querySelectorAll('*'))) {
      const ownText = Array.from(el.childNodes).some(
        (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '',
      );
      if (!ownText || el.closest('button:disabled')) continue;
      const fg = luminance(parse(getComputedStyle(el).color));
      const bg = luminance(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      if (ratio < min) {
        problems.push({
          element: (el.textContent ?? '').slice(0, 30),
          problem: `contrast ${ratio.toFixed(2)}:1`,
        });
      }
    }
    return problems;
  }, minimum);
}

/** Font families Chromium actually used to draw the text of the first `selector` match. */
export async function fontsUsedFor(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  await cdp.detach();
  return fonts.map((font) => font.familyName);
}
