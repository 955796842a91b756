import { beforeEach, expect, it } from 'vitest';
import { type FleetGroup, kioskCondition, type KioskCondition, KIOSK_CONDITIONS } from '../contract';
import { nationalFleet, insertFleet, type SeededKiosk } from '../testing/seed-fleet';
import { describeOnEachEngine } from '../testing/store-backends';
import type { ReservationStore } from './reservation-store';

/**
 * The fleet overview's store (`ReservationStore.fleetOverview`) on every engine: the database's
 * counts and pages equal what the same rules compute in JS over the rows that were inserted.
 */

const NOW = Date.parse('2026-11-23T10:00:00+09:00');
const STALE_MS = 35_000;
const ONLINE_SINCE = NOW - STALE_MS;

function conditionOf(
  kiosk: SeededKiosk,
  alerting: ReadonlySet<string>,
  revoked: ReadonlySet<string>,
): KioskCondition {
  const heard = kiosk.heartbeat;
  return kioskCondition({
    status: revoked.has(kiosk.kioskId)
      ? 'revoked'
      : !heard
        ? 'never-seen'
        : heard.receivedAt < ONLINE_SINCE
          ? 'stale'
          : 'online',
    alerts: alerting.has(kiosk.kioskId) ? ['reader-unavailable'] : [],
    state: heard?.state ?? null,
  });
}

function expectedGroups(fleet: readonly SeededKiosk[], condition: (k: SeededKiosk) => KioskCondition) {
  const groups = new Map<string, FleetGroup>();
  const bump = (by: FleetGroup['by'], key: string, c: KioskCondition) => {
    const id = `${by}:${key}`;
    const group =
      groups.get(id) ??
      ({ by, key, total: 0, counts: Object.fromEntries(KIOSK_CONDITIONS.map((x) => [x, 0])) } as FleetGroup);
    group.total += 1;
    group.counts[c] += 1;
    groups.set(id, group);
  };
  for (const kiosk of fleet) {
    const c = condition(kiosk);
    bump('fleet', '', c);
    bump('chain', kiosk.chain, c);
    bump('prefecture', kiosk.prefecture, c);
  }
  return groups;
}

