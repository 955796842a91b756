import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSpeech } from '../../kiosk/speech/speech-build';
import { loadCatalogues } from '../../kiosk/ui/catalogues';
import { layoutProblems, saveScreenshot } from '../ui/support/browser';
import { openProductInBrowser, type ProductInBrowser } from './product-in-browser';
import { twoKeys } from '../ui/support/two-keys';

/**
 * `npm start` in Chromium, in every language: each one reaches the done screen through the real
 * kiosk UI, and the voice guidance says the screens' texts in that language, "one character
 * entered" for each PIN key and never a PIN character (docs/speech.md). The speech cache is built
 * first (cached after the first run), as `npm run speech` does on a kiosk.
 */
const catalogues = loadCatalogues();
const CURRENT_PIN = '1234';
const NEW_PIN = 'NEW2PIN9';
let opened: ProductInBrowser;
let kiosk: Page;

beforeAll(async () => {
  await buildSpeech();
  // The page's timers on Playwright's clock, so the card reminder's interval can be run at once.
  opened = await openProductInBrowser({ name: 'npm-start-speech', installClock: true });
  ({ kiosk } = opened);
}, 600_000);

afterAll(async () => {
  await opened?.close();
});

const screen = (id: string) => opened.screen(id);
const panelAction = (action: string) => opened.panelAction(action);
const typeKeys = (keys: string) => opened.typeKeys(keys);

interface Said {
  seq: number;
  key: string;
  language: string;
  audio: string;
  state: string;
  text: string;
}

/** The voice guidance's log: every message it said, in order. */
function spokenLog(): Promise<Said[]> {
  return kiosk.$$eval('#spoken-log li', (items) =>
    items.map((li) => ({
      seq: Number((li as HTMLElement).dataset.seq),
      key: (li as HTMLElement).dataset.key ?? '',
      language: (li as HTMLElement).dataset.language ?? '',
      audio: (li as HTMLElement).dataset.audio ?? '',
      state: (li as HTMLElement).dataset.state ?? '',
      text: li.textContent ?? '',
    })),
  );
}

const lastSeq = async (): Promise<number> => Math.max(0, ...(await spokenLog()).map((said) => said.seq));

/** Keys of `said`, checked to contain `expected` in this order (other messages may come between). */
function expectInOrder(said: Said[], expected: string[]): void {
  const keys = said.map((s) => s.key);
  let at = 0;
  for (const key of expected) {
    const found = keys.indexOf(key, at);
    expect(found, `${key} after position ${at} in ${keys.join(', ')}`).toBeGreaterThanOrEqual(0);
    at = found + 1;
  }
}

/** The signature-PIN reset from the idle screen to the card taken, in `language`; what was said. */
async function journey(language: string, listenToDone = false): Promise<Said[]> {
  await screen('idle');
  const since = await lastSeq();
  await panelAction('phone.reserve.signature-pin');
  if (language !== 'ja') {
    await kiosk.click(`[data-language="${language}"]`);
    await kiosk.waitForSelector(`html[lang="${language}"] [data-screen="idle"]`);
  }
  await kiosk.click('[data-action="start"]');
  await screen('choose-procedure');
  await kiosk.click('[data-procedure="signature-pin"]');
  await screen('consent');
  await kiosk.click('[data-action="accept"]');
  await screen('place-card');
  await panelAction('card.insert');
  await screen('enter-current-pin');
  await typeKeys(CURRENT_PIN);
  await kiosk.click('[data-key="submit"]');
  await screen('enter-new-pin');
  await typeKeys(NEW_PIN);
  await kiosk.click('[data-key="submit"]');
  await screen('confirm-new-pin');
  await typeKeys(NEW_PIN);
  await kiosk.click('[data-key="submit"]');
  await screen('done');
  expect(await kiosk.getAttribute('html', 'lang')).toBe(language);
  expect(await kiosk.innerText('h1.title')).toBe(catalogues[language]?.['screen.done.title.signature-pin']);
  expect(await layoutProblems(kiosk)).toEqual([]);
  await saveScreenshot(kiosk, language, 'speech-journey-done');
  if (listenToDone) {
    // Chromium runs the Web Audio graph headless: the done title's clips play to their end.
    await kiosk.waitForSelector(
      '#spoken-log li[data-key="screen.done.title.signature-pin"][data-state="done"]',
      {
        state: 'attached',
        timeout: 20_000,
      },
    );
  }
  await kiosk.click('[data-action="finish"]');
  await screen('take-card');
  // The session's language lasts until the card is taken.
  expect(await kiosk.getAttribute('html', 'lang')).toBe(language);
  expect(await kiosk.innerText('h1.title')).toBe(catalogues[language]?.['screen.take-card.title']);
  // The card left on the reader: a chime and a spoken reminder, again and again until it is taken.
  await kiosk.clock.runFor(10_500);
  await kiosk.clock.runFor(10_500);
  await kiosk.waitForFunction(
    () => document.querySelectorAll('#spoken-log li[data-key="speech.cardLeftReminder"]').length > 0,
  );
  await panelAction('card.remove');
  await screen('idle');
  return (await spokenLog()).filter((said) => said.seq > since);
}

