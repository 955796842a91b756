import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS, type FleetAlert } from '../../reservation-api/contract';
import { insertFleet, nationalFleet } from '../../reservation-api/testing/seed-fleet';
import { addKiosk, kioskPost, type TestKiosk } from '../../reservation-api/testing/test-api';
import { healthyHeartbeat, type OpsTestApi, opsTestApi, publishedOf } from './support/ops-harness';

/**
 * The fleet monitor at fleet scale (issue #14): a heartbeat's answer never waits for the monitor,
 * and a tick costs a few queries over the whole fleet, not one per kiosk.
 */

const STALE_MS = 35_000;
let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi({ alertHeartbeatStaleMs: STALE_MS });
});

afterEach(() => api.close());

/** A gate on the monitor's one read per heartbeat batch: held until `release`; counts the reads. */
function holdFailureReads(): { release: () => void; reads: () => number } {
  const { ops } = api.store;
  const read = ops.failedSessionsByKioskAndCause.bind(ops);
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let reads = 0;
  ops.failedSessionsByKioskAndCause = async (input) => {
    reads += 1;
    await held;
    return read(input);
  };
  return { release, reads: () => reads };
}

function openAlertsOf(kioskId: string): FleetAlert[] {
  const latest = new Map<string, FleetAlert>();
  for (const alert of publishedOf(api, 'alert')) latest.set(alert.alertId, alert);
  return [...latest.values()].filter((a) => a.kioskId === kioskId && a.resolvedAt === null);
}

function sendHeartbeat(kiosk: TestKiosk, reader: 'ready' | 'unavailable') {
  return kioskPost(api, kiosk, API_PATHS.kioskHeartbeat, healthyHeartbeat(api, { reader }));
}

describe('a heartbeat while the monitor is busy', () => {
  it('is answered at once, coalesced per kiosk, and its alert opens and resolves once the monitor catches up', async () => {
    const kiosk = await addKiosk(api);
    const gate = holdFailureReads();

    // The monitor's read is held: the answer comes anyway, from the stored heartbeat.
    const first = await sendHeartbeat(kiosk, 'unavailable');
    expect(first.statusCode).toBe(200);
    expect(gate.reads()).toBe(1);
    expect(openAlertsOf(kiosk.kioskId)).toEqual([]);
    // More heartbeats of the same kiosk while it is held: answered, and evaluated together.
    for (let i = 0; i < 5; i += 1) {
      api.clock.advance(1_000);
      expect((await sendHeartbeat(kiosk, 'unavailable')).statusCode).toBe(200);
    }
    expect(gate.reads()).toBe(1);

    gate.release();
    await api.app.ops.monitor.settled();
    // The held batch, then one more for the five coalesced heartbeats.
    expect(gate.reads()).toBe(2);
    expect(openAlertsOf(kiosk.kioskId).map((a) => a.kind)).toEqual(['reader-unavailable']);

    // The reader back: the alert resolves the same way.
    api.clock.advance(1_000);
    expect((await sendHeartbeat(kiosk, 'ready')).statusCode).toBe(200);
    await api.app.ops.monitor.settled();
    expect(openAlertsOf(kiosk.kioskId)).toEqual([]);
    const kioskEvents = publishedOf(api, 'kiosk').filter((k) => k.kioskId === kiosk.kioskId);
    expect(kioskEvents.at(-1)).toMatchObject({ reader: 'ready', alerts: [] });
  });
});

describe('the tick over a fleet', () => {
  /** Counts the calls to the store (each one statement or a small fixed few) while `work` runs. */
  async function countStoreCalls(work: () => Promise<void>): Promise<Map<string, number>> {
    const calls = new Map<string, number>();
    const restore: (() => void)[] = [];
    let running = 0;
    const targets: [string, object][] = [
      ['store', api.store],
      ['ops', api.store.ops],
    ];
    for (const [prefix, target] of targets) {
      let proto: object | null = Object.getPrototypeOf(target) as object | null;
      const names = new Set<string>();
      while (proto && proto !== Object.prototype) {
        for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
        proto = Object.getPrototypeOf(proto) as object | null;
      }
      const record = target as Record<string, unknown>;
      for (const name of names) {
        const original = record[name];
        if (typeof original !== 'function') continue;
        record[name] = (...args: unknown[]) => {
          // The store's calls to its own helpers are part of the outer call (the tick makes one at a time).
          if (running === 0) calls.set(`${prefix}.${name}`, (calls.get(`${prefix}.${name}`) ?? 0) + 1);
          running += 1;
          let result: unknown;
          try {
            result = (original as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            running -= 1;
            throw error;
          }
          if (!(result instanceof Promise)) {
            running -= 1;
            return result;
          }
          return result.finally(() => (running -= 1));
        };
        restore.push(() => delete record[name]);
      }
    }
    try {
      await work();
    } finally {
      for (const undo of restore) undo();
    }
    return calls;
  }

  const total = (calls: Map<string, number>) => [...calls.values()].reduce((sum, n) => sum + n, 0);

  it('reads a few thousand kiosks with a bounded number of queries, not one per kiosk', async () => {
    // The fleet as of just after the restart grace (a full stale period from now).
    const then = api.clock.now() + STALE_MS + 1_000;
    const fleet = nationalFleet({ count: 3_000, now: then, seed: 5, staleMs: STALE_MS });
    await insertFleet(api.store, fleet, then);
    const silent = fleet.filter((k) => k.heartbeat && k.heartbeat.receivedAt < then - STALE_MS);
    expect(silent.length).toBeGreaterThan(20);

    // The silent kiosks' alerts open (and those of readers out of service): one write each, the
    // reads stay few.
    api.clock.set(then);
    const first = await countStoreCalls(() => api.tick());
    const opened = new Set(publishedOf(api, 'alert').map((a) => a.alertId)).size;
    const stale = publishedOf(api, 'alert').filter((a) => a.kind === 'heartbeat-stale');
    expect(stale.map((a) => a.kioskId).sort()).toEqual(silent.map((k) => k.kioskId).sort());
    expect(opened).toBeLessThan(fleet.length / 10);
    expect(first.get('ops.openAlert')).toBe(opened);
    expect(first.get('ops.failedSessionsOfKioskByCause') ?? 0).toBe(0);
    expect(total(first) - opened).toBeLessThan(30);

    // A quiet tick over the same fleet: nothing to open, a fixed handful of queries.
    api.clock.advance(1_000);
    const second = await countStoreCalls(() => api.tick());
    expect(second.get('ops.openAlert') ?? 0).toBe(0);
    expect(total(second)).toBeLessThan(30);
    expect(total(second)).toBeLessThan(fleet.length / 100);
  });
});
