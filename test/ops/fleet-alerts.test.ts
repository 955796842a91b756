import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  API_PATHS,
  type AlertKind,
  type FleetAlert,
  type FleetKiosk,
  fillPath,
} from '../../reservation-api/contract';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';
import { addKiosk, addOperator, type TestKiosk } from '../../reservation-api/testing/test-api';
import {
  alertEvent,
  heartbeat,
  loginAs,
  opsGet,
  type OpsTestApi,
  opsTestApi,
  publishedOf,
  SAME_ORIGIN,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

let api: OpsTestApi;
let cookie: string;

const SECOND = 1000;
const MINUTE = 60 * SECOND;

beforeEach(async () => {
  // Small spike thresholds keep the fleet tests short; the defaults are checked in config tests.
  api = await opsTestApi({ alertBlockedPinSpike: 3, alertResetRefusedSpike: 2 });
  cookie = (await loginAs(api, 'viewer')).cookie;
});

afterEach(async () => {
  await api.close();
});

async function fleet(): Promise<FleetKiosk[]> {
  const response = await opsGet(api, API_PATHS.opsFleet, cookie);
  expect(response.statusCode).toBe(200);
  return (response.json() as { kiosks: FleetKiosk[] }).kiosks;
}

async function kioskView(kiosk: TestKiosk): Promise<FleetKiosk | undefined> {
  return (await fleet()).find((k) => k.kioskId === kiosk.kioskId);
}

async function alerts(state: 'open' | 'all' = 'open'): Promise<FleetAlert[]> {
  const response = await opsGet(api, `${API_PATHS.opsAlerts}?state=${state}`, cookie);
  expect(response.statusCode).toBe(200);
  return (response.json() as { alerts: FleetAlert[] }).alerts;
}

async function openKinds(kioskId: string | null): Promise<AlertKind[]> {
  return (await alerts()).filter((a) => a.kioskId === kioskId).map((a) => a.kind);
}

describe('fleet state from heartbeats', () => {
  it('shows each kiosk with its latest heartbeat; a kiosk never heard from is never-seen', async () => {
    const seen = await addKiosk(api, 'lawson');
    const silent = await addKiosk(api, 'aeon');
    await heartbeat(api, seen, {
      state: 'reading',
      cardPresent: true,
      version: '1.2.3',
      clock: api.clock.now() + 1500,
    });

    expect(await kioskView(seen)).toEqual({
      kioskId: seen.kioskId,
      chain: 'lawson',
      storeId: 'T1',
      procedures: ['signature-pin'],
      status: 'online',
      state: 'reading',
      reader: 'ready',
      cardPresent: true,
      version: '1.2.3',
      lastSeenAt: api.clock.now(),
      clockSkewMs: 1500,
      alerts: [],
    });
    expect(await kioskView(silent)).toMatchObject({
      status: 'never-seen',
      state: null,
      reader: null,
      lastSeenAt: null,
      alerts: [],
    });
    expect(publishedOf(api, 'kiosk').map((k) => [k.kioskId, k.status, k.state])).toEqual([
      [seen.kioskId, 'online', 'reading'],
    ]);
  });

  it('publishes a kiosk only when what operators see changes, not on every heartbeat', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    api.clock.advance(10 * SECOND);
    await heartbeat(api, kiosk, { clock: api.clock.now() + 7 });
    api.clock.advance(10 * SECOND);
    await heartbeat(api, kiosk, { state: 'choose-procedure' });
    expect(publishedOf(api, 'kiosk').map((k) => k.state)).toEqual(['idle', 'choose-procedure']);
  });

  it('marks a silent kiosk stale on the tick after the threshold, with an alert; a heartbeat resolves it', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    api.clock.advance(35 * SECOND);
    await api.tick();
    expect((await kioskView(kiosk))?.status).toBe('online');
    expect(await openKinds(kiosk.kioskId)).toEqual([]);

    api.clock.advance(1 * SECOND);
    await api.tick();
    expect(await kioskView(kiosk)).toMatchObject({ status: 'stale', alerts: ['heartbeat-stale'] });
    const [stale] = await alerts();
    expect(stale).toMatchObject({
      kind: 'heartbeat-stale',
      severity: 'critical',
      kioskId: kiosk.kioskId,
      openedAt: api.clock.now(),
      resolvedAt: null,
      detail: 'no heartbeat for more than 35 s',
      detailKey: 'no-heartbeat',
      detailParams: { seconds: 35 },
    });

    await heartbeat(api, kiosk);
    expect(await kioskView(kiosk)).toMatchObject({ status: 'online', alerts: [] });
    const all = await alerts('all');
    expect(all.find((a) => a.alertId === stale?.alertId)?.resolvedAt).toBe(api.clock.now());
  });

  it('shows a revoked kiosk as revoked and resolves its alerts', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    expect(await openKinds(kiosk.kioskId)).toEqual(['reader-unavailable']);
    const admin = await addOperator(api, 'admin', 'boss');
    const revoked = await api.app.inject({
      method: 'POST',
      url: fillPath(API_PATHS.opsKioskRevoke, { kioskId: kiosk.kioskId }),
      headers: { authorization: `Bearer ${admin}` },
      payload: {},
    });
    expect(revoked.statusCode).toBe(200);
    expect(await kioskView(kiosk)).toMatchObject({ status: 'revoked', alerts: [] });
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
  });
});

