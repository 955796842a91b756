import type { Browser } from 'playwright-core';
import { API_PATHS } from '../reservation-api/contract';
import { seedNationalFleet } from '../reservation-api/testing/seed-fleet';
import { type ApiHarness, startApiHarness } from '../test/api/support/api-harness';
import { createOperator, type TestOperator } from '../test/dashboard/support/operators';
import { launchChromium } from '../test/ui/support/browser';
import { emit, progress } from './support/report';
import { percentile } from './support/stats';

/**
 * The operator dashboard at national scale (issue #14): 56,000 kiosks seeded into the real API's
 * database (SQLite), then
 * - first meaningful paint in Chromium: from navigation to the summary counts and the first page
 *   of the kiosk table drawn (target < 2 s), beside the same page over a 100-kiosk fleet;
 * - the overview API's latencies over loopback (summary, first page, filtered page, search),
 *   beside `whoami` (same authentication, no data) from the same run;
 * - the database's summary query alone (what the 1 s cache spares each request);
 * - how long seeding 56,000 kiosks takes (tests and benchmarks depend on it being seconds).
 */

interface Fleet {
  api: ApiHarness;
  cookie: string;
  operator: TestOperator;
}

async function startFleet(count: number): Promise<Fleet & { seedMs: number }> {
  const api = await startApiHarness({ policy: { opsTickMs: 0, opsStreamPingMs: 0 } });
  const started = performance.now();
  await seedNationalFleet(api.store, { count, now: api.clock.now(), seed: 56 });
  const seedMs = performance.now() - started;
  const operator = await createOperator(api.store, 'bench', 'viewer', api.clock.now());
  const response = await fetch(`${api.baseUrl}${API_PATHS.opsSession}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ops-request': '1' },
    body: JSON.stringify({ name: operator.name, token: operator.token }),
  });
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  if (!response.ok || !cookie) throw new Error(`login: ${response.status}`);
  return { api, cookie, seedMs, operator };
}

/** Milliseconds from navigation until the summary counts and the first table row are on screen. */
async function firstMeaningfulPaint(browser: Browser, fleet: Fleet): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ja-JP' });
  const page = await context.newPage();
  // Log in through the form, then measure a fresh load of the page with the session in place.
  await page.goto(`${fleet.api.baseUrl}/ops`);
  await page.fill('#login-name', fleet.operator.name);
  await page.fill('#login-token', fleet.operator.token);
  await page.click('.login-form button[type=submit]');
  await page.waitForSelector('#app[data-view="dashboard"][data-loaded="true"]', { timeout: 60_000 });
  await page.goto(`${fleet.api.baseUrl}/ops`);
  // Polled every 10 ms in the page; the page's own clock starts at navigation.
  const handle = await page.waitForFunction(
    () =>
      document.querySelector('[data-overview-loaded="true"]') !== null &&
      document.querySelector('.fleet-table tbody tr[data-kiosk-id]') !== null &&
      performance.now(),
    undefined,
    { timeout: 60_000, polling: 10 },
  );
  const fmp = (await handle.jsonValue()) as number;
  await context.close();
  return fmp;
}

async function latencies(fleet: Fleet, path: string, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    const started = performance.now();
    const response = await fetch(`${fleet.api.baseUrl}${path}`, { headers: { cookie: fleet.cookie } });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: ${response.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

export async function benchDashboard(options: {
  kiosks: number;
  paints: number;
  rounds: number;
}): Promise<void> {
  progress(`dashboard: seeding ${options.kiosks} kiosks`);
  const national = await startFleet(options.kiosks);
  progress(`dashboard: seeded in ${(national.seedMs / 1000).toFixed(1)} s; a 100-kiosk baseline`);
  const small = await startFleet(100);
  emit({
    name: 'dashboard.seed.seconds',
    value: national.seedMs / 1000,
    unit: 's',
    better: 'lower',
    note: `${options.kiosks} kiosks and their latest heartbeats, one bulk transaction (reservation-api/testing/seed-fleet.ts)`,
  });
  const browser = await launchChromium();
  try {
    // The bundle is built once per process: warm both servers before measuring.
    progress('dashboard: warming up');
    await firstMeaningfulPaint(browser, national);
    await firstMeaningfulPaint(browser, small);
    const paints: number[] = [];
    const smallPaints: number[] = [];
    for (let i = 0; i < options.paints; i += 1) {
      progress(`dashboard: paint ${i + 1}/${options.paints}`);
      paints.push(await firstMeaningfulPaint(browser, national));
      smallPaints.push(await firstMeaningfulPaint(browser, small));
    }
    emit({
      name: 'dashboard.first_meaningful_paint.p50',
      value: percentile(paints, 50),
      unit: 'ms',
      baseline: percentile(smallPaints, 50),
      better: 'lower',
      target: '< 2000 ms',
      note: `Chromium, 1440×900, logged in: navigation → summary counts and the first page of the kiosk table drawn; ${options.kiosks} kiosks, baseline 100 kiosks`,
      max: Math.max(...paints),
      runs: paints.length,
    });
  } finally {
    await browser.close();
  }

  const who = await latencies(national, API_PATHS.opsWhoAmI, options.rounds);
  const paths: [string, string][] = [
    ['summary', API_PATHS.opsFleetSummary],
    ['first_page', `${API_PATHS.opsFleetKiosks}?limit=50`],
    ['chain_prefecture_page', `${API_PATHS.opsFleetKiosks}?chain=lawson&prefecture=13&limit=50`],
    ['condition_page', `${API_PATHS.opsFleetKiosks}?condition=offline&limit=50`],
    ['search', `${API_PATHS.opsFleetKiosks}?q=${encodeURIComponent('駅前')}&limit=50`],
    ['deep_page', `${API_PATHS.opsFleetKiosks}?offset=50000&limit=50`],
  ];
  for (const [label, path] of paths) {
    const times = await latencies(national, path, options.rounds);
    emit({
      name: `dashboard.api.${label}.p50`,
      value: percentile(times, 50),
      unit: 'ms',
      baseline: percentile(who, 50),
      better: 'lower',
      note: `GET ${path} over loopback, ${options.kiosks} kiosks; baseline GET whoami (same auth, no data)`,
      p99: percentile(times, 99),
    });
  }
  const queries: number[] = [];
  for (let i = 0; i < options.rounds; i += 1) {
    const started = performance.now();
    await national.api.store.fleetOverview.summary({ onlineSince: national.api.clock.now() - 35_000 });
    queries.push(performance.now() - started);
  }
  emit({
    name: 'dashboard.db.summary_query.p50',
    value: percentile(queries, 50),
    unit: 'ms',
    better: 'lower',
    note: `the GROUP BY over ${options.kiosks} kiosks (SQLite), uncached: what the API's 1 s cache spares each request and stream round`,
    p99: percentile(queries, 99),
  });
  await national.api.close();
  await small.api.close();
}
