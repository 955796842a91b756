import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUES } from '../../reservation-api/dashboard/client/i18n';
import { PAGE_SIZE } from '../../reservation-api/dashboard/client/overview-model';
import { alertDetail } from '../../reservation-api/fleet/alert-details';
import { contrastProblems, fontsUsedFor, launchChromium } from '../ui/support/browser';
import {
  boardProblems,
  DESKTOP_VIEWPORTS,
  logIn,
  openDashboard,
  policyViolations,
  saveDashboardScreenshot,
} from './support/dashboard-page';
import { FIXTURE_ALERTS, FIXTURE_KIOSKS, FIXTURE_NOW } from './support/fleet-fixtures';
import { FIXTURE_TOKEN, type FixtureOpsApi, startFixtureOpsApi } from './support/fixture-ops-api';

/**
 * The board drawn from a large, unhealthy fixture fleet (every kiosk status, reader state and
 * alert kind) at both desktop sizes and in both languages: it fits, reads, sorts problems first,
 * filters, follows the stream and reconnects. The real API and kiosks are in live-fleet.test.ts.
 */

let api: FixtureOpsApi;
let browser: Browser;

beforeAll(async () => {
  [api, browser] = await Promise.all([startFixtureOpsApi(), launchChromium()]);
});

// Every page a test opened is closed after it, passed or not, so none keeps polling into the next.
afterEach(async () => {
  for (const context of browser?.contexts() ?? []) await context.close();
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

async function board(
  language: 'ja' | 'en',
  viewport: { width: number; height: number } = DESKTOP_VIEWPORTS[0],
  operator = 'hanako',
): Promise<Page> {
  const page = await openDashboard(browser, api.url, viewport);
  if (language === 'en') await page.click('.login-card .language');
  await logIn(page, operator, FIXTURE_TOKEN);
  await page.waitForSelector('.connection[data-connection="live"]');
  return page;
}

describe('board layout', () => {
  for (const language of ['ja', 'en'] as const) {
    for (const viewport of DESKTOP_VIEWPORTS) {
      const size = `${viewport.width}x${viewport.height}`;
      it(`fits and reads at ${size} in ${language}`, async () => {
        const page = await board(language, viewport);
        expect(await page.getAttribute('html', 'lang')).toBe(language);
        expect(await page.locator('tr[data-kiosk-id]').count()).toBe(FIXTURE_KIOSKS.length);
        expect(await boardProblems(page)).toEqual([]);
        expect(await contrastProblems(page)).toEqual([]);
        expect(policyViolations(page)).toEqual([]);
        // No text key left untranslated anywhere on the page.
        const text = await page.locator('body').innerText();
        const keys = Object.keys(CATALOGUES[language]).filter((key) => text.includes(key));
        expect(keys).toEqual([]);
        // Alert details in the page's language, from their key and params.
        const failures = page.locator('[data-kind="repeated-failures"] .alert-detail');
        expect(await failures.getAttribute('lang')).toBe(language);
        expect(await failures.innerText()).toBe(
          language === 'ja'
            ? '15分間に端末・サービス起因の失敗6件'
            : '6 device or service failures in 15 min',
        );
        await saveDashboardScreenshot(page, `board-${language}-${size}`);
      });
    }
  }

  it('draws Japanese with the IPA font', async () => {
    const page = await board('ja');
    expect((await fontsUsedFor(page, '.topbar h1')).join(',')).toMatch(/IPA/);
  });
});

describe('problems at a glance', () => {
  it('marks each kiosk by colour, icon and word, and counts the problems in the overview', async () => {
    const page = await board('ja');
    const offline = FIXTURE_KIOSKS.filter((kiosk) => kiosk.status === 'stale').length;
    expect(
      Number(await page.locator('tr[data-group="fleet:"] td[data-condition="offline"]').innerText()),
    ).toBe(offline);
    const stale = page.locator('tr[data-kiosk-id="seven-eleven-S0002-k7e8f9"]');
    expect(await stale.getAttribute('data-health')).toBe('critical');
    expect(await stale.locator('.badge').innerText()).toContain('✖');
    expect(await stale.locator('.badge').innerText()).toContain('応答なし');
    expect(await stale.locator('[data-cell="alert"]').innerText()).toContain('応答が途絶えています');
    const background = await stale.evaluate((row) => getComputedStyle(row).backgroundColor);
    const okBackground = await page
      .locator('tr[data-health="ok"]')
      .first()
      .evaluate((row) => getComputedStyle(row).backgroundColor);
    expect(background).not.toBe(okBackground);
    // The reader that went away and the card left behind say so in their own cells.
    expect(
      await page.locator('tr[data-kiosk-id="seven-eleven-S0107-k0a1b2"] [data-cell="reader"]').innerText(),
    ).toContain('使用不可');
    expect(
      await page.locator('tr[data-kiosk-id="lawson-0042-k3c4d5"] [data-cell="reader"]').innerText(),
    ).toContain('カードあり');
  });

  it('filters by chain, condition and search', async () => {
    const page = await board('en');
    const lawson = FIXTURE_KIOSKS.filter((kiosk) => kiosk.chain === 'lawson');
    await page.selectOption('#filter-chain', 'lawson');
    await page.waitForFunction(
      (count) =>
        document.querySelectorAll('tr[data-kiosk-id]').length === count &&
        Array.from(document.querySelectorAll('tr[data-kiosk-id]')).every((row) =>
          (row as HTMLElement).dataset.kioskId?.startsWith('lawson-'),
        ),
      lawson.length,
    );
    await page.fill('#filter-search', '0042');
    await page.press('#filter-search', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-kiosk-id]').length === 2);
    await page.selectOption('#filter-chain', '');
    await page.fill('#filter-search', '');
    await page.selectOption('#filter-condition', 'out-of-service');
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll('tr[data-kiosk-id]')).every(
        (row) => (row as HTMLElement).dataset.condition === 'out-of-service',
      ),
    );
    const outOfService = FIXTURE_KIOSKS.filter(
      (kiosk) => kiosk.status === 'online' && kiosk.alerts.length === 0 && kiosk.state === 'out-of-service',
    ).length;
    expect(await page.locator('[data-fleet-count]').innerText()).toContain(`of ${outOfService} kiosks`);
    await saveDashboardScreenshot(page, 'board-en-filtered');
  });
});