describe('alert rules', () => {
  it('opens reader-unavailable only once the reader has stayed down for the grace period (15 s)', async () => {
    await api.close();
    api = await opsTestApi({ alertReaderGraceMs: DEFAULT_POLICY.alertReaderGraceMs });
    cookie = (await loginAs(api, 'viewer')).cookie;
    expect(DEFAULT_POLICY.alertReaderGraceMs).toBe(15 * SECOND);
    const kiosk = await addKiosk(api);
    // The first heartbeat after a start: no reader attached yet, and the kiosk itself says so.
    await heartbeat(api, kiosk, { reader: 'absent', alerts: ['reader-unavailable'] });
    api.clock.advance(10 * SECOND);
    await heartbeat(api, kiosk, { reader: 'absent', alerts: ['reader-unavailable'] });
    api.clock.advance(4 * SECOND);
    await api.tick();
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
    // Attached: the stretch ends; a reader that goes away later gets the full grace again.
    await heartbeat(api, kiosk, { reader: 'ready', alerts: [] });
    api.clock.advance(5 * SECOND);
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    api.clock.advance(15 * SECOND - 1);
    await api.tick();
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
    api.clock.advance(1);
    await api.tick();
    expect(await alerts()).toMatchObject([
      { kind: 'reader-unavailable', openedAt: api.clock.now(), detailKey: 'reader-unavailable' },
    ]);
    await heartbeat(api, kiosk, { reader: 'ready' });
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
  });

  it('opens reader-unavailable when the reader is absent or unavailable, resolves when it is ready', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { reader: 'absent' });
    const [opened] = await alerts();
    expect(opened).toMatchObject({
      kind: 'reader-unavailable',
      detail: 'reader: absent',
      severity: 'critical',
    });
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    const [updated] = await alerts();
    expect(updated).toMatchObject({
      alertId: opened?.alertId,
      detail: 'reader: unavailable',
      detailKey: 'reader-unavailable',
      detailParams: {},
    });
    await heartbeat(api, kiosk, { reader: 'ready' });
    expect(await alerts()).toEqual([]);

    const published = publishedOf(api, 'alert').map((a) => [a.kind, a.detail, a.resolvedAt !== null]);
    expect(published).toEqual([
      ['reader-unavailable', 'reader: absent', false],
      ['reader-unavailable', 'reader: unavailable', false],
      ['reader-unavailable', 'reader: unavailable', true],
    ]);
  });

  it('opens card-left-behind from the heartbeat list and from alert events; the newer fact wins', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { alerts: ['card-left-behind'] });
    expect(await openKinds(kiosk.kioskId)).toEqual(['card-left-behind']);
    expect((await alerts())[0]?.severity).toBe('critical');
    api.clock.advance(10 * SECOND);
    await heartbeat(api, kiosk, { alerts: [] });
    expect(await openKinds(kiosk.kioskId)).toEqual([]);

    // An event delivered late (older than the heartbeat that listed nothing) cannot reopen it.
    await sendEvents(api, kiosk, [alertEvent(api, 'card-left-behind', false, api.clock.now() - 5 * SECOND)]);
    expect(await openKinds(kiosk.kioskId)).toEqual([]);

    api.clock.advance(2 * SECOND);
    await sendEvents(api, kiosk, [alertEvent(api, 'card-left-behind')]);
    expect(await openKinds(kiosk.kioskId)).toEqual(['card-left-behind']);
    api.clock.advance(2 * SECOND);
    await sendEvents(api, kiosk, [alertEvent(api, 'card-left-behind', true)]);
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
  });

  it('maps the kiosk alerts it knows and keeps unknown names as kiosk-other', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { alerts: ['settlement-not-recorded', 'printer-jam', 'reader-unavailable'] });
    const open = await alerts();
    expect(open.map((a) => a.kind).sort()).toEqual([
      'kiosk-other',
      'reader-unavailable',
      'settlement-not-recorded',
    ]);
    expect(open.find((a) => a.kind === 'kiosk-other')?.detail).toBe('reported: printer-jam');
    expect(open.find((a) => a.kind === 'reader-unavailable')?.detail).toBe('reported by the kiosk');
  });

  it('opens reset-outcome-uncertain and outbox-rejected as their own critical alerts, not kiosk-other', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { alerts: ['outbox-rejected', 'reset-outcome-uncertain'] });
    const open = await alerts();
    expect(open.map((a) => [a.kind, a.severity]).sort()).toEqual([
      ['outbox-rejected', 'critical'],
      ['reset-outcome-uncertain', 'critical'],
    ]);
    expect((await kioskView(kiosk))?.alerts).toEqual(['reset-outcome-uncertain', 'outbox-rejected']);
  });

  it('opens clock-skew beyond 30 s either way', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { clock: api.clock.now() + 30 * SECOND });
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
    await heartbeat(api, kiosk, { clock: api.clock.now() - 31 * SECOND });
    expect(await alerts()).toMatchObject([
      { kind: 'clock-skew', detail: 'kiosk clock behind the server by more than 30 s', severity: 'warning' },
    ]);
    await heartbeat(api, kiosk, { clock: api.clock.now() + 45 * SECOND });
    expect((await alerts())[0]?.detail).toBe('kiosk clock ahead of the server by more than 30 s');
    await heartbeat(api, kiosk);
    expect(await alerts()).toEqual([]);
  });

  it('opens repeated-failures at 5 device- or service-class failures on one kiosk within 15 minutes; resolves as they age out', async () => {
    const kiosk = await addKiosk(api);
    const other = await addKiosk(api);
    await heartbeat(api, kiosk);
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'failed', 'reader-unavailable'),
      sessionEnded(api, 'completed'),
      sessionEnded(api, 'failed', 'other'),
      sessionEnded(api, 'cancelled'),
      sessionEnded(api, 'failed', 'reader-unavailable'),
      sessionEnded(api, 'failed', 'a-cause-this-api-does-not-know'),
      // Customer and network classes never count toward the device alert.
      sessionEnded(api, 'failed', 'card-unreadable'),
      sessionEnded(api, 'failed', 'service-unreachable'),
    ]);
    await sendEvents(api, other, [sessionEnded(api, 'failed', 'reader-unavailable')]);
    expect(await openKinds(kiosk.kioskId)).toEqual([]);

    api.clock.advance(MINUTE);
    await heartbeat(api, kiosk);
    await sendEvents(api, kiosk, [sessionEnded(api, 'failed', 'other')]);
    expect(await alerts()).toMatchObject([
      { kind: 'repeated-failures', kioskId: kiosk.kioskId, detail: '5 device or service failures in 15 min' },
    ]);
    expect(await openKinds(other.kioskId)).toEqual([]);

    // The window is the chart's minute buckets: the minute under way and the 15 before it. The
    // first four are 15 minutes old: still in; once their minute is 16 minutes back, out.
    api.clock.advance(14 * MINUTE);
    await heartbeat(api, kiosk);
    await api.tick();
    expect(await openKinds(kiosk.kioskId)).toEqual(['repeated-failures']);
    api.clock.advance(MINUTE - SECOND);
    await heartbeat(api, kiosk);
    await api.tick();
    expect(await openKinds(kiosk.kioskId)).toEqual(['repeated-failures']);
    api.clock.advance(SECOND);
    await api.tick();
    expect(await openKinds(kiosk.kioskId)).toEqual([]);
  });

  it('counts failures as the per-minute chart does: same sessions, none dated after the server clock', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    const now = api.clock.now();
    // Four device failures now, one "in 3 minutes" (a kiosk clock ahead): it counts at receipt.
    await sendEvents(api, kiosk, [
      ...Array.from({ length: 4 }, () => sessionEnded(api, 'failed', 'reader-unavailable')),
      sessionEnded(api, 'failed', 'reader-unavailable', now + 3 * MINUTE),
    ]);
    const points = DEFAULT_POLICY.alertRepeatedFailuresWindowMs / MINUTE + 1;
    const response = await opsGet(
      api,
      `${API_PATHS.opsSessionSeries}?bucket=minute&points=${points}`,
      cookie,
    );
    const series = response.json() as {
      points: { at: number; failed: number }[];
      totals: { failed: number };
    };
    expect(series.totals.failed).toBe(5);
    expect(series.points.filter((p) => p.failed > 0).every((p) => p.at <= now)).toBe(true);
    const [alert] = (await alerts()).filter((a) => a.kioskId === kiosk.kioskId);
    expect(alert).toMatchObject({ kind: 'repeated-failures', detailParams: { count: series.totals.failed } });
    expect(alert!.openedAt).toBeLessThanOrEqual(api.clock.now());
  });

  it('opens fleet-wide spikes of blocked PINs and refused resets across kiosks, and resolves them after the window', async () => {
    const [a, b, c] = [await addKiosk(api), await addKiosk(api), await addKiosk(api)];
    await sendEvents(api, a!, [sessionEnded(api, 'failed', 'pin-blocked')]);
    await sendEvents(api, b!, [
      sessionEnded(api, 'failed', 'pin-blocked'),
      sessionEnded(api, 'failed', 'reset-refused'),
    ]);
    expect(await openKinds(null)).toEqual([]);
    await sendEvents(api, c!, [
      sessionEnded(api, 'failed', 'pin-blocked'),
      sessionEnded(api, 'failed', 'reset-refused'),
    ]);
    const fleetWide = (await alerts()).filter((x) => x.kioskId === null);
    expect(fleetWide.map((x) => [x.kind, x.severity, x.detail]).sort()).toEqual([
      ['blocked-pin-spike', 'critical', '3 sessions ended on a blocked PIN in 10 min'],
      ['reset-refused-spike', 'critical', '2 cards refused the reset in 10 min'],
    ]);

    api.clock.advance(12 * MINUTE);
    await api.tick();
    expect(await openKinds(null)).toEqual([]);
  });

  it('counts a re-sent event batch once', async () => {
    const kiosk = await addKiosk(api);
    const batch = [sessionEnded(api, 'failed', 'pin-blocked'), sessionEnded(api, 'failed', 'pin-blocked')];
    await sendEvents(api, kiosk, batch);
    await sendEvents(api, kiosk, batch);
    expect(await openKinds(null)).toEqual([]);
    expect(publishedOf(api, 'session')).toHaveLength(2);
  });
});