describe('every language through npm start, with voice guidance', () => {
  it('Japanese: the spoken sequence has each screen, "one character entered" per PIN key, never a PIN character', async () => {
    await panelAction('clock.set.10:00');
    const said = await journey('ja', true);
    const ja = catalogues.ja ?? {};
    expectInOrder(said, [
      'screen.choose-procedure.title',
      'procedure.signature-pin.title',
      'screen.consent.title',
      'screen.consent.needCard',
      'screen.place-card.title',
      'screen.enter-current-pin.title.signature-pin',
      'speech.pinKeyEntered',
      'screen.enter-new-pin.title.signature-pin',
      'speech.pinKeyEntered',
      'screen.confirm-new-pin.title.signature-pin',
      'speech.pinKeyEntered',
      'screen.done.title.signature-pin',
      'screen.done.validUntil',
      'screen.take-card.title',
      'speech.cardLeftReminder',
    ]);
    // One announcement per key typed: 4 + 8 + 8.
    expect(said.filter((s) => s.key === 'speech.pinKeyEntered')).toHaveLength(
      CURRENT_PIN.length + 2 * NEW_PIN.length,
    );
    for (const s of said) {
      expect(s.language).toBe('ja');
      // Every message is a catalogue text (its parameters filled in), never something typed.
      expect(ja[s.key], s.key).toBeDefined();
      if (!/\{\w+\}/.test(ja[s.key] ?? '')) expect(s.text).toBe(ja[s.key]);
      expect(s.text).not.toContain(CURRENT_PIN);
      expect(s.text).not.toContain(NEW_PIN);
      // Every message has its clips in the speech cache.
      expect(s.audio, `${s.key}: ${s.text}`).toBe('complete');
    }
    expect(said.find((s) => s.key === 'speech.pinKeyEntered')?.text).toBe('一文字入力しました');
    expect(said.find((s) => s.key === 'screen.done.title.signature-pin')?.state).toBe('done');
  }, 120_000);

  it('keys only (Japanese): each screen said, a key per PIN key, くりかえし says the screen again, volume keys', async () => {
    const ja = catalogues.ja ?? {};
    const fresh = 'NEW3KEY7';
    await screen('idle');
    const since = await lastSeq();
    await panelAction('phone.reserve.signature-pin');
    const press = async (...keys: string[]): Promise<void> => {
      for (const key of keys) await kiosk.keyboard.press(key);
    };
    const dots = (length: number) => kiosk.waitForSelector(`.pin-dots[data-length="${length}"]`);
    const typeTwoKeys = async (pin: string): Promise<void> => {
      for (const [index, key] of twoKeys(pin).entries()) {
        await press(key);
        if (index % 2 === 0) await kiosk.waitForSelector('[data-two-key="pending"]');
        else await dots((index + 1) / 2);
      }
    };
    const volume = async (): Promise<string | null> => kiosk.getAttribute('#spoken-log', 'data-volume');

    await press('Enter');
    await screen('choose-procedure');
    await press('Digit1', 'Enter');
    await screen('consent');
    await press('Enter');
    await screen('place-card');
    await panelAction('card.insert');
    await screen('enter-current-pin');
    for (const [index, digit] of [...'123'].entries()) {
      await press(`Digit${digit}`);
      await dots(index + 1);
    }
    const beforeRepeat = await lastSeq();
    await press('F3');
    await kiosk.waitForFunction(
      (seq) =>
        [...document.querySelectorAll<HTMLElement>('#spoken-log li')].some(
          (li) =>
            Number(li.dataset.seq) > seq && li.dataset.key === 'screen.enter-current-pin.title.signature-pin',
        ),
      beforeRepeat,
    );
    await press('Backspace');
    await dots(2);
    await press('Digit3');
    await dots(3);
    await press('Digit4');
    await dots(4);
    // Louder (to the top step, where it stays), then softer twice: kept through the session.
    expect(await volume()).toBe('0.75');
    await press('NumpadAdd');
    expect(await volume()).toBe('1');
    await press('F5');
    expect(await volume()).toBe('1');
    await press('NumpadSubtract');
    expect(await volume()).toBe('0.75');
    await press('F4');
    expect(await volume()).toBe('0.5');
    await press('Enter');
    await screen('enter-new-pin');
    await typeTwoKeys(fresh);
    await press('Enter');
    await screen('confirm-new-pin');
    await typeTwoKeys(fresh);
    await press('Enter');
    await screen('done');
    await press('Enter');
    await screen('take-card');
    expect(await volume()).toBe('0.5');
    await panelAction('card.remove');
    await screen('idle');
    // The next customer starts at the default volume, as in Japanese and the standard look.
    await kiosk.waitForSelector('#spoken-log[data-volume="0.75"]', { state: 'attached' });

    const said = (await spokenLog()).filter((s) => s.seq > since);
    const keys = said.map((s) => s.key);
    const title = 'screen.enter-current-pin.title.signature-pin';
    expectInOrder(said, [
      'screen.choose-procedure.title',
      'screen.consent.title',
      'screen.place-card.title',
      title,
      'speech.pinKeyEntered',
      'speech.pinKeyEntered',
      'speech.pinKeyEntered',
      title,
      'speech.pinKeyDeleted',
      'speech.pinKeyEntered',
      'speech.pinKeyEntered',
      'screen.enter-new-pin.title.signature-pin',
      'keys.twoKey.pending',
      'speech.pinKeyEntered',
      'screen.confirm-new-pin.title.signature-pin',
      'keys.twoKey.pending',
      'speech.pinKeyEntered',
      'screen.done.title.signature-pin',
      'screen.take-card.title',
    ]);
    // くりかえし says the same messages as when the screen appeared, in the same order.
    const shown = keys.indexOf(title);
    const repeated = keys.indexOf(title, shown + 1);
    const firstTime = said.slice(shown, keys.indexOf('speech.pinKeyEntered', shown));
    const again = said.slice(repeated, keys.indexOf('speech.pinKeyDeleted', repeated));
    expect(firstTime.length).toBeGreaterThan(0);
    expect(again.map((s) => [s.key, s.text])).toEqual(firstTime.map((s) => [s.key, s.text]));
    // One announcement per key that made a character, one per delete, one prompt per first key.
    const count = (key: string) => keys.filter((k) => k === key).length;
    expect(count('speech.pinKeyEntered')).toBe(3 + 2 + 2 * fresh.length);
    expect(count('speech.pinKeyDeleted')).toBe(1);
    expect(count('keys.twoKey.pending')).toBe(2 * fresh.length);
    for (const s of said) {
      expect(s.language).toBe('ja');
      expect(ja[s.key], s.key).toBeDefined();
      if (!/\{\w+\}/.test(ja[s.key] ?? '')) expect(s.text).toBe(ja[s.key]);
      for (const pin of ['123', '1234', fresh]) expect(s.text).not.toContain(pin);
      expect(s.audio, `${s.key}: ${s.text}`).toBe('complete');
    }
  }, 120_000);

  it.each(['en', 'zh', 'ko', 'vi', 'pt-BR'])(
    '%s reaches the done screen and is spoken in that language',
    async (language) => {
      const said = await journey(language);
      expectInOrder(said, [
        'screen.idle.title',
        'screen.choose-procedure.title',
        'screen.enter-current-pin.title.signature-pin',
        'speech.pinKeyEntered',
        'screen.done.title.signature-pin',
        'screen.take-card.title',
      ]);
      // From the first screen after the switch to the card left on the reader: the language lasts
      // until the card is taken (the take-card screen and its reminder included).
      const inSession = said.slice(
        said.findIndex((s) => s.key === 'screen.choose-procedure.title'),
        said.findLastIndex((s) => s.key === 'speech.cardLeftReminder') + 1,
      );
      expect(inSession.length).toBeGreaterThan(10);
      expect(inSession.map((s) => s.key)).toContain('screen.take-card.title');
      for (const s of inSession) {
        expect(s.language, s.key).toBe(language);
        // This language's own text, not a fallback to Japanese (texts with parameters aside).
        const template = catalogues[language]?.[s.key];
        expect(template, s.key).toBeDefined();
        if (!/\{\w+\}/.test(template ?? '')) expect(s.text).toBe(template);
        expect(s.audio, `${s.key}: ${s.text}`).toBe('complete');
      }
    },
    120_000,
  );
});
