import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { API_PATHS, fillPath } from '../../reservation-api/contract';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';
import { DEFAULT_TIMING, toViewModel } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { launchChromium } from '../ui/support/browser';
import { logIn, openDashboard, policyViolations, saveDashboardScreenshot } from './support/dashboard-page';
import { enterPin, type LiveKiosk, startLiveKiosk, startSession } from './support/live-kiosks';
import { createOperator, type TestOperator } from './support/operators';

/**
 * The dashboard against the real API (build() on loopback, SQLite, test PKI) and two real kiosk
 * runtimes heartbeating: log in, see the kiosks appear, see alerts appear live when a reader goes
 * away and a card is left behind, acknowledge, watch a reset and a failure reach the charts and
 * the statistics; the API refuses anonymous and viewer requests. The API's monitoring tick and
 * its clock are driven by the test (policy.opsTickMs = 0); the page waits on DOM conditions.
 */

/** Kiosks heartbeat this often (real timers), as well as whenever the test asks. */
const TICK_MS = 200;

let api: ApiHarness;
let browser: Browser;
let seven: LiveKiosk;
let lawson: LiveKiosk;
let admin: TestOperator;
let viewer: TestOperator;
let page: Page;

beforeAll(async () => {
  // Reader alerts at once (their grace period is tested in test/ops/fleet-alerts.test.ts).
  api = await startApiHarness({ policy: { opsTickMs: 0, opsStreamPingMs: 0, alertReaderGraceMs: 0 } });
  [admin, viewer] = await Promise.all([
    createOperator(api.store, 'hanako', 'admin', api.clock.now()),
    createOperator(api.store, 'yuki', 'viewer', api.clock.now()),
  ]);
  seven = await startLiveKiosk(api, 'seven-eleven', TICK_MS);
  lawson = await startLiveKiosk(api, 'lawson', TICK_MS);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await seven?.close();
  await lawson?.close();
  await api?.close();
});

const row = (kioskId: string) => `tr[data-kiosk-id="${kioskId}"]`;
const openAlertOf = (kioskId: string, kind: string) =>
  `[data-alert-id][data-kiosk-id="${kioskId}"][data-kind="${kind}"][data-state="open"]`;

/** The number a summary tile or the chart heading shows. */
async function shown(selector: string, attribute?: string): Promise<number> {
  const locator = page.locator(selector);
  return Number(
    attribute ? await locator.getAttribute(attribute) : await locator.locator('.tile-value').innerText(),
  );
}