describe('acknowledging alerts', () => {
  it('lets an admin acknowledge: who and when on the alert and in the audit trail; the alert stays open', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    const [alert] = await alerts();
    const admin = await loginAs(api, 'admin');
    api.clock.advance(MINUTE);
    const url = fillPath(API_PATHS.opsAlertAcknowledge, { alertId: alert?.alertId ?? '' });
    const response = await api.app.inject({
      method: 'POST',
      url,
      headers: { cookie: admin.cookie, ...SAME_ORIGIN },
      payload: {},
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      alertId: alert?.alertId,
      acknowledgedAt: api.clock.now(),
      acknowledgedBy: admin.name,
      resolvedAt: null,
    });
    expect(publishedOf(api, 'alert').at(-1)).toMatchObject({ acknowledgedBy: admin.name });

    api.clock.advance(MINUTE);
    const again = await api.app.inject({
      method: 'POST',
      url,
      headers: { cookie: admin.cookie, ...SAME_ORIGIN },
      payload: {},
    });
    expect(again.json()).toMatchObject({ acknowledgedAt: api.clock.now() - MINUTE });

    const audit = (await api.store.auditEntries({ limit: 1000 })).filter(
      (e) => e.action === 'alert-acknowledge',
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actor: `operator:${admin.name}`,
        kioskId: kiosk.kioskId,
        at: api.clock.now() - MINUTE,
        outcome: `reader-unavailable:${alert?.alertId}`,
      }),
    ]);
    expect(await openKinds(kiosk.kioskId)).toEqual(['reader-unavailable']);
  });

  it('answers 404 ALERT_NOT_FOUND for an unknown alert', async () => {
    const admin = await addOperator(api, 'admin', 'boss');
    const response = await api.app.inject({
      method: 'POST',
      url: fillPath(API_PATHS.opsAlertAcknowledge, { alertId: 'alr_doesnotexist' }),
      headers: { authorization: `Bearer ${admin}` },
      payload: {},
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'ALERT_NOT_FOUND' });
  });
});
