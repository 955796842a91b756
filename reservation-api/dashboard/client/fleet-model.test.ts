import { describe, expect, it } from 'vitest';
import type { FleetAlert, FleetKiosk } from '../../contract';
import {
  filterOptions,
  filterRows,
  fleetRows,
  healthCounts,
  kioskHealth,
  NO_FILTER,
  openAlerts,
} from './fleet-model';

const kiosk = (id: string, overrides: Partial<FleetKiosk> = {}): FleetKiosk => ({
  kioskId: id,
  chain: 'lawson',
  storeId: '0001',
  procedures: ['signature-pin'],
  status: 'online',
  state: 'idle',
  reader: 'ready',
  cardPresent: false,
  version: '0.1.0',
  lastSeenAt: 1_000,
  clockSkewMs: 0,
  alerts: [],
  ...overrides,
});

const alert = (id: string, kioskId: string | null, overrides: Partial<FleetAlert> = {}): FleetAlert => ({
  alertId: `alert-${id}`,
  kind: 'reader-unavailable',
  severity: 'critical',
  kioskId,
  detail: '',
  detailKey: '',
  detailParams: {},
  openedAt: 1_000,
  updatedAt: 1_000,
  resolvedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  ...overrides,
});

describe('kiosk health', () => {
  it('is critical when silent or under a critical alert, warning for lesser trouble, retired when revoked', () => {
    expect(kioskHealth(kiosk('a'), [])).toBe('ok');
    expect(kioskHealth(kiosk('a', { status: 'stale' }), [])).toBe('critical');
    expect(kioskHealth(kiosk('a'), [alert('1', 'a')])).toBe('critical');
    expect(kioskHealth(kiosk('a'), [alert('1', 'a', { severity: 'warning' })])).toBe('warning');
    expect(kioskHealth(kiosk('a', { status: 'never-seen' }), [])).toBe('warning');
    // The kiosk lists an alert the alert list has not delivered yet: not OK.
    expect(kioskHealth(kiosk('a', { alerts: ['clock-skew'] }), [])).toBe('warning');
    expect(kioskHealth(kiosk('a', { status: 'revoked' }), [alert('1', 'a')])).toBe('revoked');
  });
});

describe('fleet rows', () => {
  it('puts problems first, then warnings, OK and retired, each by chain, store and id', () => {
    const rows = fleetRows(
      [
        kiosk('ok-2', { storeId: '0002' }),
        kiosk('retired', { status: 'revoked' }),
        kiosk('ok-1', { chain: 'aeon' }),
        kiosk('warn', { status: 'never-seen' }),
        kiosk('crit', { chain: 'seven-eleven' }),
      ],
      [alert('1', 'crit'), alert('2', 'ok-2', { resolvedAt: 2_000 }), alert('3', null)],
    );
    expect(rows.map((row) => row.kiosk.kioskId)).toEqual(['crit', 'warn', 'ok-1', 'ok-2', 'retired']);
    expect(rows[0]?.alerts.map((a) => a.alertId)).toEqual(['alert-1']);
    expect(healthCounts(rows)).toEqual({ critical: 1, warning: 1, ok: 2, revoked: 1 });
  });

  it('orders open alerts by severity, unacknowledged first, newest first, and drops resolved ones', () => {
    const list = openAlerts([
      alert('old', 'a', { openedAt: 1 }),
      alert('warn', 'a', { severity: 'warning', openedAt: 9 }),
      alert('new', 'a', { openedAt: 5 }),
      alert('acked', 'a', { openedAt: 8, acknowledgedAt: 9, acknowledgedBy: 'x' }),
      alert('gone', 'a', { resolvedAt: 3 }),
    ]);
    expect(list.map((a) => a.alertId)).toEqual(['alert-new', 'alert-old', 'alert-acked', 'alert-warn']);
  });
});

describe('filters', () => {
  const rows = fleetRows(
    [
      kiosk('l1', { chain: 'lawson', storeId: '0001' }),
      kiosk('l2', { chain: 'lawson', storeId: '0002', state: 'resetting' }),
      kiosk('s1', { chain: 'seven-eleven', storeId: 'S1', status: 'stale' }),
      kiosk('f1', { chain: 'familymart', storeId: 'F1', state: null, status: 'never-seen' }),
    ],
    [],
  );
  const ids = (filter: Partial<typeof NO_FILTER>) =>
    filterRows(rows, { ...NO_FILTER, ...filter }).map((row) => row.kiosk.kioskId);

  it('narrow by chain, store, health, connection status and screen', () => {
    expect(ids({})).toHaveLength(4);
    expect(ids({ chain: 'lawson' })).toEqual(['l1', 'l2']);
    expect(ids({ chain: 'lawson', store: '0002' })).toEqual(['l2']);
    expect(ids({ state: 'attention' })).toEqual(['s1', 'f1']);
    expect(ids({ state: 'health:ok' })).toEqual(['l1', 'l2']);
    expect(ids({ state: 'status:stale' })).toEqual(['s1']);
    expect(ids({ state: 'screen:resetting' })).toEqual(['l2']);
  });

  it('offer the values there are, stores of the chosen chain only', () => {
    const options = filterOptions(rows, 'lawson');
    expect(options.chains).toEqual(['familymart', 'lawson', 'seven-eleven']);
    expect(options.stores).toEqual(['0001', '0002']);
    expect(options.statuses).toEqual(['never-seen', 'online', 'stale']);
    expect(options.screens).toEqual(['idle', 'resetting']);
    expect(filterOptions(rows, '').stores).toEqual(['0001', '0002', 'F1', 'S1']);
  });
});
