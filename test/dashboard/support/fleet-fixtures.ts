import type {
  FleetAlert,
  FleetKiosk,
  OpsStatsResponse,
  SessionPoint,
  SessionSeriesResponse,
} from '../../../reservation-api/contract';
import { type AlertDetail, alertDetail } from '../../../reservation-api/fleet/alert-details';

/**
 * A fleet in a bad hour, typed by the operator contract: every kiosk status, every reader state,
 * kiosk and fleet-wide alerts of both severities, an acknowledged and a resolved one, and a day
 * of sessions. For layout, language and screenshot tests of the page without a server behind it.
 */

/** Monday 2026-11-23 10:00 JST. */
export const FIXTURE_NOW = Date.parse('2026-11-23T10:00:00+09:00');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function kiosk(
  chain: string,
  storeId: string,
  suffix: string,
  overrides: Partial<FleetKiosk> = {},
): FleetKiosk {
  return {
    kioskId: `${chain}-${storeId}-${suffix}`,
    chain,
    storeId,
    procedures:
      chain === 'seven-eleven' || chain === 'aeon' ? ['signature-pin', 'auth-pin'] : ['signature-pin'],
    status: 'online',
    state: 'idle',
    reader: 'ready',
    cardPresent: false,
    version: '0.1.0',
    lastSeenAt: FIXTURE_NOW - 4_000,
    clockSkewMs: 120,
    alerts: [],
    ...overrides,
  };
}

export const FIXTURE_KIOSKS: FleetKiosk[] = [
  kiosk('seven-eleven', 'S0001', 'k1a2b3'),
  kiosk('seven-eleven', 'S0001', 'k4c5d6', { state: 'enter-new-pin' }),
  kiosk('seven-eleven', 'S0002', 'k7e8f9', {
    status: 'stale',
    lastSeenAt: FIXTURE_NOW - 7 * MINUTE,
    alerts: ['heartbeat-stale'],
  }),
  kiosk('seven-eleven', 'S0107', 'k0a1b2', {
    reader: 'unavailable',
    state: 'out-of-service',
    alerts: ['reader-unavailable'],
  }),
  kiosk('lawson', '0042', 'k3c4d5', { state: 'idle', cardPresent: true, alerts: ['card-left-behind'] }),
  kiosk('lawson', '0042', 'k6e7f8', { state: 'resetting' }),
  kiosk('lawson', '0108', 'k9a0b1', { clockSkewMs: 185_000, alerts: ['clock-skew'] }),
  kiosk('lawson', '0212', 'k2c3d4', { state: 'take-card', cardPresent: true }),
  kiosk('familymart', 'F-881', 'k5e6f7', { alerts: ['repeated-failures'], state: 'error' }),
  kiosk('familymart', 'F-882', 'k8a9b0', {
    status: 'never-seen',
    state: null,
    reader: null,
    cardPresent: null,
    version: null,
    lastSeenAt: null,
    clockSkewMs: null,
  }),
  kiosk('familymart', 'F-883', 'k1c2d3', { state: 'place-card' }),
  kiosk('ministop', 'M-12', 'k4e5f6', {
    reader: 'absent',
    state: 'out-of-service',
    alerts: ['reader-unavailable'],
  }),
  kiosk('aeon', 'A-301', 'k7a8b9', { state: 'closed' }),
  kiosk('aeon', 'A-302', 'k0c1d2', { status: 'revoked', lastSeenAt: FIXTURE_NOW - 30 * HOUR }),
];

function alert(
  kind: FleetAlert['kind'],
  severity: FleetAlert['severity'],
  kioskId: string | null,
  detail: AlertDetail,
  openedMinutesAgo: number,
  overrides: Partial<FleetAlert> = {},
): FleetAlert {
  return {
    alertId: `alrt_${kind.replace(/-/g, '_')}_${(kioskId ?? 'fleet').slice(-6)}`,
    kind,
    severity,
    kioskId,
    ...detail,
    openedAt: FIXTURE_NOW - openedMinutesAgo * MINUTE,
    updatedAt: FIXTURE_NOW - MINUTE,
    resolvedAt: null,
    acknowledgedAt: null,
    acknowledgedBy: null,
    ...overrides,
  };
}

