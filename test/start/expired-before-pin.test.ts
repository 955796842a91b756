import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { openProductInBrowser, type ProductInBrowser } from './product-in-browser';

/**
 * Issue 15, "found out too late": through the real stack (`npm start` as a child process, the kiosk
 * UI and the simulation panel in Chromium), a reservation aged past its 24 hours by the panel is
 * said (E-042) as soon as the card is read — the PIN screen never shows, and the card's PIN
 * counter is untouched. The demo clock is set first, so the test never depends on the real hour.
 */
let opened: ProductInBrowser;
let dataDir: string;
let kiosk: Page;

beforeAll(async () => {
  opened = await openProductInBrowser({ name: 'expired-before-pin' });
  ({ dataDir, kiosk } = opened);
}, 90_000);

afterAll(async () => {
  await opened?.close();
});

const screen = (id: string) => opened.screen(id);
const panelAction = (action: string) => opened.panelAction(action);

/** Tries left of the persona's 4-digit PIN, read from its card file (the demo keeps cards on disk). */
async function authTriesLeft(persona: string): Promise<number> {
  const card = new JpkiClient(
    new InProcessTransport(VirtualCard.fromFile(join(dataDir, 'demo-cards', `${persona}.json`))),
  );
  await card.selectApplication();
  return (await card.pinStatus('auth')).triesLeft;
}

describe('npm start: an expired reservation is said before any PIN', () => {
  it('ages the reservation past 24 h on the demo clock, then tells E-042 right after the card is read', async () => {
    await panelAction('clock.set.10:00');
    await screen('idle');
    expect(await panelAction('phone.reserve.signature-pin')).toContain('reservation for signature-pin');
    const aged = await panelAction('clock.age-reservations');
    expect(aged).toContain('every reservation made before has expired');
    await screen('idle');
    const triesBefore = await authTriesLeft('sign-pin-blocked');
    expect(triesBefore).toBe(3);

    // Every screen the kiosk shows from here on, in order.
    await kiosk.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { screensSeen: string[] }).screensSeen = seen;
      const note = () => {
        const id = document.querySelector('[data-screen]')?.getAttribute('data-screen');
        if (id && seen.at(-1) !== id) seen.push(id);
      };
      new MutationObserver(note).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-screen'],
      });
      note();
    });

    await kiosk.click('[data-action="start"]');
    await screen('choose-procedure');
    await kiosk.click('[data-procedure="signature-pin"]');
    await screen('consent');
    await kiosk.click('[data-action="accept"]');
    await screen('place-card');
    await panelAction('card.insert');
    await screen('error');

    expect(await kiosk.innerText('.display-code')).toContain('E-042');
    const seen = await kiosk.evaluate(() => (window as unknown as { screensSeen: string[] }).screensSeen);
    expect(seen).toContain('place-card');
    expect(seen.at(-1)).toBe('error');
    expect(seen).not.toContain('enter-current-pin');
    expect(seen).not.toContain('verifying');

    await panelAction('card.remove');
    expect(await authTriesLeft('sign-pin-blocked')).toBe(triesBefore);
  });
});