describe('a large fleet', () => {
  it('draws one page of 2,001 kiosks and filters the problems in', async () => {
    const [sick, ...rest] = FIXTURE_KIOSKS.filter((kiosk) => kiosk.kioskId === 'seven-eleven-S0002-k7e8f9');
    expect(rest).toEqual([]);
    if (!sick) throw new Error('fixture changed');
    const healthy = FIXTURE_KIOSKS.find((kiosk) => kiosk.kioskId === 'aeon-A-301-k7a8b9');
    if (!healthy) throw new Error('fixture changed');
    const kiosks = Array.from({ length: 2_000 }, (_, i) => ({
      ...healthy,
      kioskId: `aeon-A${String(i).padStart(4, '0')}-kbig${i}`,
      storeId: `A${String(i).padStart(4, '0')}`,
    }));
    kiosks.splice(1_234, 0, sick);
    const big = await startFixtureOpsApi({ kiosks, alerts: [] });
    try {
      const page = await openDashboard(browser, big.url, DESKTOP_VIEWPORTS[1]);
      await logIn(page, 'hanako', FIXTURE_TOKEN);
      expect(await page.locator('tr[data-kiosk-id]').count()).toBe(PAGE_SIZE);
      await page.selectOption('#filter-condition', 'offline');
      await page.waitForSelector(`tr[data-kiosk-id="${sick.kioskId}"]`);
      expect(await page.locator('tr[data-kiosk-id]').count()).toBe(1);
      expect(await boardProblems(page)).toEqual([]);
      await saveDashboardScreenshot(page, 'board-ja-2001-kiosks');
    } finally {
      await big.close();
    }
  });
});