describe('dashboard over the real API and kiosks', () => {
  it('refuses the operator data to anyone not logged in', async () => {
    for (const path of [
      API_PATHS.opsFleet,
      API_PATHS.opsAlerts,
      API_PATHS.opsStats,
      API_PATHS.opsSessionSeries,
      API_PATHS.opsStream,
    ]) {
      const response = await fetch(`${api.baseUrl}${path}`);
      expect(response.status, path).toBe(401);
      expect(((await response.json()) as { code: string }).code, path).toBe('OPERATOR_UNAUTHENTICATED');
    }
    // The page itself is public but holds nothing until login.
    page = await openDashboard(browser, api.baseUrl);
    expect(await page.getAttribute('#app', 'data-view')).toBe('login');
    expect(await page.locator('body').innerText()).not.toContain(seven.kioskId);
  });

  it('shows both kiosks from their heartbeats after login', async () => {
    await logIn(page, admin.name, admin.token);
    for (const kiosk of [seven, lawson]) {
      await page.waitForSelector(`${row(kiosk.kioskId)}[data-health="ok"]`);
      expect(await page.locator(`${row(kiosk.kioskId)} [data-cell="reader"]`).innerText()).toContain('正常');
      expect(await page.locator(`${row(kiosk.kioskId)} [data-cell="state"]`).innerText()).toContain('待機中');
    }
    await page.waitForSelector('.connection[data-connection="live"]');
    await saveDashboardScreenshot(page, 'live-board-ja');
  });

  it('raises a reader alert live when a reader goes away, and takes an acknowledgement', async () => {
    seven.unplugReader();
    await seven.runtime.heartbeat();
    await page.waitForSelector(`${row(seven.kioskId)}[data-health="critical"]`);
    await page.waitForSelector(openAlertOf(seven.kioskId, 'reader-unavailable'));
    expect(await page.locator(`${row(seven.kioskId)} [data-cell="reader"]`).innerText()).not.toContain(
      '正常',
    );
    await saveDashboardScreenshot(page, 'live-reader-gone-ja');

    const alert = page.locator(openAlertOf(seven.kioskId, 'reader-unavailable'));
    await alert.locator('button.acknowledge').click();
    await page.waitForSelector(
      `${openAlertOf(seven.kioskId, 'reader-unavailable')}[data-acknowledged="true"]`,
    );
    expect(await alert.locator('.acknowledged').innerText()).toContain(admin.name);

    seven.plugInReader();
    await seven.runtime.heartbeat();
    await api.app.ops.tick();
    await page.waitForSelector(`${row(seven.kioskId)}[data-health="ok"]`);
  });

  it('raises a card-left-behind alert live and counts the failed session by cause', async () => {
    const failedBefore = await shown('[data-series-totals]', 'data-failed');
    // A blocked signature PIN but no reservation: the session fails, the customer forgets the card.
    lawson.useCard(await api.issueCard('sign-pin-blocked'));
    lawson.leaveCardBehind(true);
    startSession(lawson, 'signature-pin');
    await lawson.reach('enter-current-pin', 'error');
    enterPin(lawson, DEFAULT_PINS.auth);
    await lawson.reach('error');
    lawson.runtime.actor.send({ type: 'session.continue' });
    await lawson.reach('take-card');
    lawson.timers.increment(DEFAULT_TIMING.cardLeftBehindMs);
    await lawson.runtime.heartbeat();
    await lawson.runtime.deliverOutbox();
    await page.waitForSelector(openAlertOf(lawson.kioskId, 'card-left-behind'));
    // A forgotten card is an ID document at risk (docs/operators.md): critical, red.
    await page.waitForSelector(`${row(lawson.kioskId)}[data-health="critical"]`);
    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>('[data-series-totals]')?.dataset.failed) === n,
      failedBefore + 1,
    );
    expect(await page.getAttribute('[data-cause-totals]', 'data-causes')).toContain('no-reservation=1');
    await saveDashboardScreenshot(page, 'live-card-left-behind-ja');

    lawson.takeCard();
    await lawson.reach('idle');
    await lawson.runtime.heartbeat();
    await api.app.ops.tick();
    await page.waitForSelector(`${row(lawson.kioskId)}[data-health="ok"]`);
  });

  it('moves the chart and the statistics after a reset', async () => {
    const completedSessions = await shown('[data-series-totals]', 'data-completed');
    const completedReservations = await shown('[data-stat="completed"]');
    const cardPath = await api.issueCard('sign-pin-blocked');
    await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
    await api.app.ops.tick();
    await page.waitForFunction(
      () => document.querySelector('[data-stat="active"] .tile-value')?.textContent === '1',
    );

    seven.useCard(cardPath);
    startSession(seven, 'signature-pin');
    await seven.reach('enter-current-pin', 'error');
    enterPin(seven, DEFAULT_PINS.auth);
    await seven.reach('enter-new-pin', 'error');
    enterPin(seven, 'DASH2026');
    await seven.reach('confirm-new-pin', 'error');
    enterPin(seven, 'DASH2026');
    await seven.reach('done', 'error');
    expect(toViewModel(seven.runtime.actor.getSnapshot()).screen).toBe('done');
    // The customer taps Finish and takes the card: the session ends and its facts go out.
    seven.runtime.actor.send({ type: 'session.continue' });
    await seven.reach('idle');
    await seven.runtime.deliverOutbox();
    await seven.runtime.deliverOutbox();
    await api.app.ops.tick();

    await page.waitForFunction(
      (n) => Number(document.querySelector<HTMLElement>('[data-series-totals]')?.dataset.completed) === n,
      completedSessions + 1,
    );
    await page.waitForFunction(
      (n) => document.querySelector('[data-stat="completed"] .tile-value')?.textContent === String(n),
      completedReservations + 1,
    );
    await saveDashboardScreenshot(page, 'live-after-reset-ja');
  });

  it('gives a viewer the board without acknowledge, and the API refuses the viewer anyway', async () => {
    seven.unplugReader();
    await seven.runtime.heartbeat();
    const viewerPage = await openDashboard(browser, api.baseUrl);
    await logIn(viewerPage, viewer.name, viewer.token);
    await viewerPage.waitForSelector(openAlertOf(seven.kioskId, 'reader-unavailable'));
    expect(await viewerPage.locator('button.acknowledge').count()).toBe(0);
    const alertId = await viewerPage.getAttribute(
      openAlertOf(seven.kioskId, 'reader-unavailable'),
      'data-alert-id',
    );
    const refused = await viewerPage.request.post(
      `${api.baseUrl}${fillPath(API_PATHS.opsAlertAcknowledge, { alertId: alertId ?? '' })}`,
      { data: {}, headers: { 'x-ops-request': '1', origin: api.baseUrl } },
    );
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('OPERATOR_FORBIDDEN');
    await saveDashboardScreenshot(viewerPage, 'live-viewer-ja');
    await viewerPage.context().close();
    seven.plugInReader();
    await seven.runtime.heartbeat();
  });

  it('marks a kiosk that stopped heartbeating as silent', async () => {
    await lawson.close();
    api.clock.advance(DEFAULT_POLICY.alertHeartbeatStaleMs + 1_000);
    await seven.runtime.heartbeat();
    await api.app.ops.tick();
    await page.waitForSelector(`${row(lawson.kioskId)}[data-health="critical"]`);
    await page.waitForSelector(openAlertOf(lawson.kioskId, 'heartbeat-stale'));
    expect(await page.locator(`${row(lawson.kioskId)} [data-cell="condition"]`).innerText()).toContain(
      '応答なし',
    );
    expect(await page.locator(`${row(seven.kioskId)}`).getAttribute('data-health')).toBe('ok');
    // The overview counts it: one Lawson kiosk offline.
    await page.waitForSelector('tr[data-group="chain:lawson"] td[data-condition="offline"] button');
    expect(await page.locator('tr[data-group="chain:lawson"] td[data-condition="offline"]').innerText()).toBe(
      '1',
    );
    await saveDashboardScreenshot(page, 'live-kiosk-silent-ja');
    expect(policyViolations(page)).toEqual([]);
  });

  it('logs out: the stream and the lists are refused from then on', async () => {
    await page.click('.topbar .logout');
    await page.waitForSelector('.login-message[data-message="login.loggedOut"]');
    const after = await page.request.get(`${api.baseUrl}${API_PATHS.opsFleet}`);
    expect(after.status()).toBe(401);
    await page.context().close();
  });
});
