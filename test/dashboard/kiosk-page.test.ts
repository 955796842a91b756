import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PATHS, fillPath } from '../../reservation-api/contract';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { launchChromium } from '../ui/support/browser';
import { logIn, openDashboard, policyViolations, saveDashboardScreenshot } from './support/dashboard-page';
import { type LiveKiosk, startLiveKiosk } from './support/live-kiosks';
import { createOperator, type TestOperator } from './support/operators';

/**
 * One kiosk's page over the real API and a real kiosk runtime (with its own UI server): an admin
 * opens it, sees its timeline, puts it out of service, and the kiosk's own screen shows
 * maintenance after one heartbeat; back in service likewise. A viewer sees the page, no buttons,
 * and the API refuses the action.
 */

/** The kiosk heartbeats this often on real timers (and whenever the test asks). */
const TICK_MS = 60_000;

let api: ApiHarness;
let browser: Browser;
let kiosk: LiveKiosk;
let admin: TestOperator;
let viewer: TestOperator;

beforeAll(async () => {
  api = await startApiHarness({ policy: { opsTickMs: 0, opsStreamPingMs: 0 } });
  [admin, viewer] = await Promise.all([
    createOperator(api.store, 'hanako', 'admin', api.clock.now()),
    createOperator(api.store, 'yuki', 'viewer', api.clock.now()),
  ]);
  kiosk = await startLiveKiosk(api, 'seven-eleven', TICK_MS);
  await kiosk.runtime.heartbeat();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
  await api?.close();
});

async function kioskPage(operator: TestOperator): Promise<Page> {
  const page = await openDashboard(browser, api.baseUrl);
  await logIn(page, operator.name, operator.token);
  // From the fleet table, as an operator does: the kiosk's row links to its page.
  await page.click(`a[href="#/kiosks/${encodeURIComponent(kiosk.kioskId)}"]`);
  await page.waitForSelector('[data-view="kiosk-page"] [data-field="kiosk-id"]');
  return page;
}

describe('the kiosk page', () => {
  it('lets an admin put the kiosk out of service; the kiosk shows maintenance after one heartbeat', async () => {
    const screen = await browser.newPage();
    await screen.goto(kiosk.runtime.ui.url);
    await screen.waitForSelector('[data-screen="idle"]');

    const page = await kioskPage(admin);
    expect(await page.locator('[data-field="kiosk-id"]').innerText()).toBe(kiosk.kioskId);
    expect(await page.locator('[data-section="timeline"] .timeline-bar').count()).toBe(24);
    expect(await page.locator('[data-field="timeline-totals"]').innerText()).toContain('再設定0件');
    expect(await page.locator('[data-field="maintenance"]').getAttribute('data-state')).toBe('in-service');

    await page.fill('[data-section="control"] input[name="reason"]', 'リーダー交換');
    await page.click('button[data-action="out-of-service"]');
    await page.waitForSelector('[data-field="maintenance"][data-state="maintenance"]');
    expect(await page.locator('[data-field="maintenance"]').innerText()).toContain('リーダー交換');
    expect(await page.locator('[data-section="actions"] tbody').innerText()).toContain(
      'kiosk-out-of-service',
    );

    await kiosk.runtime.heartbeat();
    await screen.waitForSelector('[data-screen="maintenance"]');
    expect(await screen.locator('body').innerText()).toContain('メンテナンス中');
    expect(kiosk.runtime.status().state).toBe('maintenance');
    await saveDashboardScreenshot(page, 'kiosk-page-maintenance-ja');
    await screen.screenshot({ path: 'test-results/screenshots/dashboard/kiosk-screen-maintenance-ja.png' });

    await page.click('button[data-action="in-service"]');
    await page.waitForSelector('[data-field="maintenance"][data-state="in-service"]');
    await kiosk.runtime.heartbeat();
    await screen.waitForSelector('[data-screen="idle"]');
    expect(policyViolations(page)).toEqual([]);
    await screen.close();
    await page.context().close();
  });

  it('shows a viewer the page without actions; the API refuses the viewer', async () => {
    const page = await kioskPage(viewer);
    await page.waitForSelector('[data-field="viewer-note"]');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    const refused = await page.evaluate(
      async (path) => {
        const response = await fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-ops-request': '1' },
          body: JSON.stringify({ reason: 'not mine to decide' }),
        });
        return { status: response.status, body: (await response.json()) as { code: string } };
      },
      fillPath(API_PATHS.opsKioskOutOfService, { kioskId: kiosk.kioskId }),
    );
    expect(refused).toEqual({ status: 403, body: expect.objectContaining({ code: 'OPERATOR_FORBIDDEN' }) });
    await kiosk.runtime.heartbeat();
    expect(kiosk.runtime.status().state).toBe('idle');
    await page.context().close();
  });
});