describe('live updates', () => {
  it('applies kiosk, alert, stats and session events as they come', async () => {
    const page = await board('ja');
    const healthy = FIXTURE_KIOSKS.find((kiosk) => kiosk.kioskId === 'aeon-A-301-k7a8b9');
    if (!healthy) throw new Error('fixture changed');
    const row = page.locator('tr[data-kiosk-id="aeon-A-301-k7a8b9"]');
    expect(await row.getAttribute('data-health')).toBe('ok');
    api.push({ event: 'kiosk', data: { ...healthy, reader: 'unavailable', alerts: ['reader-unavailable'] } });
    const alert = {
      alertId: 'alrt_live_reader_0001',
      kind: 'reader-unavailable' as const,
      severity: 'critical' as const,
      kioskId: healthy.kioskId,
      ...alertDetail('reader-unavailable', {}),
      openedAt: FIXTURE_NOW,
      updatedAt: FIXTURE_NOW,
      resolvedAt: null,
      acknowledgedAt: null,
      acknowledgedBy: null,
    };
    api.push({ event: 'alert', data: alert });
    await page.waitForSelector('tr[data-kiosk-id="aeon-A-301-k7a8b9"][data-health="critical"]');
    await page.waitForSelector('[data-alert-id="alrt_live_reader_0001"][data-state="open"]');

    const totals = page.locator('[data-series-totals]');
    const before = Number(await totals.getAttribute('data-completed'));
    api.push({
      event: 'session',
      data: { kioskId: healthy.kioskId, at: FIXTURE_NOW, outcome: 'completed', cause: 'none' },
    });
    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>('[data-series-totals]')?.dataset.completed) === n,
      before + 1,
    );

    api.push({ event: 'alert', data: { ...alert, resolvedAt: FIXTURE_NOW + 1000 } });
    await page.waitForSelector('[data-alert-id="alrt_live_reader_0001"][data-state="resolved"]');
  });

  it('shows the dropped stream and reconnects, reloading the lists', async () => {
    const page = await board('ja');
    const opens = api.streamOpens();
    const loads = api.fleetLoads();
    // Record every connection state the header shows from now on.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { connectionStates: string[] }).connectionStates = seen;
      new MutationObserver(() => {
        const state = document.querySelector('.connection')?.getAttribute('data-connection');
        if (state && seen.at(-1) !== state) seen.push(state);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    api.dropStreams();
    await page.waitForFunction(() => {
      const seen = (window as unknown as { connectionStates: string[] }).connectionStates;
      return seen.includes('reconnecting') && seen.at(-1) === 'live';
    });
    await page.waitForFunction(() => document.getElementById('app')?.dataset.loaded === 'true');
    expect(api.streamOpens()).toBe(opens + 1);
    expect(api.fleetLoads()).toBe(loads + 1);
  });
});

describe('operators', () => {
  it('refuses a wrong token with a message and keeps no token in the page', async () => {
    const page = await openDashboard(browser, api.url);
    await page.fill('#login-name', 'hanako');
    await page.fill('#login-token', 'not-the-token-not-the-token');
    await page.click('.login-form button[type=submit]');
    await page.waitForSelector('.login-message[data-message="login.failed"]');
    expect(await page.inputValue('#login-token')).toBe('');
    await saveDashboardScreenshot(page, 'login-failed-ja');
  });

  it('lets an admin acknowledge an alert', async () => {
    const page = await board('ja');
    const id = FIXTURE_ALERTS.find((alert) => alert.kind === 'card-left-behind')?.alertId ?? '';
    await page.click(`[data-alert-id="${id}"] button.acknowledge`);
    await page.waitForSelector(`[data-alert-id="${id}"][data-acknowledged="true"]`);
    expect(await page.locator(`[data-alert-id="${id}"] .acknowledged`).innerText()).toContain('hanako');
  });

  it('gives a viewer no acknowledge button', async () => {
    const page = await board('ja', DESKTOP_VIEWPORTS[0], 'yuki');
    expect(await page.locator('[data-alert-id]').count()).toBeGreaterThan(0);
    expect(await page.locator('button.acknowledge').count()).toBe(0);
    expect(await page.locator('.viewer-note').innerText()).toContain('閲覧者');
    await saveDashboardScreenshot(page, 'board-ja-viewer');
  });

  it('goes back to the login form, saying why, when the session ends under it', async () => {
    const page = await board('ja');
    await page.context().clearCookies();
    api.dropStreams();
    await page.waitForSelector('.login-message[data-message="login.expired"]');
    expect(await page.locator('tr[data-kiosk-id]').count()).toBe(0);
  });

  it('logs out back to the login form, and a reload stays logged out', async () => {
    const page = await board('ja');
    await page.click('.topbar .logout');
    await page.waitForSelector('.login-message[data-message="login.loggedOut"]');
    await page.reload();
    await page.waitForSelector('#app[data-view="login"]');
  });
});
