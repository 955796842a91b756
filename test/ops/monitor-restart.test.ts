import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OpsStreamEvent } from '../../reservation-api/contract';
import { FleetMonitor } from '../../reservation-api/fleet/fleet-monitor';
import { ApiMetrics } from '../../reservation-api/server/metrics';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';
import { addKiosk, type TestKiosk } from '../../reservation-api/testing/test-api';
import {
  healthyHeartbeat,
  heartbeat,
  type OpsTestApi,
  opsTestApi,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

/** A second monitor over the same database stands for the API process after a restart. */

let api: OpsTestApi;
let kiosk: TestKiosk;

beforeEach(async () => {
  api = await opsTestApi();
  kiosk = await addKiosk(api);
  await heartbeat(api, kiosk, { alerts: ['card-left-behind'] });
  await sendEvents(api, kiosk, [sessionEnded(api, 'completed')]);
});

afterEach(async () => {
  await api.close();
});

async function restartedMonitor(): Promise<{ monitor: FleetMonitor; published: OpsStreamEvent[] }> {
  const published: OpsStreamEvent[] = [];
  const monitor = new FleetMonitor({
    store: api.store,
    now: api.clock.now,
    policy: DEFAULT_POLICY,
    metrics: new ApiMetrics(),
    publish: (message) => published.push(message),
  });
  await monitor.start();
  return { monitor, published };
}

const openKinds = async () => (await api.store.ops.openAlerts()).map((a) => a.kind).sort();

describe('fleet monitor after a restart', () => {
  it('gives kiosks a full stale period from the restart instead of flagging the whole fleet at once', async () => {
    api.clock.advance(5 * 60_000); // the API was down for five minutes
    const { monitor } = await restartedMonitor();
    await monitor.tick();
    expect(await openKinds()).toEqual(['card-left-behind']);
    expect((await monitor.fleet())[0]?.status).toBe('online');

    api.clock.advance(35_001);
    await monitor.tick();
    expect(await openKinds()).toEqual(['card-left-behind', 'heartbeat-stale']);
  });

  it('keeps alerts the kiosk reported before the restart until the kiosk says otherwise', async () => {
    const { monitor } = await restartedMonitor();
    const { alerts: _omitted, ...withoutList } = healthyHeartbeat(api);
    const record = await api.store.getKiosk(kiosk.kioskId);
    if (!record) throw new Error('kiosk vanished');
    await monitor.onHeartbeat(record, withoutList, api.clock.now());
    expect(await openKinds()).toEqual(['card-left-behind']);
    await monitor.onHeartbeat(record, healthyHeartbeat(api, { alerts: [] }), api.clock.now());
    expect(await openKinds()).toEqual([]);
  });

  it('does not replay events stored before it started', async () => {
    const { monitor, published } = await restartedMonitor();
    await monitor.onKioskEvents();
    await monitor.tick();
    expect(published.filter((m) => m.event === 'session')).toEqual([]);
  });
});
