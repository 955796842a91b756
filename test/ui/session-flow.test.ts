import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { japanTime, myNumberCard } from '../../state-machines/session/testing/fixtures';
import { type HarnessOptions, SessionHarness } from '../../state-machines/session/testing/session-harness';
import type { SessionViewModel } from '../../state-machines/session/view-model';
import { sessionViewModels } from '../../kiosk/ui-server/session-view-models';
import { type UiServer, createUiServer } from '../../kiosk/ui-server/ui-server';
import { KIOSK_VIEWPORT, launchChromium, saveScreenshot } from './support/browser';

/**
 * The real session machine (with the machine's scripted in-test actors, fake PIN buffers and a
 * simulated clock) behind the real UI server, driven by taps in Chromium.
 */
let browser: Browser;
let server: UiServer | undefined;
let harness: SessionHarness;
let page: Page;
/** Every view model the browser was sent, to prove no PIN character ever travels in one. */
let sent: string[];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: KIOSK_VIEWPORT, deviceScaleFactor: 1 });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  harness?.stop();
});

async function startKiosk(options: HarnessOptions = {}): Promise<void> {
  harness = new SessionHarness(options);
  sent = [];
  const source = sessionViewModels(harness.actor);
  server = await createUiServer<SessionViewModel>({
    host: '127.0.0.1',
    port: 0,
    viewModels: {
      current: () => {
        const vm = source.current();
        sent.push(JSON.stringify(vm));
        return vm;
      },
      subscribe: (listener) =>
        source.subscribe((vm) => {
          sent.push(JSON.stringify(vm));
          listener(vm);
        }),
    },
    onEvent: (event) => harness.actor.send(event),
  });
  // One page for the file; each test's server has its own port, cookie and secret.
  await page.goto(server.url);
  await page.waitForSelector('[data-screen]');
}

const screen = (id: string) => page.waitForSelector(`[data-screen="${id}"]`);

async function tap(selector: string): Promise<void> {
  await page.click(selector);
}

/** Taps each key, then waits until the dots show them all (each tap round-trips through the machine). */
async function typeKeys(keys: string): Promise<void> {
  const before = Number(await page.getAttribute('.pin-dots', 'data-length'));
  for (const key of keys) await tap(`[data-key="${key}"]`);
  await page.waitForSelector(`.pin-dots[data-length="${before + keys.length}"]`);
}

async function flowShot(name: string): Promise<void> {
  const language = (await page.getAttribute('html', 'lang')) ?? 'ja';
  await saveScreenshot(page, language, `flow-${name}`);
}

async function startAndPlaceCard(procedure: 'signature-pin' | 'auth-pin'): Promise<void> {
  await screen('idle');
  await tap('[data-action="start"]');
  await screen('choose-procedure');
  await tap(`[data-procedure="${procedure}"]`);
  await screen('consent');
  await tap('[data-action="accept"]');
  await screen('place-card');
  await harness.insertCard();
}

describe('full resets through the real session machine', () => {
  it('signature PIN: prove the 4-digit PIN, set a new 6–16 PIN, done, take the card', async () => {
    await startKiosk();
    await startAndPlaceCard('signature-pin');
    await screen('enter-current-pin');
    expect(await page.locator('.keyboard-numeric').count()).toBe(1);
    await typeKeys('1234');
    // The taps reached the runtime's PIN buffer, in order; the UI only ever saw the length.
    expect(harness.pins.read('current')).toBe('1234');
    await flowShot('enter-current-pin');
    await tap('[data-key="submit"]');

    await screen('enter-new-pin');
    expect(await page.locator('.keyboard-alphanumeric').count()).toBe(1);
    await typeKeys('ABC123');
    await tap('[data-key="submit"]');
    await screen('confirm-new-pin');
    await typeKeys('ABC123');
    await tap('[data-key="submit"]');

    await screen('done');
    await flowShot('done');
    expect(harness.actors.callsOf('setNewPin')).toHaveLength(1);
    expect(await page.innerText('.title')).toBe('署名用電子証明書の暗証番号を再設定しました');
    await tap('[data-action="finish"]');
    await screen('take-card');
    await harness.removeCard();
    await screen('idle');

    for (const vm of sent) {
      expect(vm).not.toContain('1234');
      expect(vm).not.toContain('ABC123');
    }
  });

  it('auth PIN: prove the signature PIN on the A–Z keyboard, set a new 4-digit PIN', async () => {
    await startKiosk();
    await startAndPlaceCard('auth-pin');
    await screen('enter-current-pin');
    expect(await page.locator('.keyboard-alphanumeric').count()).toBe(1);
    await typeKeys('PIN1SIGN');
    await tap('[data-key="submit"]');
    await screen('enter-new-pin');
    expect(await page.locator('.keyboard-numeric').count()).toBe(1);
    await typeKeys('9876');
    await tap('[data-key="submit"]');
    await screen('confirm-new-pin');
    await typeKeys('9876');
    await tap('[data-key="submit"]');
    await screen('done');
    expect(await page.innerText('.title')).toBe('利用者証明用電子証明書の暗証番号を再設定しました');
    expect(await page.innerText('.certificate')).toContain('有効期限');
  });
});

