import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_PATHS,
  type FleetSummaryResponse,
  type KioskListPageResponse,
} from '../../reservation-api/contract';
import { addKiosk, type TestKiosk } from '../../reservation-api/testing/test-api';
import { nationalFleet, insertFleet, type SeededKiosk } from '../../reservation-api/testing/seed-fleet';
import { heartbeat, loginAs, opsGet, type OpsTestApi, opsTestApi, publishedOf } from './support/ops-harness';

/** The overview endpoints and the live stream's summary events, over the real API on SQLite. */

const STALE_MS = 35_000;
let api: OpsTestApi;
let cookie: string;
let fleet: SeededKiosk[];
let kiosk: TestKiosk;

beforeEach(async () => {
  api = await opsTestApi({ alertHeartbeatStaleMs: STALE_MS });
  fleet = nationalFleet({ count: 600, now: api.clock.now(), seed: 3, staleMs: STALE_MS });
  await insertFleet(api.store, fleet, api.clock.now());
  kiosk = await addKiosk(api, 'lawson');
  ({ cookie } = await loginAs(api, 'viewer'));
});

afterEach(() => api.close());

async function summary(): Promise<FleetSummaryResponse> {
  const response = await opsGet(api, API_PATHS.opsFleetSummary, cookie);
  expect(response.statusCode).toBe(200);
  return response.json<FleetSummaryResponse>();
}

async function page(query: string): Promise<LiteResponse> {
  const response = await opsGet(api, `${API_PATHS.opsFleetKiosks}?${query}`, cookie);
  return { status: response.statusCode, body: response.json<KioskListPageResponse>() };
}
interface LiteResponse {
  status: number;
  body: KioskListPageResponse;
}

describe('GET /v1/ops/fleet/summary and /v1/ops/fleet/kiosks', () => {
  it('counts every kiosk once, by chain and prefecture; a restart grace keeps silent ones online until it ends', async () => {
    const first = await summary();
    const whole = first.groups[0];
    expect(whole).toMatchObject({ by: 'fleet', total: fleet.length + 1 });
    // Just started: nobody is offline yet (the monitor's grace, same rule as its alerts).
    expect(whole?.counts.offline).toBe(0);
    const chainTotal = first.groups.filter((g) => g.by === 'chain').reduce((sum, g) => sum + g.total, 0);
    const prefectureTotal = first.groups
      .filter((g) => g.by === 'prefecture')
      .reduce((s, g) => s + g.total, 0);
    expect(chainTotal).toBe(fleet.length + 1);
    expect(prefectureTotal).toBe(fleet.length + 1);
    // The kiosk added without a prefecture is under 00 and has never been heard from.
    expect(first.groups.find((g) => g.by === 'prefecture' && g.key === '00')?.counts['never-seen']).toBe(1);

    api.clock.advance(STALE_MS + 1);
    const later = await summary();
    // Every seeded kiosk is now silent longer than the threshold, except the never-seen ones.
    const heard = fleet.filter((k) => k.heartbeat !== null).length;
    expect(later.groups[0]?.counts.offline).toBe(heard);
  });

  it('pages with filters and search, refuses bad filters with a typed error', async () => {
    const tokyoSeven = fleet.filter((k) => k.chain === 'seven-eleven' && k.prefecture === '13');
    const first = await page('chain=seven-eleven&prefecture=13&limit=5');
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(tokyoSeven.length);
    expect(first.body.kiosks.map((k) => k.kioskId)).toEqual(
      tokyoSeven
        .map((k) => k.kioskId)
        .sort()
        .slice(0, 5),
    );
    const second = await page('chain=seven-eleven&prefecture=13&limit=5&offset=5');
    expect(second.body.kiosks[0]?.kioskId).toBe(tokyoSeven.map((k) => k.kioskId).sort()[5]);
    const target = fleet[42];
    const found = await page(`q=${encodeURIComponent(target?.storeName ?? '')}`);
    expect(found.body.kiosks.map((k) => k.kioskId)).toEqual([target?.kioskId]);
    const bad = await opsGet(api, `${API_PATHS.opsFleetKiosks}?prefecture=48`, cookie);
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('VALIDATION_FAILED');
    const unauthenticated = await api.app.inject({ method: 'GET', url: API_PATHS.opsFleetSummary });
    expect(unauthenticated.statusCode).toBe(401);
  });

  it('sends the changed groups as a summary event when a heartbeat moves a kiosk, nothing when nothing moved', async () => {
    await heartbeat(api, kiosk, { state: 'idle' });
    await api.tick();
    const before = await summary();
    api.published.length = 0;
    await api.tick();
    expect(publishedOf(api, 'summary')).toEqual([]);

    await heartbeat(api, kiosk, { state: 'enter-new-pin', cardPresent: true });
    api.clock.advance(1_000);
    await api.tick();
    const [event] = publishedOf(api, 'summary');
    const changed = new Map(event?.groups.map((g) => [`${g.by}:${g.key}`, g]));
    const fleetBefore = before.groups[0];
    expect(changed.get('fleet:')?.counts).toEqual({
      ...fleetBefore?.counts,
      idle: (fleetBefore?.counts.idle ?? 0) - 1,
      'in-session': (fleetBefore?.counts['in-session'] ?? 0) + 1,
    });
    expect(changed.has('chain:lawson')).toBe(true);
    expect(changed.has('prefecture:00')).toBe(true);
    // Only groups that changed: other chains and prefectures are not resent.
    expect(changed.has('chain:seven-eleven')).toBe(false);
    expect([...changed.keys()].filter((k) => k.startsWith('prefecture:'))).toEqual(['prefecture:00']);
    // The kiosk's own change went out as a kiosk event.
    expect(publishedOf(api, 'kiosk').map((k) => [k.kioskId, k.state])).toContainEqual([
      kiosk.kioskId,
      'enter-new-pin',
    ]);
  });
});
