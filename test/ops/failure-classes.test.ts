import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS, type FleetAlert } from '../../reservation-api/contract';
import {
  API_ERROR_CLASSES,
  DEVICE_ALERT_CLASSES,
  failureClassOfCause,
  KIOSK_ERROR_CLASSES,
} from '../../reservation-api/contract/failure-classes';
import { API_ERROR_CODES } from '../../reservation-api/contract/errors';
import { CUSTOMER_ERROR_IDS } from '../../state-machines/session/customer-errors';
import { addKiosk } from '../../reservation-api/testing/test-api';
import {
  heartbeat,
  loginAs,
  opsGet,
  type OpsTestApi,
  opsTestApi,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

let api: OpsTestApi;
let cookie: string;

beforeEach(async () => {
  api = await opsTestApi();
  cookie = (await loginAs(api, 'viewer')).cookie;
});

afterEach(async () => {
  await api.close();
});

async function openAlerts(): Promise<FleetAlert[]> {
  const response = await opsGet(api, `${API_PATHS.opsAlerts}?state=all`, cookie);
  return (response.json() as { alerts: FleetAlert[] }).alerts.filter((a) => a.resolvedAt === null);
}

const customerCauses = CUSTOMER_ERROR_IDS.filter((id) => KIOSK_ERROR_CLASSES[id] === 'customer');
const deviceCauses = CUSTOMER_ERROR_IDS.filter((id) => DEVICE_ALERT_CLASSES.has(KIOSK_ERROR_CLASSES[id]));

describe('the failure class table', () => {
  it('classes every API error code and every kiosk error, and nothing else', () => {
    expect(Object.keys(API_ERROR_CLASSES).sort()).toEqual([...API_ERROR_CODES].sort());
    expect(Object.keys(KIOSK_ERROR_CLASSES).sort()).toEqual([...CUSTOMER_ERROR_IDS].sort());
    // What a customer causes is never the machine's: the cases the issue names.
    for (const id of ['no-reservation', 'pin-blocked', 'session-timeout', 'outside-hours'] as const) {
      expect(KIOSK_ERROR_CLASSES[id]).toBe('customer');
    }
    expect(failureClassOfCause('reader-unavailable')).toBe('device');
    expect(failureClassOfCause('something-new')).toBe('device');
  });
});

describe('device alerts only for device and service failures', () => {
  it('never raises repeated-failures for customer-class failures, however many', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    // Every customer-class cause, three times over (well past the threshold of 5), except the two
    // causes of the unusual-pattern rule, which has its own alert (below).
    const causes = customerCauses.filter((c) => c !== 'pin-blocked' && c !== 'card-mismatch');
    await sendEvents(
      api,
      kiosk,
      [...causes, ...causes, ...causes].map((cause) => sessionEnded(api, 'failed', cause)),
    );
    await api.tick();
    expect(causes.length * 3).toBeGreaterThan(5);
    expect(await openAlerts()).toEqual([]);
  });

  it('raises repeated-failures for device- and service-class failures at the threshold', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    expect(deviceCauses).toEqual(expect.arrayContaining(['reader-unavailable', 'reset-refused']));
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'failed', 'reader-unavailable'),
      sessionEnded(api, 'failed', 'reset-refused'),
      sessionEnded(api, 'failed', 'reader-unavailable'),
      sessionEnded(api, 'failed', 'reset-refused'),
    ]);
    expect(await openAlerts()).toEqual([]);
    await sendEvents(api, kiosk, [sessionEnded(api, 'failed', 'reader-unavailable')]);
    expect((await openAlerts()).map((a) => [a.kind, a.kioskId, a.detailParams])).toEqual([
      ['repeated-failures', kiosk.kioskId, { count: 5, minutes: 15 }],
    ]);
  });

  it('raises unusual-customer-pattern, not a device alert, for a burst of blocked PINs at one kiosk', async () => {
    const kiosk = await addKiosk(api);
    const elsewhere = await addKiosk(api);
    await heartbeat(api, kiosk);
    await sendEvents(api, elsewhere, [sessionEnded(api, 'failed', 'pin-blocked')]);
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'failed', 'pin-blocked'),
      sessionEnded(api, 'failed', 'card-mismatch'),
    ]);
    expect(await openAlerts()).toEqual([]);
    await sendEvents(api, kiosk, [sessionEnded(api, 'failed', 'pin-blocked')]);
    const open = await openAlerts();
    expect(open.map((a) => [a.kind, a.kioskId, a.severity, a.detailParams])).toEqual([
      ['unusual-customer-pattern', kiosk.kioskId, 'warning', { count: 3, minutes: 15 }],
    ]);
  });
});

describe('a clock jump (the demo clock moved ahead)', () => {
  it('raises nothing, and nothing is dated after the server clock', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    await api.tick();
    // The demo clock jumps 6 hours ahead; the kiosk's clock (the same demo clock) with it.
    api.clock.advance(6 * 60 * MINUTE);
    await api.tick();
    // (Dashboard logins end after 30 idle minutes, so the jump ended ours.)
    cookie = (await loginAs(api, 'viewer')).cookie;
    expect(await openAlerts()).toEqual([]);
    const fleet = (await opsGet(api, API_PATHS.opsFleet, cookie)).json() as {
      kiosks: { status: string }[];
    };
    expect(fleet.kiosks.map((k) => k.status)).toEqual(['online']);
    // A session the kiosk dates a little after the server's now is counted at receipt.
    await heartbeat(api, kiosk);
    const now = api.clock.now();
    await sendEvents(api, kiosk, [sessionEnded(api, 'failed', 'reader-unavailable', now + 4 * MINUTE)]);
    const series = (
      await opsGet(api, `${API_PATHS.opsSessionSeries}?bucket=minute&points=10`, cookie)
    ).json() as { points: { at: number; failed: number }[] };
    const counted = series.points.filter((p) => p.failed > 0);
    expect(counted).toHaveLength(1);
    expect(counted[0]!.at).toBeLessThanOrEqual(now);

    // Real silence after the jump still counts: 35 s more without a heartbeat is stale.
    api.clock.advance(20 * SECOND);
    await api.tick();
    api.clock.advance(16 * SECOND);
    await api.tick();
    const alerts = await openAlerts();
    expect(alerts.map((a) => a.kind)).toEqual(['heartbeat-stale']);
    for (const alert of alerts) {
      expect(alert.openedAt).toBeLessThanOrEqual(api.clock.now());
      expect(alert.updatedAt).toBeLessThanOrEqual(api.clock.now());
    }
  });
});
