import { describe, expect, it } from 'vitest';
import type { FleetGroup, FleetKioskRow, KioskListPageResponse } from '../../contract/fleet-overview';
import { applyKioskEvent, applySummary, groupsBy, NO_QUERY, pageQueryString } from './overview-model';

const counts = (idle: number, alerting = 0) => ({
  alerting,
  offline: 0,
  'out-of-service': 0,
  'in-session': 0,
  idle,
  'never-seen': 0,
  revoked: 0,
});

function row(kioskId: string, overrides: Partial<FleetKioskRow> = {}): FleetKioskRow {
  return {
    kioskId,
    chain: 'lawson',
    storeId: '13-00001',
    storeName: 'ローソン 東京駅前1号店',
    prefecture: '13',
    procedures: ['signature-pin'],
    status: 'online',
    condition: 'idle',
    state: 'idle',
    reader: 'ready',
    cardPresent: false,
    version: '1.0.0',
    lastSeenAt: 1,
    clockSkewMs: 0,
    alerts: [],
    ...overrides,
  };
}

describe('overview model', () => {
  it('builds the page query from the filters (empty ones left out, search trimmed)', () => {
    expect(pageQueryString(NO_QUERY)).toBe('limit=50');
    expect(
      pageQueryString({
        chain: 'lawson',
        prefecture: '13',
        condition: 'offline',
        search: ' 新宿 ',
        offset: 100,
      }),
    ).toBe('chain=lawson&prefecture=13&condition=offline&q=%E6%96%B0%E5%AE%BF&offset=100&limit=50');
  });

  it('sets the counts of the groups a summary event carries, drops emptied ones, keeps the rest', () => {
    const summary = new Map<string, FleetGroup>();
    applySummary(summary, [
      { by: 'fleet', key: '', total: 3, counts: counts(3) },
      { by: 'chain', key: 'lawson', total: 1, counts: counts(1) },
      { by: 'chain', key: 'familymart', total: 2, counts: counts(2) },
    ]);
    applySummary(summary, [
      { by: 'chain', key: 'lawson', total: 1, counts: counts(0, 1) },
      { by: 'chain', key: 'familymart', total: 0, counts: counts(0) },
    ]);
    expect(groupsBy(summary, 'chain').map((g) => [g.key, g.counts.alerting])).toEqual([['lawson', 1]]);
    expect(groupsBy(summary, 'fleet')[0]?.total).toBe(3);
  });

  it('applies a kiosk event to its row on screen with the condition it implies, ignores others', () => {
    const page: KioskListPageResponse = {
      serverTime: 0,
      total: 2,
      offset: 0,
      limit: 50,
      kiosks: [row('a'), row('b')],
    };
    const {
      storeName: _n,
      prefecture: _p,
      condition: _c,
      ...event
    } = row('b', {
      state: 'enter-new-pin',
      cardPresent: true,
    });
    expect(applyKioskEvent(page, event)).toBe(true);
    expect(page.kiosks[1]).toMatchObject({
      condition: 'in-session',
      state: 'enter-new-pin',
      storeName: 'ローソン 東京駅前1号店',
    });
    expect(applyKioskEvent(page, { ...event, kioskId: 'elsewhere' })).toBe(false);
    expect(applyKioskEvent(page, { ...event, alerts: ['reader-unavailable'] })).toBe(true);
    expect(page.kiosks[1]?.condition).toBe('alerting');
  });
});
