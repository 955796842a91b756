import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ClosableTransport } from '../../../kiosk/runtime/card-slot';
import { SCREENSHOT_DIR } from '../../ui/support/browser';
import { type KioskUnderTest, placeCard, type SessionPlan, takeCard } from './kiosk-session-driver';

/** What the kiosk page showed at one step: its DOM as rendered and the text on screen. */
export interface DomSnapshot {
  name: string;
  /** `page.content()`: the serialised DOM the screenshot was drawn from. */
  html: string;
  /** `document.body.innerText`: the text as laid out on screen. */
  text: string;
}

/** Where the scan's screenshots and their DOM snapshots go (test-results/, not committed). */
export const LEAK_SHOT_DIR = join(SCREENSHOT_DIR, '..', 'pin-leak-scan');

/** Takes a screenshot and, at the same moment, the DOM it was rendered from; keeps both. */
export async function snapshot(page: Page, name: string, into: DomSnapshot[]): Promise<void> {
  await mkdir(LEAK_SHOT_DIR, { recursive: true });
  const png = await page.screenshot();
  const html = await page.content();
  const text = await page.evaluate(() => document.body.innerText);
  await writeFile(join(LEAK_SHOT_DIR, `${name}.png`), png);
  await writeFile(join(LEAK_SHOT_DIR, `${name}.html`), html);
  into.push({ name, html, text });
}

/**
 * One session driven by taps on the kiosk page in Chromium (the page must show `idle`), the card
 * placed and taken through the driver's reader; a screenshot + DOM snapshot at every screen.
 */
export async function browserSession(
  page: Page,
  kiosk: KioskUnderTest,
  openCard: () => ClosableTransport,
  plan: SessionPlan,
  label: string,
  into: DomSnapshot[],
): Promise<string> {
  const screen = (id: string) => page.waitForSelector(`[data-screen="${id}"]`, { timeout: 20_000 });
  const shot = (name: string) => snapshot(page, `${label}-${name}`, into);
  const typeKeys = async (keys: string) => {
    for (const key of keys) await page.click(`[data-key="${key}"]`);
    await page.waitForSelector(`.pin-dots[data-length="${keys.length}"]`);
    await shot(`typed-${keys.length}`);
    await page.click('[data-key="submit"]');
  };
  await screen('idle');
  await page.click('[data-action="start"]');
  await page.waitForSelector('[data-screen="choose-procedure"], [data-screen="consent"]');
  if (await page.$('[data-screen="choose-procedure"]'))
    await page.click(`[data-procedure="${plan.procedure}"]`);
  await screen('consent');
  await page.click('[data-action="accept"]');
  await screen('place-card');
  placeCard(kiosk, openCard);
  await screen('enter-current-pin');
  await typeKeys(plan.provenPin);
  await page.waitForSelector('[data-screen="enter-new-pin"], [data-screen="error"]');
  if (await page.$('[data-screen="error"]')) {
    await shot('error');
    return 'error';
  }
  await shot('enter-new-pin');
  await typeKeys(plan.newPin);
  await screen('confirm-new-pin');
  await typeKeys(plan.newPin);
  await page.waitForSelector('[data-screen="done"], [data-screen="error"]');
  const result = (await page.$('[data-screen="done"]')) ? 'done' : 'error';
  await shot(result);
  await page.click('[data-action="finish"]');
  await screen('take-card');
  takeCard(kiosk);
  await screen('idle');
  return result;
}
