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
    void monitor.noteHeartbeat(record, withoutList, api.clock.now());
    await monitor.settled();
    expect(await openKinds()).toEqual(['card-left-behind']);
    void monitor.noteHeartbeat(record, healthyHeartbeat(api, { alerts: [] }), api.clock.now());
    await monitor.settled();
    expect(await openKinds()).toEqual([]);
  });

  it('gives an alert stored before detail keys existed its key on the first evaluation', async () => {
    api.store.database.prepare("UPDATE fleet_alerts SET detail_key = '', detail_params = '{}'").run();
    expect((await api.store.ops.openAlerts())[0]).toMatchObject({ detailKey: '', detailParams: {} });
    const { monitor, published } = await restartedMonitor();
    await monitor.tick();
    const [alert] = await api.store.ops.openAlerts();
    expect(alert).toMatchObject({ kind: 'card-left-behind', detailKey: 'card-on-reader', detailParams: {} });
    expect(published.find((m) => m.event === 'alert')?.data).toMatchObject({ detailKey: 'card-on-reader' });
  });

  it('does not replay events stored before it started', async () => {
    const { monitor, published } = await restartedMonitor();
    await monitor.onKioskEvents();
    await monitor.tick();
    expect(published.filter((m) => m.event === 'session')).toEqual([]);
  });
});