export const FIXTURE_ALERTS: FleetAlert[] = [
  alert(
    'heartbeat-stale',
    'critical',
    'seven-eleven-S0002-k7e8f9',
    alertDetail('no-heartbeat', { seconds: 35 }),
    6,
  ),
  alert(
    'reader-unavailable',
    'critical',
    'seven-eleven-S0107-k0a1b2',
    alertDetail('reader-unavailable', {}),
    12,
    {
      acknowledgedAt: FIXTURE_NOW - 8 * MINUTE,
      acknowledgedBy: 'hanako',
    },
  ),
  alert('card-left-behind', 'critical', 'lawson-0042-k3c4d5', alertDetail('card-on-reader', {}), 3),
  alert('clock-skew', 'warning', 'lawson-0108-k9a0b1', alertDetail('clock-ahead', { seconds: 30 }), 40),
  alert(
    'repeated-failures',
    'warning',
    'familymart-F-881-k5e6f7',
    alertDetail('failed-sessions', { count: 6, minutes: 15 }),
    9,
  ),
  alert('reader-unavailable', 'critical', 'ministop-M-12-k4e5f6', alertDetail('reader-absent', {}), 2),
  alert(
    'blocked-pin-spike',
    'critical',
    null,
    alertDetail('blocked-pin-spike', { count: 24, minutes: 10 }),
    5,
  ),
  alert('reader-unavailable', 'critical', 'lawson-0042-k6e7f8', alertDetail('reader-unavailable', {}), 95, {
    resolvedAt: FIXTURE_NOW - 70 * MINUTE,
    acknowledgedAt: FIXTURE_NOW - 90 * MINUTE,
    acknowledgedBy: 'taro',
  }),
];

export const FIXTURE_STATS: OpsStatsResponse = {
  serverTime: FIXTURE_NOW,
  reservations: {
    active: 128,
    claimed: 2,
    completed: 3412,
    expired: 57,
    cancelled: 21,
    superseded: 9,
    createdLast24h: 311,
  },
  kiosks: { online: 11, stale: 1, 'never-seen': 1, revoked: 1 },
  openAlerts: 7,
};

const CAUSE_CYCLE = [
  'wrong-pin',
  'pin-blocked',
  'card-removed',
  'no-reservation',
  'reset-refused',
  'card-unreadable',
];

/** Dense buckets ending with the one holding FIXTURE_NOW, with a made-up but plausible day. */
export function fixtureSeries(bucket: 'minute' | 'hour', points: number): SessionSeriesResponse {
  const bucketMs = bucket === 'hour' ? HOUR : MINUTE;
  const last = Math.floor(FIXTURE_NOW / bucketMs) * bucketMs;
  const list: SessionPoint[] = [];
  for (let i = points - 1; i >= 0; i -= 1) {
    const at = last - i * bucketMs;
    const hourOfDay = new Date(at + 9 * HOUR).getUTCHours();
    const busy =
      bucket === 'hour' ? (hourOfDay >= 7 && hourOfDay < 23 ? 6 + (hourOfDay % 5) * 3 : 0) : (i % 7) % 3;
    const failed = Math.floor(busy / 4) + (i % 9 === 0 ? 3 : 0);
    const causes: Record<string, number> = {};
    for (let f = 0; f < failed; f += 1) {
      const cause = CAUSE_CYCLE[(i + f) % CAUSE_CYCLE.length] ?? 'other';
      causes[cause] = (causes[cause] ?? 0) + 1;
    }
    list.push({ at, completed: busy, cancelled: busy > 0 ? i % 2 : 0, failed, causes });
  }
  const totals = { completed: 0, cancelled: 0, failed: 0, causes: {} as Record<string, number> };
  for (const point of list) {
    totals.completed += point.completed;
    totals.cancelled += point.cancelled;
    totals.failed += point.failed;
    for (const [cause, count] of Object.entries(point.causes))
      totals.causes[cause] = (totals.causes[cause] ?? 0) + count;
  }
  return { bucketMs, points: list, totals };
}
