import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCREEN_FIXTURES, fixture, inLanguage } from '../../kiosk/ui/fixtures/view-models';
import { catalogueLanguages } from '../../kiosk/ui/catalogues';
import type { ViewModel } from '../../kiosk/ui/src/view-model';
import type { UiEvent } from '../../kiosk/ui-server/ui-events';
import { type UiServer, createUiServer } from '../../kiosk/ui-server/ui-server';
import {
  contrastProblems,
  KIOSK_VIEWPORT,
  fontsUsedFor,
  launchChromium,
  layoutProblems,
  openKiosk,
  renderCount,
  saveScreenshot,
  waitForRenderAfter,
} from './support/browser';
import { type FixtureSource, fixtureSource } from './support/fixture-source';

let browser: Browser;
let server: UiServer;
let source: FixtureSource<ViewModel>;
let page: Page;
const events: UiEvent[] = [];

beforeAll(async () => {
  source = fixtureSource<ViewModel>(fixture('idle'));
  [browser, server] = await Promise.all([
    launchChromium(),
    createUiServer({
      host: '127.0.0.1',
      port: 0,
      viewModels: source,
      onEvent: (event) => events.push(event),
    }),
  ]);
  page = await openKiosk(browser, server.url);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function show(vm: ViewModel): Promise<void> {
  const before = await renderCount(page);
  source.push(vm);
  await waitForRenderAfter(page, before);
}

// Every catalogue language: a longer translation must fit the panel too.
describe.each(catalogueLanguages())('every screen in %s', (language) => {
  it.each(Object.keys(SCREEN_FIXTURES))(
    '%s fits 1280×800, touch targets ≥ 64 px, contrast ≥ AA',
    async (name) => {
      await show(inLanguage(fixture(name), language));
      await saveScreenshot(page, language, name);
      expect(await page.getAttribute('html', 'lang')).toBe(language);
      expect(await layoutProblems(page)).toEqual([]);
      expect(await contrastProblems(page)).toEqual([]);
      // Every text comes from the catalogue: a missing key would show up as the raw key.
      expect(await page.locator('body').innerText()).not.toMatch(
        /\b(screen|error|pin|action|procedure)\.[\w-]+\./,
      );
    },
  );
});

describe('Japanese text', () => {
  it('is drawn with the IPA Gothic font, not fallback boxes', async () => {
    await show(fixture('idle'));
    const fonts = await fontsUsedFor(page, '.title');
    expect(fonts.length).toBeGreaterThan(0);
    for (const font of fonts) expect(font).toMatch(/^IPA/);
  });
});

describe('PIN entry', () => {
  it('shows dots from the length only and sends one key per tap', async () => {
    const vm = fixture('enter-current-pin-numeric');
    if (!vm.pin) throw new Error('fixture without a PIN entry');
    await show({ ...vm, pin: { ...vm.pin, length: 3 } });
    expect(await page.locator('.pin-box.filled').count()).toBe(3);
    expect(await page.locator('.pin-box').count()).toBe(4);
    const before = events.length;
    await page.click('[data-key="7"]');
    await page.click('[data-key="backspace"]');
    await expect.poll(() => events.length).toBe(before + 2);
    expect(events.slice(before)).toEqual([{ type: 'pin.key', key: '7' }, { type: 'pin.backspace' }]);
    expect(await page.locator('.pin-status').innerText()).not.toContain('7');
  });

  it('offers the numeric pad for 4-digit PINs and A–Z + 0–9 for the signature PIN', async () => {
    await show(fixture('enter-current-pin-numeric'));
    const numericKeys = await page
      .locator('.key[data-key]')
      .evaluateAll((keys) => keys.map((key) => key.getAttribute('data-key')));
    expect(numericKeys.filter((key) => key?.length === 1).sort()).toEqual('0123456789'.split(''));
    await show(fixture('enter-new-pin-alphanumeric-full'));
    const alphaKeys = await page
      .locator('.key[data-key]')
      .evaluateAll((keys) => keys.map((key) => key.getAttribute('data-key')));
    expect(alphaKeys.filter((key) => key?.length === 1).sort()).toEqual(
      '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''),
    );
  });

  it('keeps OK pressable below the minimum length, marked incomplete and described by the rule line', async () => {
    await show(fixture('confirm-new-pin'));
    const submit = page.locator('[data-key="submit"]');
    expect(await submit.isDisabled()).toBe(false);
    expect(await submit.getAttribute('data-complete')).toBe('false');
    // A screen reader hears what is missing with the key: the PIN's rule and how much is typed.
    const description = await submit.evaluate((el) =>
      document.getElementById(el.getAttribute('aria-describedby') ?? '')?.textContent?.replace(/\s+/g, ''),
    );
    expect(description).toBe('英大文字と数字を混ぜて6〜16文字入力済み3文字');
    const incomplete = await submit.evaluate((el) => getComputedStyle(el).borderStyle);
    const before = events.length;
    await submit.click();
    await expect.poll(() => events.slice(before)).toEqual([{ type: 'pin.submit' }]);
    await show(fixture('enter-new-pin-alphanumeric-full'));
    expect(await submit.getAttribute('data-complete')).toBe('true');
    expect(await submit.getAttribute('aria-describedby')).toBeNull();
    expect(await submit.evaluate((el) => getComputedStyle(el).borderStyle)).not.toBe(incomplete);
  });

  it('says on the PIN screen which PIN was too short and what it needs', async () => {
    await show(fixture('enter-current-pin-too-short'));
    expect(await page.innerText('[data-notice="pin-too-short"] .notice-title')).toBe(
      '暗証番号の入力が足りません',
    );
    expect(await page.innerText('[data-notice="pin-too-short"] .notice-body')).toBe(
      '数字4桁をすべて入力してから、決定を押してください。',
    );
    await show(inLanguage(fixture('enter-current-pin-alphanumeric-too-short'), 'en'));
    expect(await page.innerText('[data-notice="pin-too-short"] .notice-body')).toBe(
      'Enter 6 to 16 capital letters and digits, then press OK.',
    );
  });

  it('the idle screen offers help: the service, what it needs, the hours and where to ask', async () => {
    await show(fixture('idle'));
    const before = events.length;
    await page.click('[data-action="help"]');
    await expect.poll(() => events.slice(before)).toEqual([{ type: 'help.open' }]);
    await show(fixture('dialog-help-idle'));
    const help = await page.innerText('[data-overlay="help"]');
    for (const text of [
      '新しい暗証番号を設定できます',
      '24時間以内',
      '毎日 06:30〜23:00',
      '店員',
      '市区町村の窓口',
    ])
      expect(help.replace(/\s+/g, ' ')).toContain(text);
  });

  it.each([
    ['enter-current-pin-numeric', 'enter-current-pin-wrong-last-try', '1'],
    ['enter-new-pin-alphanumeric-full', 'enter-new-pin-after-mismatch', 'A'],
    ['enter-current-pin-numeric', 'enter-current-pin-too-short', '1'],
    ['confirm-new-pin', 'confirm-new-pin-too-short', '1'],
  ])('keys and dots do not move when a notice appears (%s → %s)', async (plain, withNotice, key) => {
    const positions = async () => ({
      key: await page.locator(`[data-key="${key}"]`).boundingBox(),
      dots: await page.locator('.pin-dots').boundingBox(),
    });
    await show(fixture(plain));
    const before = await positions();
    await show(fixture(withNotice));
    expect(await page.locator('.notice, .last-try').count()).toBe(1);
    expect(await positions()).toEqual(before);
  });

  it('warns loudly when a card arrives with one try left: its own colours, an icon, the words', async () => {
    await show(fixture('enter-current-pin-numeric'));
    const ordinary = await page.locator('.tries').evaluate((el) => getComputedStyle(el).backgroundColor);
    await show(fixture('enter-current-pin-last-try'));
    const box = page.locator('.last-try[role="alert"]');
    expect(await box.innerText()).toContain('次に間違えると暗証番号がロックされます');
    expect(await box.locator('.last-try-icon').innerText()).toBe('⚠');
    expect(await box.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(ordinary);
  });

  it('after a wrong PIN on the last try says both in one alert', async () => {
    await show(fixture('enter-current-pin-wrong-last-try'));
    expect(await page.innerText('[data-last-try] .last-try-title')).toBe('暗証番号が違います');
    expect(await page.innerText('[data-last-try] .last-try-words')).toContain('あと1回');
    expect(await page.locator('[role="alert"]').count()).toBe(1);
  });

  it('ticks the new PIN rules met so far, and names the broken one', async () => {
    await show(fixture('enter-new-pin-needs-digit'));
    const met = await page
      .locator('.pin-rules li')
      .evaluateAll((items) => items.map((li) => [li.getAttribute('data-rule'), li.getAttribute('data-met')]));
    expect(met).toEqual([
      ['min-length', 'false'],
      ['letter', 'true'],
      ['digit', 'false'],
    ]);
    expect(await page.innerText('[data-notice="new-pin-format"] .notice-body')).toBe(
      '数字が入っていません。数字を1文字以上入れてください。',
    );
  });
});

describe('result screens', () => {
  it('the error screen shows the next step and the display code, and Finish ends the session', async () => {
    await show(fixture('error-no-reservation'));
    expect(await page.innerText('.next-step')).toContain('スマートフォンのアプリで');
    expect(await page.innerText('.display-code')).toBe('コード：E-041');
    const before = events.length;
    await page.click('[data-action="finish"]');
    await expect.poll(() => events.slice(before)).toEqual([{ type: 'session.continue' }]);
  });

  it('a blocked PIN that the other procedure can reset says so instead of the default next step', async () => {
    await show(fixture('error-pin-blocked'));
    expect(await page.innerText('.next-step')).toContain('市区町村の窓口');
    await show(fixture('error-pin-blocked-other-route'));
    expect(await page.innerText('.next-step')).toContain('もう一方の暗証番号');
  });

  it('done shows the certificate validity as a Japanese date and the renewal hint when due', async () => {
    await show(fixture('done-renewal-due'));
    expect(await page.innerText('.certificate')).toContain('2027年2月28日');
    expect(await page.locator('.certificate .warning').count()).toBe(1);
    await show(fixture('done-auth-pin'));
    expect(await page.locator('.certificate .warning').count()).toBe(0);
  });
});

describe('service hours and inactivity from the view model', () => {
  it('the closed screen and the outside-hours error show the configured hours, not built-in ones', async () => {
    await show({ ...fixture('closed'), opensAt: '07:00', closesAt: '22:00' });
    expect(await page.innerText('.body')).toBe('ご利用時間は07:00〜22:00です');
    await show({ ...fixture('error-outside-hours'), opensAt: '07:00', closesAt: '22:00' });
    expect(await page.innerText('.content')).toContain('ご利用時間は07:00〜22:00です。');
    await show(inLanguage({ ...fixture('error-outside-hours'), opensAt: '07:00', closesAt: '22:00' }, 'en'));
    expect(await page.innerText('.content')).toContain('The service is open from 07:00 to 22:00.');
  });

  it('the inactivity warning counts down from the seconds the core gave, on the page clock', async () => {
    // A page of its own with Playwright's fake clock: time moves only when the test says so.
    const context = await browser.newContext({ viewport: KIOSK_VIEWPORT });
    const clocked = await context.newPage();
    await clocked.clock.install();
    await clocked.goto(server.url);
    await clocked.waitForSelector('[data-screen]');
    source.push({ ...fixture('inactivity-warning'), inactivitySecondsLeft: 30 });
    await clocked.waitForSelector('.countdown');
    expect(await clocked.innerText('.countdown')).toBe('あと30秒で終了します');
    await clocked.clock.runFor(12_000);
    expect(await clocked.innerText('.countdown')).toBe('あと18秒で終了します');
    await clocked.clock.runFor(60_000);
    expect(await clocked.innerText('.countdown')).toBe('あと0秒で終了します');
    await context.close();
  });
});

describe('busy screens', () => {
  it.each(['reading', 'verifying', 'checking-reservation', 'resetting'])(
    '%s shows progress and "do not move the card"',
    async (name) => {
      await show(fixture(name));
      expect(await page.locator('progress').count()).toBe(1);
      expect(await page.locator('.keep-card').innerText()).toBe('カードを動かさないでください');
    },
  );
});