describe('wrong and blocked PINs', () => {
  it('a wrong PIN comes back with the notice and the last try; the next wrong one blocks it', async () => {
    await startKiosk();
    harness.actors.reply(
      'verifyCurrentPin',
      { output: { result: 'wrong-pin', triesLeft: 1 } },
      { output: { result: 'wrong-pin', triesLeft: 0 } },
    );
    await startAndPlaceCard('signature-pin');
    await screen('enter-current-pin');
    await typeKeys('0000');
    await tap('[data-key="submit"]');
    await page.waitForSelector('[data-last-try]');
    expect(await page.innerText('[data-last-try]')).toContain('あと1回');
    expect(await page.getAttribute('.pin-dots', 'data-length')).toBe('0');
    await flowShot('wrong-pin');

    await typeKeys('1111');
    await tap('[data-key="submit"]');
    await screen('error');
    expect(await page.innerText('.title')).toBe('本人確認に使う暗証番号がロックされています');
    expect(await page.innerText('.display-code')).toContain('E-032');
    // The signature PIN still has tries, so the other route is the next step.
    expect(await page.innerText('.next-step')).toContain('もう一方の暗証番号');
  });

  it('a card whose PIN to prove is already blocked goes straight to the error', async () => {
    await startKiosk();
    harness.actors.reply('readCard', { output: myNumberCard({ tries: { auth: 0, sign: 0 } }) });
    await startAndPlaceCard('signature-pin');
    await screen('error');
    expect(await page.innerText('.next-step')).toContain('市区町村の窓口');
  });
});

describe('the session ends with the right message', () => {
  it('card removed while entering the PIN', async () => {
    await startKiosk();
    await startAndPlaceCard('signature-pin');
    await screen('enter-current-pin');
    await typeKeys('12');
    await harness.removeCard();
    await screen('error');
    expect(await page.innerText('.title')).toBe('カードが取り外されました');
    expect(harness.pins.empty).toBe(true);
    await tap('[data-action="finish"]');
    await screen('idle');
  });

  it.each([
    ['no-reservation', '予約が見つかりません', 'E-041'],
    ['reservation-expired', '予約の有効期限が切れています', 'E-042'],
  ] as const)('reservation refused: %s', async (reason, title, code) => {
    await startKiosk();
    harness.actors.reply('lookupReservation', { output: { result: 'refused', reason } });
    await startAndPlaceCard('signature-pin');
    await screen('enter-current-pin');
    await typeKeys('1234');
    await tap('[data-key="submit"]');
    await screen('error');
    expect(await page.innerText('.title')).toBe(title);
    expect(await page.innerText('.display-code')).toContain(code);
  });

  it('outside the service hours the kiosk shows when it opens', async () => {
    await startKiosk({ input: { now: japanTime('2025-06-02T23:30') } });
    await screen('closed');
    expect(await page.innerText('.body')).toContain('06:30〜23:00');
    await flowShot('closed');
  });

  it('inactivity: a warning first, "continue" keeps the session, then a timeout ends it', async () => {
    await startKiosk();
    await screen('idle');
    await tap('[data-action="start"]');
    await screen('choose-procedure');
    await harness.advance(60_000);
    await page.waitForSelector('[data-overlay="inactivity"]');
    await flowShot('inactivity');
    await tap('[data-action="continue"]');
    await page.waitForSelector('[data-overlay="inactivity"]', { state: 'detached' });
    await harness.advance(90_000);
    await screen('error');
    expect(await page.innerText('.title')).toBe('時間切れのため終了しました');
  });
});

describe('language', () => {
  it('switches to English for the session and is Japanese again for the next customer', async () => {
    await startKiosk();
    await screen('idle');
    await tap('[data-action="start"]');
    await screen('choose-procedure');
    await tap('[data-language="en"]');
    await page.waitForSelector('html[lang="en"]');
    expect(await page.innerText('.title')).toBe('Choose the PIN to reset');
    await tap('[data-procedure="signature-pin"]');
    await screen('consent');
    expect(await page.innerText('.title')).toBe('What you need');
    await tap('[data-action="cancel"]');
    await page.waitForSelector('[data-overlay="confirm-cancel"]');
    expect(await page.innerText('[data-overlay="confirm-cancel"] .title')).toBe('Stop the procedure?');
    await tap('[data-action="confirm-cancel"]');
    await screen('idle');
    await page.waitForSelector('html[lang="ja"]');
    expect(await page.innerText('[data-action="start"]')).toBe('はじめる');
  });

  it('English chosen on the idle screen and left there goes back to Japanese after the inactivity limit', async () => {
    await startKiosk();
    await screen('idle');
    await tap('[data-language="en"]');
    await page.waitForSelector('html[lang="en"]');
    expect(await page.innerText('[data-action="start"]')).toBe('Start');
    await harness.advance(90_000);
    await page.waitForSelector('html[lang="ja"]');
    expect(await page.innerText('[data-action="start"]')).toBe('はじめる');
  });
});
