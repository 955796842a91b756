import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { KIOSK_VIEWPORT, launchChromium } from '../ui/support/browser';
import { type StartedProduct, runNpmStart } from './start-process';

/**
 * `npm start` as a new user runs it (child process, fresh data directory, `--port 0`), open in
 * Chromium: the kiosk UI at 1280×800, and the simulation panel in a window of its own beside it (a
 * second tab of the kiosk's window would be a background tab, which Chromium throttles).
 */
export interface ProductInBrowser {
  product: StartedProduct;
  dataDir: string;
  browser: Browser;
  kiosk: Page;
  panel: Page;
  /** Waits for the kiosk to show screen `id`. */
  screen(id: string): Promise<unknown>;
  /**
   * Clicks a panel action and returns its outcome line once it reports success. The line must also
   * have changed: a state pushed for another reason (the kiosk changing screen) bumps the revision
   * while the line still shows the previous action's outcome. (Consecutive actions in the tests
   * never have the same outcome text.)
   */
  panelAction(action: string): Promise<string>;
  /** Taps keys of the kiosk's on-screen keyboard, waiting for the dots. */
  typeKeys(keys: string): Promise<void>;
  close(): Promise<void>;
}

export interface ProductInBrowserOptions {
  /** Prefix of the temporary data directory. */
  name: string;
  /** The kiosk page's timers on Playwright's clock (installed before the page loads). */
  installClock?: boolean;
}

export async function openProductInBrowser(options: ProductInBrowserOptions): Promise<ProductInBrowser> {
  const dataDir = mkdtempSync(join(tmpdir(), `${options.name}-`));
  const [started, launched] = await Promise.allSettled([runNpmStart(dataDir), launchChromium()]);
  if (started.status === 'rejected' || launched.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    if (launched.status === 'fulfilled') await launched.value.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw started.status === 'rejected' ? started.reason : (launched as PromiseRejectedResult).reason;
  }
  const [product, browser] = [started.value, launched.value];
  const kiosk = await (
    await browser.newContext({ viewport: KIOSK_VIEWPORT, deviceScaleFactor: 1 })
  ).newPage();
  if (options.installClock) await kiosk.clock.install();
  await kiosk.goto(product.urls.kiosk);
  await kiosk.waitForSelector('[data-screen]');
  const panel = await (await browser.newContext({ viewport: { width: 460, height: 900 } })).newPage();
  await panel.goto(product.urls.panel);
  await panel.waitForSelector('#outcome');

  return {
    product,
    dataDir,
    browser,
    kiosk,
    panel,
    screen: (id) => kiosk.waitForSelector(`[data-screen="${id}"]`, { timeout: 15_000 }),
    async panelAction(action) {
      const before = await panel.getAttribute('#panel', 'data-revision');
      const previous = await panel.innerText('#outcome');
      await panel.click(`[data-sim-action="${action}"]`);
      await panel.waitForFunction(
        ([revision, text]) => {
          const outcome = document.querySelector<HTMLElement>('#outcome');
          return (
            document.querySelector('#panel')?.getAttribute('data-revision') !== revision &&
            outcome?.hasAttribute('data-ok') === true &&
            outcome.innerText !== text
          );
        },
        [before, previous] as const,
        { timeout: 30_000 },
      );
      const outcome = await panel.innerText('#outcome');
      expect(await panel.getAttribute('#outcome', 'data-ok'), outcome).toBe('true');
      return outcome;
    },
    async typeKeys(keys) {
      const before = Number(await kiosk.getAttribute('.pin-dots', 'data-length'));
      for (const key of keys) await kiosk.click(`[data-key="${key}"]`);
      await kiosk.waitForSelector(`.pin-dots[data-length="${before + keys.length}"]`);
    },
    async close() {
      await browser.close();
      await product.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
