import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';
import { addKiosk } from '../../reservation-api/testing/test-api';
import { type OpsTestApi, opsTestApi, publishedOf, sendEvents, sessionEnded } from './support/ops-harness';

/** `kiosk_events` is pruned on the monitoring tick by `opsRetentionDays`, counted from receipt. */

const DAY = 24 * 60 * 60 * 1000;
let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi();
});

afterEach(async () => {
  await api.close();
});

const storedIds = async () => (await api.store.ops.kioskEventsAfter(0, 1_000)).map((event) => event.id);

describe('kiosk event retention', () => {
  it('deletes events received more than the retention ago on a tick, and keeps the newer ones', async () => {
    expect(DEFAULT_POLICY.opsRetentionMs).toBe(7 * DAY);
    const kiosk = await addKiosk(api);
    const old = [sessionEnded(api, 'completed'), sessionEnded(api, 'failed', 'wrong-pin')];
    await sendEvents(api, kiosk, old);
    api.clock.advance(2 * DAY);
    const recent = sessionEnded(api, 'cancelled');
    await sendEvents(api, kiosk, [recent]);

    api.clock.advance(5 * DAY); // the old ones are exactly 7 days old: still kept
    await api.tick();
    expect(await storedIds()).toEqual([...old.map((e) => e.id), recent.id]);

    api.clock.advance(1);
    await api.tick();
    expect(await storedIds()).toEqual([recent.id]);
  });

  it('always keeps the newest event so the change feed never goes back, and sees events sent after', async () => {
    const kiosk = await addKiosk(api);
    const old = [sessionEnded(api, 'completed'), sessionEnded(api, 'completed')];
    await sendEvents(api, kiosk, old);
    api.clock.advance(8 * DAY);
    await api.tick();
    expect(await storedIds()).toEqual([old[1]?.id]);

    const next = sessionEnded(api, 'failed', 'card-removed');
    await sendEvents(api, kiosk, [next]);
    const [last, newest] = await api.store.ops.kioskEventsAfter(0, 10);
    expect(newest?.seq).toBeGreaterThan(last?.seq ?? Number.POSITIVE_INFINITY);
    // The monitor read it from the feed and published it.
    expect(publishedOf(api, 'session').at(-1)).toMatchObject({ outcome: 'failed', cause: 'card-removed' });
  });
});
