import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { KIOSK_CONDITIONS, type FleetGroup } from '../../reservation-api/contract';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { seedNationalFleet } from '../../reservation-api/testing/seed-fleet';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { launchChromium } from '../ui/support/browser';
import { logIn, openDashboard, policyViolations, saveDashboardScreenshot } from './support/dashboard-page';
import { createOperator, type TestOperator } from './support/operators';

/**
 * The dashboard at national scale: 56,000 kiosks in the real API's database (SQLite), one real
 * kiosk heartbeating among them. The page shows the database's counts, filters by chain and
 * prefecture, finds a store, pages, and changes one row live when that kiosk's heartbeat changes
 * — without reloading the page of kiosks.
 */

const FLEET = 56_000;
const STALE_MS = 35_000;

let api: ApiHarness;
let browser: Browser;
let page: Page;
let operator: TestOperator;
let live: { kioskId: string; client: KioskApiClient };

beforeAll(async () => {
  api = await startApiHarness({
    policy: { opsTickMs: 0, opsStreamPingMs: 0, alertHeartbeatStaleMs: STALE_MS },
  });
  await seedNationalFleet(api.store, { count: FLEET, now: api.clock.now(), seed: 56, staleMs: STALE_MS });
  const credentials = await enrolKiosk(api.store, {
    chain: 'lawson',
    storeId: 'shinjuku-3',
    prefecture: '13',
    storeName: 'ローソン 新宿三丁目西店',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  live = {
    kioskId: credentials.kioskId,
    client: KioskApiClient.fromCredentials(credentials, { baseUrl: api.baseUrl, now: api.clock.now }),
  };
  await beat('idle');
  operator = await createOperator(api.store, 'hanako', 'viewer', api.clock.now());
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

async function beat(state: string): Promise<void> {
  await live.client.heartbeat({
    state,
    reader: 'ready',
    cardPresent: state !== 'idle',
    version: '1.4.2',
    clock: api.clock.now(),
    counters: {},
  });
}

/** The database's own answer, computed apart from the page. */
async function databaseSummary(): Promise<FleetGroup[]> {
  return api.store.fleetOverview.summary({ onlineSince: api.app.ops.monitor.onlineSince(api.clock.now()) });
}

const rangeText = () => page.locator('[data-fleet-count]').innerText();
const firstRowId = () => page.locator('.fleet-table tbody tr').first().getAttribute('data-kiosk-id');
const number = (text: string) => Number(text.replace(/[^\d]/g, ''));

/** Waits until the table's range text contains `part` (the page of that query is drawn). */
async function waitForRange(part: string): Promise<string> {
  await page.waitForFunction(
    (wanted) => (document.querySelector('[data-fleet-count]')?.textContent ?? '').includes(wanted),
    part,
  );
  return rangeText();
}

describe('dashboard with 56,000 kiosks', () => {
  it('shows the database counts by chain and condition, and the first page of kiosks', async () => {
    page = await openDashboard(browser, api.baseUrl);
    await logIn(page, operator.name, operator.token);
    const summary = await databaseSummary();
    const fleet = summary[0];
    expect(fleet?.total).toBe(FLEET + 1);
    expect(number(await page.locator('[data-stat="kiosks"] .tile-value').innerText())).toBe(FLEET + 1);
    // Every count of the chains × condition table, read in one go.
    const shownCounts = await page.$$eval(
      '[data-overview="chains"] tr[data-group] td[data-condition]',
      (cells) =>
        cells.map((cell) => [
          `${cell.parentElement?.getAttribute('data-group')}|${cell.getAttribute('data-condition')}`,
          Number((cell.textContent ?? '').replace(/\D/g, '')),
        ]),
    );
    const expected = summary
      .filter((g) => g.by !== 'prefecture')
      .flatMap((g) => [
        ...KIOSK_CONDITIONS.map((c) => [`${g.by}:${g.key}|${c}`, g.counts[c]]),
        [`${g.by}:${g.key}|total`, g.total],
      ]);
    expect(Object.fromEntries(shownCounts)).toEqual(Object.fromEntries(expected));
    const tokyo = summary.find((g) => g.by === 'prefecture' && g.key === '13');
    expect(
      number(await page.locator('tr[data-group="prefecture:13"] td[data-condition="total"]').innerText()),
    ).toBe(tokyo?.total);
    expect(await page.locator('.fleet-table tbody tr').count()).toBe(50);
    expect(number((await rangeText()).split('/')[1] ?? '')).toBe(FLEET + 1);
    await saveDashboardScreenshot(page, 'national-fleet-ja');
    expect(policyViolations(page)).toEqual([]);
  }, 60_000);

  it('filters by chain and prefecture, finds a store by name, and pages', async () => {
    await page.selectOption('#filter-chain', 'familymart');
    await page.selectOption('#filter-prefecture', '27');
    const osaka = await api.store.fleetOverview.kioskPage({
      chain: 'familymart',
      prefecture: '27',
      onlineSince: Number.MIN_SAFE_INTEGER,
      offset: 50,
      limit: 50,
    });
    const text = await waitForRange(`全${osaka.total.toLocaleString('ja-JP')}台`);
    expect(text).toContain('1–50');
    await page.click('[data-page="next"]');
    await waitForRange('51–');
    expect(await firstRowId()).toBe(osaka.kiosks[0]?.kioskId);
    // Every row shown is a FamilyMart in Osaka.
    const rows = await page.locator('.fleet-table tbody tr').allInnerTexts();
    expect(rows.every((row) => row.includes('ファミリーマート') && row.includes('大阪府'))).toBe(true);

    await page.selectOption('#filter-chain', '');
    await page.selectOption('#filter-prefecture', '');
    await page.fill('#filter-search', '新宿三丁目西');
    await page.press('#filter-search', 'Enter');
    await waitForRange('全1台');
    expect(await firstRowId()).toBe(live.kioskId);
    expect(await page.locator(`tr[data-kiosk-id="${live.kioskId}"] a`).getAttribute('href')).toBe(
      `#/kiosks/${live.kioskId}`,
    );
  }, 30_000);

  it('changes the kiosk row and the counters live when its heartbeat changes', async () => {
    const row = page.locator(`tr[data-kiosk-id="${live.kioskId}"]`);
    expect(await row.getAttribute('data-condition')).toBe('idle');
    const before = number(await page.locator('[data-stat="in-session"] .tile-value').innerText());
    const pageLoads: Request[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/v1/ops/fleet/kiosks')) pageLoads.push(request);
    });
    await beat('enter-new-pin');
    await page.waitForSelector(`tr[data-kiosk-id="${live.kioskId}"][data-condition="in-session"]`);
    expect(await row.locator('[data-cell="condition"]').innerText()).toContain('利用中');
    expect(pageLoads).toEqual([]);
    // The counters follow within the summary feed's round (driven here; a 1 s timer in service).
    await api.app.ops.summary.flush();
    await page.waitForFunction(
      (expected) =>
        document.querySelector('[data-stat="in-session"] .tile-value')?.textContent?.replace(/\D/g, '') ===
        String(expected),
      before + 1,
    );
    expect((await databaseSummary())[0]?.counts['in-session']).toBe(before + 1);
    await saveDashboardScreenshot(page, 'national-fleet-live-ja');
  }, 30_000);
});
