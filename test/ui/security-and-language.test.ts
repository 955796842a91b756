import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../kiosk/ui/fixtures/view-models';
import type { ViewModel } from '../../kiosk/ui/src/view-model';
import type { UiEvent } from '../../kiosk/ui-server/ui-events';
import { type UiServer, createUiServer } from '../../kiosk/ui-server/ui-server';
import {
  KIOSK_VIEWPORT,
  launchChromium,
  openKiosk,
  renderCount,
  waitForRenderAfter,
} from './support/browser';
import { type FixtureSource, fixtureSource } from './support/fixture-source';

let browser: Browser;
let server: UiServer;
let source: FixtureSource<ViewModel>;
const events: UiEvent[] = [];

/** Stands in for the core: a language.select event changes the language of the current view model. */
function onEvent(event: UiEvent): void {
  events.push(event);
  if (event.type === 'language.select') source.push({ ...source.current(), language: event.language });
}

beforeAll(async () => {
  source = fixtureSource<ViewModel>(fixture('choose-procedure'));
  [browser, server] = await Promise.all([
    launchChromium(),
    createUiServer({ host: '127.0.0.1', port: 0, viewModels: source, onEvent }),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('per-launch secret in the browser', () => {
  it('without the secret the page is refused (401) and shows no UI data', async () => {
    const context = await browser.newContext({ viewport: KIOSK_VIEWPORT });
    const page = await context.newPage();
    const response = await page.goto(`${server.origin}/`);
    expect(response?.status()).toBe(401);
    expect(await page.locator('[data-screen]').count()).toBe(0);
    const stream = await page.request.get(`${server.origin}/view-model/stream`);
    expect(stream.status()).toBe(401);
    expect(await stream.text()).not.toContain('choose-procedure');
    await context.close();
  });

  it('a wrong secret is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    expect((await page.goto(`${server.origin}/?k=guess`))?.status()).toBe(401);
    await context.close();
  });

  it('with the launch URL the UI renders and the secret leaves the address bar', async () => {
    const page = await openKiosk(browser, server.url);
    expect(page.url()).toBe(`${server.origin}/`);
    expect(await page.getAttribute('[data-screen]', 'data-screen')).toBe('choose-procedure');
    const cookies = await page.context().cookies();
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The page's scripts cannot read the secret.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await page.context().close();
  });
});

describe('language switching', () => {
  let page: Page;
  beforeAll(async () => {
    source.push(fixture('choose-procedure'));
    page = await openKiosk(browser, server.url);
  });
  afterAll(async () => page.context().close());

  async function tapLanguage(language: string): Promise<void> {
    const before = await renderCount(page);
    await page.click(`[data-language="${language}"]`);
    await waitForRenderAfter(page, before);
  }

  it('starts in Japanese, switches to English in one tap and back', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.innerText('.title')).toBe('再設定する暗証番号を選んでください');
    expect(await page.innerText('[data-language="en"]')).toBe('English');

    await tapLanguage('en');
    expect(events.at(-1)).toEqual({ type: 'language.select', language: 'en' });
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.innerText('.title')).toBe('Choose the PIN to reset');
    expect(await page.innerText('[data-procedure="signature-pin"] .choice-title')).toBe(
      'Signature certificate PIN',
    );

    await tapLanguage('ja');
    expect(events.at(-1)).toEqual({ type: 'language.select', language: 'ja' });
    expect(await page.innerText('.title')).toBe('再設定する暗証番号を選んでください');
  });

  it('follows the language of the view model, so the core decides when it resets', async () => {
    const before = await renderCount(page);
    source.push({ ...fixture('idle'), language: 'ja' });
    await waitForRenderAfter(page, before);
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    expect(await page.innerText('[data-action="start"]')).toBe('はじめる');
  });
});
