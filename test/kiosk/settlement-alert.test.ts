import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { type KioskRuntime, startKioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { simulateReader } from '../../kiosk/runtime/simulated-reader';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import type { Procedure } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { SessionDriver } from './support/session-driver';
import { openSwitchableLink, type SwitchableLink } from './switchable-link';

/**
 * The `settlement-not-recorded` alert follows the outbox: a completion that cannot reach the API
 * raises it, a restarted kiosk raises it again while the completion is still undelivered, and it
 * ends once the outbox delivered it (real kiosk runtime, simulated reader, loopback API behind a
 * relay that can cut the network).
 */

let api: ApiHarness;
let link: SwitchableLink;
let kioskApi: KioskApiClient;
let kioskId: string;
let procedures: Procedure[];
let kioskDir: string;
/** Cut the network just as the next completion goes out. */
let cutAtCompletion = false;

beforeAll(async () => {
  api = await startApiHarness();
  link = await openSwitchableLink(api.baseUrl);
  const credentials = await enrolKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-settlement-alert',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  kioskId = credentials.kioskId;
  procedures = credentials.procedures;
  kioskApi = cuttingAtCompletion(
    KioskApiClient.fromCredentials(credentials, { baseUrl: link.url, now: api.clock.now }),
  );
  kioskDir = mkdtempSync(join(tmpdir(), 'settlement-alert-'));
});

afterAll(async () => {
  await link.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
  rmSync(kioskDir, { recursive: true, force: true });
});

/** `client`, whose `complete` cuts the network first when `cutAtCompletion` is set. */
function cuttingAtCompletion(client: KioskApiClient): KioskApiClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== 'complete' || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (cutAtCompletion) {
          cutAtCompletion = false;
          link.cut();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A kiosk process on `kioskDir` with a simulated reader holding `cardPath`; no ticks (tests drive). */
async function startKiosk(cardPath: string) {
  const kiosk: KioskRuntime = await startKioskRuntime({
    api: kioskApi,
    procedures,
    dataDir: kioskDir,
    now: api.clock.now,
    timers: new SimulatedClock(),
    tickMs: 3_600_000,
  });
  const stopReader = simulateReader(kiosk, cardPath);
  return {
    kiosk,
    async stop() {
      stopReader();
      await kiosk.close();
    },
  };
}

/** The alerts of the heartbeat the API stored last for this kiosk. */
async function alertsSeenByApi() {
  const kiosks = await api.store.listKiosks();
  return kiosks.find((candidate) => candidate.id === kioskId)?.lastHeartbeat?.alerts;
}

describe('settlement-not-recorded', () => {
  it('is raised while a completion is undelivered, again after a restart, and ends once the outbox delivered it', async () => {
    const cardPath = await api.issueCard('sign-pin-blocked');
    const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);

    const first = await startKiosk(cardPath);
    expect(await first.kiosk.heartbeat()).toBe(true);
    expect(first.kiosk.alerts()).toEqual([]);

    // The reset succeeds on the card; its completion meets a cut network and stays in the outbox.
    cutAtCompletion = true;
    const driver = new SessionDriver(first.kiosk.actor);
    driver.begin('signature-pin');
    expect(await driver.runReset(DEFAULT_PINS.auth, 'ALERT123')).toBe('done');
    // Joins the delivery pass the settlement started.
    expect(await first.kiosk.deliverOutbox()).toMatchObject({ delivered: 0, deferred: true });
    expect(first.kiosk.status()).toMatchObject({
      counters: { outbox_rejected: 0 },
      alerts: ['settlement-not-recorded'],
    });
    expect(first.kiosk.status().counters.outbox_pending).toBeGreaterThan(0);
    await first.stop();

    // A restart with the network still cut: the alert is back at start, from the journal alone.
    const second = await startKiosk(cardPath);
    expect(second.kiosk.recovery).toMatchObject({ completed: 0, released: 0, uncertain: 0 });
    expect(second.kiosk.alerts()).toEqual(['settlement-not-recorded']);
    expect(await second.kiosk.deliverOutbox()).toMatchObject({ delivered: 0 });
    expect(second.kiosk.alerts()).toEqual(['settlement-not-recorded']);

    // The network is back: operators see the alert until the outbox delivered the completion.
    link.restore();
    expect(await second.kiosk.heartbeat()).toBe(true);
    expect(await alertsSeenByApi()).toEqual(['settlement-not-recorded']);
    api.clock.advance(10_000); // past the completion's backoff, well within the claim's lease
    expect(await second.kiosk.deliverOutbox()).toMatchObject({ rejected: 0, deferred: false });
    expect(second.kiosk.outbox.counts()).toMatchObject({ pending: 0, rejected: 0 });
    expect(second.kiosk.alerts()).toEqual([]);
    expect(await second.kiosk.heartbeat()).toBe(true);
    expect(await alertsSeenByApi()).toEqual([]);
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
    await second.stop();
  });
});