describeOnEachEngine('fleet overview store', (backend) => {
  let store: ReservationStore;
  const fleet = nationalFleet({ count: 3_000, now: NOW, seed: 7, staleMs: STALE_MS });
  const alerting = new Set<string>();
  const revoked = new Set<string>();
  const condition = (kiosk: SeededKiosk) => conditionOf(kiosk, alerting, revoked);

  beforeEach(async () => {
    store = await backend.open();
    await insertFleet(store, fleet, NOW);
    alerting.clear();
    revoked.clear();
    // An open alert on two online kiosks, a resolved one on a third; one kiosk revoked.
    const online = fleet.filter((k) => condition(k) === 'idle');
    for (const [i, kiosk] of online.slice(0, 3).entries()) {
      const opened = await store.ops.openAlert({
        alertId: `alr_overview_${i}_xxxx`,
        kind: 'reader-unavailable',
        severity: 'critical',
        kioskId: kiosk.kioskId,
        detail: 'reader: unavailable',
        detailKey: 'reader-unavailable',
        detailParams: {},
        now: NOW,
      });
      if (i < 2) alerting.add(kiosk.kioskId);
      else await store.ops.resolveAlert({ alertId: opened.alertId, now: NOW });
    }
    const retired = online[5];
    if (!retired) throw new Error('fleet too small');
    const outcome = await store.revokeKiosk({ kioskId: retired.kioskId, actor: 'test', now: NOW });
    expect(outcome.ok).toBe(true);
    revoked.add(retired.kioskId);
  });

  it('counts the fleet, each chain and each prefecture by condition as the rules do', async () => {
    const groups = await store.fleetOverview.summary({ onlineSince: ONLINE_SINCE });
    const expected = expectedGroups(fleet, condition);
    expect(groups).toHaveLength(expected.size);
    for (const group of groups) expect(group).toEqual(expected.get(`${group.by}:${group.key}`));
    const [whole] = groups;
    expect(whole?.by).toBe('fleet');
    expect(whole?.total).toBe(fleet.length);
    for (const c of KIOSK_CONDITIONS) expect(whole?.counts[c], c).toBeGreaterThan(0);
    // Chains largest first, then prefectures in code order.
    const chains = groups.filter((g) => g.by === 'chain').map((g) => g.total);
    expect(chains).toEqual([...chains].sort((a, b) => b - a));
    const prefectures = groups.filter((g) => g.by === 'prefecture').map((g) => g.key);
    expect(prefectures).toEqual([...prefectures].sort());
  });

  it('a kiosk silent since before the cut-off is offline; moving the cut-off back brings it online', async () => {
    const silent = fleet.filter((k) => condition(k) === 'offline').length;
    const before = await store.fleetOverview.summary({ onlineSince: ONLINE_SINCE });
    expect(before[0]?.counts.offline).toBe(silent);
    const after = await store.fleetOverview.summary({ onlineSince: Number.MIN_SAFE_INTEGER });
    expect(after[0]?.counts.offline).toBe(0);
  });

  it('pages through a chain in one prefecture in kiosk id order, each kiosk once', async () => {
    const wanted = fleet
      .filter((k) => k.chain === 'lawson' && k.prefecture === '13')
      .map((k) => k.kioskId)
      .sort();
    expect(wanted.length).toBeGreaterThan(25);
    const seen: string[] = [];
    for (let offset = 0; offset < wanted.length; offset += 10) {
      const page = await store.fleetOverview.kioskPage({
        chain: 'lawson',
        prefecture: '13',
        onlineSince: ONLINE_SINCE,
        offset,
        limit: 10,
      });
      expect(page.total).toBe(wanted.length);
      seen.push(...page.kiosks.map((k) => k.kioskId));
    }
    expect(seen).toEqual(wanted);
  });

  it('filters by condition and shows each row as operators see it', async () => {
    const page = await store.fleetOverview.kioskPage({
      condition: 'alerting',
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 50,
    });
    expect(page.kiosks.map((k) => k.kioskId).sort()).toEqual([...alerting].sort());
    const row = page.kiosks[0];
    const seeded = fleet.find((k) => k.kioskId === row?.kioskId);
    expect(row).toMatchObject({
      condition: 'alerting',
      status: 'online',
      alerts: ['reader-unavailable'],
      chain: seeded?.chain,
      storeName: seeded?.storeName,
      prefecture: seeded?.prefecture,
      state: seeded?.heartbeat?.state,
      lastSeenAt: seeded?.heartbeat?.receivedAt,
    });
    const retired = await store.fleetOverview.kioskPage({
      condition: 'revoked',
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 50,
    });
    expect(retired.kiosks.map((k) => [k.kioskId, k.status])).toEqual([[[...revoked][0], 'revoked']]);
  });

  it('lists, for every condition, as many kiosks as the summary counts', async () => {
    const [fleetGroup] = await store.fleetOverview.summary({ onlineSince: ONLINE_SINCE });
    for (const condition of KIOSK_CONDITIONS) {
      const page = await store.fleetOverview.kioskPage({
        condition,
        onlineSince: ONLINE_SINCE,
        offset: 0,
        limit: 200,
      });
      expect(page.total, condition).toBe(fleetGroup?.counts[condition]);
      expect(page.kiosks.every((k) => k.condition === condition)).toBe(true);
    }
  });

  it('searches store names (Japanese), store ids and kiosk ids, case-insensitively, wildcards literal', async () => {
    const target = fleet[1234];
    if (!target) throw new Error('fleet too small');
    const byName = await store.fleetOverview.kioskPage({
      search: target.storeName.split(' ')[1] ?? '',
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 50,
    });
    expect(byName.kiosks.map((k) => k.kioskId)).toContain(target.kioskId);
    const byId = await store.fleetOverview.kioskPage({
      search: target.kioskId.toUpperCase(),
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 50,
    });
    expect(byId.kiosks.map((k) => k.kioskId)).toEqual([target.kioskId]);
    const wildcard = await store.fleetOverview.kioskPage({
      search: '%',
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 50,
    });
    expect(wildcard.total).toBe(0);
  });

  it('keeps the prefecture and store name given at registration; kiosks without one count as 00', async () => {
    await store.registerKiosk(
      {
        id: 'lawson-sapporo-1-kaaaaaa',
        chain: 'lawson',
        storeId: 'sapporo-1',
        prefecture: '01',
        storeName: 'ローソン 札幌駅前店',
        procedures: ['signature-pin'],
        publicKey: Buffer.alloc(32, 1).toString('base64'),
        registeredAt: NOW,
        revokedAt: null,
      },
      'test',
    );
    await store.registerKiosk(
      {
        id: 'lawson-legacy-kbbbbbb',
        chain: 'lawson',
        storeId: 'legacy',
        procedures: ['signature-pin'],
        publicKey: Buffer.alloc(32, 2).toString('base64'),
        registeredAt: NOW,
        revokedAt: null,
      },
      'test',
    );
    expect(await store.getKiosk('lawson-sapporo-1-kaaaaaa')).toMatchObject({
      prefecture: '01',
      storeName: 'ローソン 札幌駅前店',
    });
    const unknown = await store.fleetOverview.kioskPage({
      prefecture: '00',
      onlineSince: ONLINE_SINCE,
      offset: 0,
      limit: 10,
    });
    expect(unknown.kiosks.map((k) => [k.kioskId, k.condition])).toEqual([
      ['lawson-legacy-kbbbbbb', 'never-seen'],
    ]);
    const groups = await store.fleetOverview.summary({ onlineSince: ONLINE_SINCE });
    expect(groups.find((g) => g.by === 'prefecture' && g.key === '00')?.total).toBe(1);
  });
});
