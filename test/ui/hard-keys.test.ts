import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SessionHarness } from '../../state-machines/session/testing/session-harness';
import type { SessionViewModel } from '../../state-machines/session/view-model';
import type { SpeechRequest } from '../../kiosk/ui/src/speech-events';
import { sessionViewModels } from '../../kiosk/ui-server/session-view-models';
import { type UiServer, createUiServer } from '../../kiosk/ui-server/ui-server';
import { KIOSK_VIEWPORT, launchChromium, saveScreenshot } from './support/browser';
import { twoKeys } from './support/two-keys';

/**
 * The whole journey with the copier's keys alone (no click, no tap): the real session machine
 * behind the real server, keys pressed in Chromium (docs/kiosk-ui.md, "Hard keys"). Card moves
 * are device events. Asserts that no PIN character is ever shown, sent in a view model or passed
 * to the speech player, and that the focus is visible on every screen.
 */
let browser: Browser;
let server: UiServer | undefined;
let harness: SessionHarness;
let page: Page;
let sent: string[];

beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: KIOSK_VIEWPORT, deviceScaleFactor: 1 });
  // No click may reach the page in these tests.
  await page.addInitScript(() => {
    (window as unknown as { clicksByPointer: number }).clicksByPointer = 0;
    document.addEventListener(
      'pointerdown',
      () => ((window as unknown as { clicksByPointer: number }).clicksByPointer += 1),
      true,
    );
    const spoken: unknown[] = [];
    (window as unknown as { spoken: unknown[] }).spoken = spoken;
    document.addEventListener('kiosk-speech', (event) => spoken.push((event as CustomEvent).detail));
  });
});

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  harness?.stop();
});

async function startKiosk(): Promise<void> {
  harness = new SessionHarness();
  sent = [];
  const source = sessionViewModels(harness.actor);
  server = await createUiServer<SessionViewModel>({
    host: '127.0.0.1',
    port: 0,
    viewModels: {
      current: () => source.current(),
      subscribe: (listener) =>
        source.subscribe((vm) => {
          sent.push(JSON.stringify(vm));
          listener(vm);
        }),
    },
    onEvent: (event) => harness.actor.send(event),
  });
  await page.goto(server.url);
  await page.waitForSelector('[data-screen="idle"]');
}

const screen = (id: string) => page.waitForSelector(`[data-screen="${id}"]`);

/** Presses keys one by one; `Digit7` style names (numeric keypad keys). */
async function press(...keys: string[]): Promise<void> {
  for (const key of keys) await page.keyboard.press(key);
}

/** Types digits on the numeric pad, waiting for the dots. */
async function typeDigits(digits: string): Promise<void> {
  for (const digit of digits) await press(`Digit${digit}`);
  await page.waitForSelector(`.pin-dots[data-length="${digits.length}"]`);
}

async function typeTwoKeys(pin: string): Promise<void> {
  const keys = twoKeys(pin);
  for (const [index, key] of keys.entries()) {
    await press(key);
    // After each first key the panel says "now the second key" (not which character).
    if (index % 2 === 0) await page.waitForSelector('[data-two-key="pending"]');
  }
  await page.waitForSelector(`.pin-dots[data-length="${pin.length}"]`);
}

/** The focused element is a visible button with a drawn outline. */
async function focusIsVisible(): Promise<boolean> {
  return page.evaluate(() => {
    const focused = document.activeElement;
    if (!(focused instanceof HTMLButtonElement)) return false;
    const style = getComputedStyle(focused);
    return style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 4;
  });
}

async function noPinAnywhere(pins: string[]): Promise<void> {
  const text = await page.locator('body').innerText();
  const spoken = JSON.stringify(
    await page.evaluate(() => (window as unknown as { spoken: unknown[] }).spoken),
  );
  for (const pin of pins) {
    expect(text).not.toContain(pin);
    expect(spoken).not.toContain(pin);
    for (const vm of sent) expect(vm).not.toContain(pin);
  }
}

/**
 * Keys only, from the idle screen to the current-PIN screen: 決定 starts, `choice` (Digit1: the
 * signature PIN, Digit2: the 4-digit PIN) and 決定 choose, 決定 consents, then the card is placed.
 * Each key waits for its screen: a key pressed before the next screen is drawn presses the old one.
 */
