import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS, fillPath } from '../../reservation-api/contract';
import { addKiosk, addOperator } from '../../reservation-api/testing/test-api';
import { heartbeat, type OpsTestApi, opsTestApi, sendEvents, sessionEnded } from './support/ops-harness';

let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi();
});

afterEach(async () => {
  await api.close();
});

async function metrics(): Promise<string> {
  const response = await api.app.inject({ method: 'GET', url: API_PATHS.metrics });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.body;
}

/** The sample lines of one metric family (`name{labels} value`). */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('/metrics', () => {
  it('follows Prometheus naming: counters end in _total, durations in _seconds, no millisecond units', async () => {
    const text = await metrics();
    const families = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({
      name: m[1] ?? '',
      type: m[2],
    }));
    expect(families.length).toBeGreaterThan(20);
    for (const { name, type } of families) {
      if (type === 'counter') expect(name, name).toMatch(/_total$/);
      expect(name, name).not.toMatch(/_(ms|milliseconds|millis)(_|$)/);
      if (type === 'histogram' && name.includes('duration')) expect(name, name).toMatch(/_seconds$/);
    }
    // Default process metrics are there.
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(families.map((f) => f.name)).toContain(name);
    }
  });

  it('labels HTTP latency with the route template, never the raw URL', async () => {
    const rawId = 'rsv_RAWIDRAWIDRAWIDRAWID';
    await api.app.inject({
      method: 'GET',
      url: `/v1/reservations/${rawId}`,
      headers: { authorization: `Bearer ${'T'.repeat(43)}` },
    });
    await api.app.inject({ method: 'GET', url: `/no/such/${rawId}` });
    const text = await metrics();
    expect(text).not.toContain(rawId);
    expect(samples(text, 'http_request_duration_seconds_count')).toEqual(
      expect.arrayContaining([
        'http_request_duration_seconds_count{method="GET",route="/v1/reservations/:reservationId",status_code="404"} 1',
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
      ]),
    );
  });

  it('has the last-heartbeat gauge per kiosk (the one id label), fleet gauges by status and alert kind, sessions by cause', async () => {
    const kiosk = await addKiosk(api);
    const silent = await addKiosk(api);
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'failed', 'pin-blocked'),
      sessionEnded(api, 'completed'),
    ]);
    await api.tick();
    const text = await metrics();

    expect(samples(text, 'reservation_api_kiosk_last_heartbeat_timestamp_seconds')).toEqual([
      `reservation_api_kiosk_last_heartbeat_timestamp_seconds{kiosk_id="${kiosk.kioskId}"} ${api.clock.now() / 1000}`,
    ]);
    // Kiosk ids appear on that gauge only.
    for (const line of text
      .split('\n')
      .filter((l) => l.includes(kiosk.kioskId) || l.includes(silent.kioskId))) {
      expect(line).toMatch(/^reservation_api_kiosk_last_heartbeat_timestamp_seconds\{/);
    }
    expect(samples(text, 'reservation_api_kiosks')).toEqual(
      expect.arrayContaining([
        'reservation_api_kiosks{status="online"} 1',
        'reservation_api_kiosks{status="never-seen"} 1',
        'reservation_api_kiosks{status="stale"} 0',
      ]),
    );
    expect(samples(text, 'reservation_api_alerts_open')).toEqual(
      expect.arrayContaining([
        'reservation_api_alerts_open{kind="reader-unavailable"} 1',
        'reservation_api_alerts_open{kind="heartbeat-stale"} 0',
      ]),
    );
    expect(samples(text, 'reservation_api_alerts_opened_total')).toEqual([
      'reservation_api_alerts_opened_total{kind="reader-unavailable"} 1',
    ]);
    expect(samples(text, 'reservation_api_kiosk_sessions_total')).toEqual(
      expect.arrayContaining([
        'reservation_api_kiosk_sessions_total{outcome="failed",cause="pin-blocked"} 1',
        'reservation_api_kiosk_sessions_total{outcome="completed",cause="none"} 1',
      ]),
    );
    expect(samples(text, 'reservation_api_reservations')).toContain(
      'reservation_api_reservations{status="active"} 0',
    );
  });

  it('drops a revoked kiosk from the last-heartbeat gauge', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk);
    const admin = await addOperator(api, 'admin', 'boss');
    await api.app.inject({
      method: 'POST',
      url: fillPath(API_PATHS.opsKioskRevoke, { kioskId: kiosk.kioskId }),
      headers: { authorization: `Bearer ${admin}` },
      payload: {},
    });
    const text = await metrics();
    expect(samples(text, 'reservation_api_kiosk_last_heartbeat_timestamp_seconds')).toEqual([]);
    expect(samples(text, 'reservation_api_kiosks')).toContain('reservation_api_kiosks{status="revoked"} 1');
  });
});