async function keysToCurrentPin(choice: 'Digit1' | 'Digit2' = 'Digit1'): Promise<void> {
  await press('Enter');
  await screen('choose-procedure');
  await press(choice, 'Enter');
  await screen('consent');
  await press('Enter');
  await screen('place-card');
  await harness.insertCard();
  await screen('enter-current-pin');
}

async function speechRequests(): Promise<SpeechRequest[]> {
  return page.evaluate(() => (window as unknown as { spoken: SpeechRequest[] }).spoken);
}

describe('keys only', () => {
  it('signature PIN: start, choose, consent, prove the 4-digit PIN, new PIN with two-key letters, done', async () => {
    await startKiosk();
    const current = '1234';
    const fresh = 'AZ9K2S';
    expect(await focusIsVisible()).toBe(true);
    await press('Enter');
    await screen('choose-procedure');
    expect(await focusIsVisible()).toBe(true);
    await press('Digit1', 'Enter');
    await screen('consent');
    await press('Enter');
    await screen('place-card');
    await harness.insertCard();
    await screen('enter-current-pin');
    await typeDigits(current);
    expect(harness.pins.read('current')).toBe(current);
    await noPinAnywhere([current]);
    await press('Enter');
    await screen('enter-new-pin');
    await typeTwoKeys(fresh);
    await saveScreenshot(page, 'ja', 'keys-enter-new-pin');
    expect(harness.pins.read('new')).toBe(fresh);
    await noPinAnywhere([current, fresh]);
    await press('Enter');
    await screen('confirm-new-pin');
    await typeTwoKeys(fresh);
    await press('Enter');
    await screen('done');
    expect(await focusIsVisible()).toBe(true);
    await press('Enter');
    await screen('take-card');
    await harness.removeCard();
    await screen('idle');
    await noPinAnywhere([current, fresh]);
    expect(
      await page.evaluate(() => (window as unknown as { clicksByPointer: number }).clicksByPointer),
    ).toBe(0);
    // The speech player was told each screen, in order (text keys only).
    const screens = (await speechRequests())
      .filter((request) => request.reason === 'screen')
      .map((request) => request.texts[0]?.key);
    expect(screens).toEqual(
      expect.arrayContaining([
        'screen.idle.title',
        'screen.choose-procedure.title',
        'screen.consent.title',
        'screen.enter-current-pin.title.signature-pin',
        'screen.enter-new-pin.title.signature-pin',
        'screen.done.title.signature-pin',
        'screen.take-card.title',
      ]),
    );
  });

  it('auth PIN: prove the signature PIN with two-key letters, set a new 4-digit PIN', async () => {
    await startKiosk();
    const current = 'PIN1SIGN';
    await keysToCurrentPin('Digit2');
    await typeTwoKeys(current);
    expect(harness.pins.read('current')).toBe(current);
    await press('Enter');
    await screen('enter-new-pin');
    await typeDigits('9876');
    await press('Enter');
    await screen('confirm-new-pin');
    await typeDigits('9876');
    await press('Enter');
    await screen('done');
    await noPinAnywhere([current, '9876']);
    expect(
      await page.evaluate(() => (window as unknown as { clicksByPointer: number }).clicksByPointer),
    ).toBe(0);
  });

  it('訂正 deletes a character or a pending first key; 取消 asks, 戻る goes on, 取消 twice stops', async () => {
    await startKiosk();
    await keysToCurrentPin('Digit2');
    await typeTwoKeys('AB');
    await press('Digit7');
    await page.waitForSelector('[data-two-key="pending"]');
    await press('Backspace');
    await page.waitForSelector('[data-two-key="pending"]', { state: 'detached' });
    expect(harness.pins.read('current')).toBe('AB');
    await press('Backspace');
    await page.waitForSelector('.pin-dots[data-length="1"]');
    await press('Escape');
    await page.waitForSelector('[data-overlay="confirm-cancel"]');
    await saveScreenshot(page, 'ja', 'keys-confirm-cancel');
    await press('F2');
    await page.waitForSelector('[data-overlay="confirm-cancel"]', { state: 'detached' });
    expect(harness.pins.read('current')).toBe('A');
    await press('Escape');
    await page.waitForSelector('[data-overlay="confirm-cancel"]');
    await press('Escape');
    await screen('take-card');
    expect(harness.pins.empty).toBe(true);
  });

  it('ヘルプ opens and closes the help; くりかえし asks the player to say the same texts again', async () => {
    await startKiosk();
    await press('Enter');
    await screen('choose-procedure');
    await press('F1');
    await page.waitForSelector('[data-overlay="help"]');
    expect(await page.locator('[data-overlay="help"]').innerText()).toContain('0120-95-0178');
    await press('F3');
    const requests = await speechRequests();
    const last = requests.at(-1);
    expect(last?.reason).toBe('repeat');
    expect(last?.texts).toEqual(requests.at(-2)?.texts);
    expect(last?.texts.map((text) => text.key)).toContain('help.choose-procedure.what');
    await press('F1');
    await page.waitForSelector('[data-overlay="help"]', { state: 'detached' });
  });

  it('決定 with 3 of 4 digits answers on screen and in speech, each time it is pressed; the 4th digit goes on', async () => {
    await startKiosk();
    await keysToCurrentPin();
    await typeDigits('123');
    // OK has the focus and looks incomplete, but 決定 still presses it.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-key'))).toBe('submit');
    expect(await page.getAttribute('[data-key="submit"]', 'data-complete')).toBe('false');
    await press('Enter');
    const notice = page.locator('[data-notice="pin-too-short"]');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('数字4桁をすべて入力してから、決定を押してください。');
    await saveScreenshot(page, 'ja', 'keys-pin-too-short');
    const noticeSpoken = async () =>
      (await speechRequests()).filter((request) =>
        request.texts.some((text) => text.key === 'error.pin-too-short.explanation.auth'),
      ).length;
    await expect.poll(noticeSpoken).toBe(1);
    // The guidance player says it too (its log holds catalogue texts only).
    await expect
      .poll(() => page.locator('#spoken-log li[data-key="error.pin-too-short.explanation.auth"]').count())
      .toBe(1);
    // Pressed again: answered again.
    await press('Enter');
    await expect.poll(noticeSpoken).toBe(2);
    await expect
      .poll(() => page.locator('#spoken-log li[data-key="error.pin-too-short.explanation.auth"]').count())
      .toBe(2);
    expect(harness.pins.read('current')).toBe('123');
    expect(harness.actors.callsOf('verifyCurrentPin')).toEqual([]);
    await press('Digit4');
    await page.waitForSelector('.pin-dots[data-length="4"]');
    await page.waitForSelector('[data-key="submit"][data-complete="true"]');
    await press('Enter');
    await screen('enter-new-pin');
    expect(harness.actors.callsOf('verifyCurrentPin')).toHaveLength(1);
    await noPinAnywhere(['1234']);
  });

  it('ヘルプ on the idle screen says what the service is, the hours and where to ask; 決定 closes it', async () => {
    await startKiosk();
    await press('F1');
    const help = page.locator('[data-overlay="help"]');
    await help.waitFor();
    await saveScreenshot(page, 'ja', 'keys-idle-help');
    const text = (await help.innerText()).replace(/\s+/g, ' ');
    for (const part of [
      '新しい暗証番号を設定できます',
      '24時間以内',
      '毎日 06:30〜23:00',
      '市区町村の窓口',
      '0120-95-0178',
    ])
      expect(text).toContain(part);
    const spoken = (await speechRequests()).at(-1);
    expect(spoken?.texts.map((t) => t.key)).toEqual(
      expect.arrayContaining(['help.idle.what', 'help.idle.need', 'help.hours', 'help.idle.ask']),
    );
    await press('Enter');
    await help.waitFor({ state: 'detached' });
    await screen('idle');
    // The start is where it was: 決定 starts a session.
    await press('Enter');
    await screen('choose-procedure');
  });

  it('any key on the inactivity warning gives more time, without typing', async () => {
    await startKiosk();
    await keysToCurrentPin();
    await harness.advance(60_000);
    await page.waitForSelector('[data-overlay="inactivity"]');
    await press('Digit5');
    await page.waitForSelector('[data-overlay="inactivity"]', { state: 'detached' });
    expect(harness.pins.read('current')).toBe('');
    await harness.advance(89_000);
    expect(harness.screen).toBe('enter-current-pin');
  });
});
