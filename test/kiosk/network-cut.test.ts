import { createPrivateKey } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { Outbox } from '../../kiosk/journal/outbox';
import { OutboxDeliverer, outboxSettler } from '../../kiosk/journal/outbox-delivery';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import { createSessionActors } from '../../kiosk/runtime/session-actors';
import { newKioskKeyPair, registerKiosk } from '../../reservation-api/services/kiosk-registry';
import { createSessionMachine, type Procedure, toViewModel } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { openSwitchableLink, type SwitchableLink } from './switchable-link';

/**
 * The network cut just before each API call of a signature-PIN session (challenge, lookup, claim,
 * complete), restored afterwards: once the outbox has delivered, the card, the reservation and the
 * outbox agree — completed exactly when the new PIN works on the card, otherwise active again.
 */

const NEW_PIN = 'NETCUT42';
const API_CALLS = ['challenge', 'lookup', 'claim', 'complete', 'release'] as const;

let api: ApiHarness;
let link: SwitchableLink;
let client: KioskApiClient;
let procedures: Procedure[];

beforeAll(async () => {
  api = await startApiHarness();
  link = await openSwitchableLink(api.baseUrl);
  const keys = newKioskKeyPair();
  const record = await registerKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-netcut',
    publicKey: keys.publicKey,
    actor: 'operator:test',
    now: api.clock.now(),
  });
  procedures = record.procedures;
  client = new KioskApiClient({
    baseUrl: link.url,
    kioskId: record.id,
    privateKey: createPrivateKey(keys.privateKeyPem),
    now: api.clock.now,
  });
});

afterAll(async () => {
  await link.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

/** The client, with the link cut just before API call number `cutAt` (counted over API_CALLS). */
function cuttingClient(cutAt: number | undefined): { api: KioskApiClient; calls: () => number } {
  let calls = 0;
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !(API_CALLS as readonly PropertyKey[]).includes(property)) {
        return value;
      }
      return (...args: unknown[]) => {
        calls += 1;
        if (calls === cutAt) link.cut();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { api: wrapped, calls: () => calls };
}

const RESTING = ['idle', 'error', 'done', 'take-card', 'place-card', 'out-of-service'];

async function sessionCutAt(cutAt: number | undefined) {
  const cardPath = await api.issueCard('sign-pin-blocked');
  const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
  const { api: kioskApi, calls } = cuttingClient(cutAt);
  const outbox = Outbox.open(':memory:', { now: api.clock.now });
  const deliverer = new OutboxDeliverer(outbox, kioskApi);
  const pins = new PinBuffers();
  const card = api.openCard(cardPath);
  const actors = createSessionActors({
    card: () => card,
    api: kioskApi,
    pins,
    settler: outboxSettler(outbox, deliverer),
  });
  const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
    clock: new SimulatedClock(),
    input: { offeredProcedures: procedures, now: api.clock.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const screen = () => toViewModel(actor.getSnapshot()).screen;
  const reach = (...screens: string[]) =>
    waitFor(actor, (s) => [...screens, ...RESTING].includes(toViewModel(s).screen), { timeout: 15_000 });
  const enter = (keys: string) => {
    for (const key of keys) actor.send({ type: 'pin.key', key });
    actor.send({ type: 'pin.submit' });
  };

  actor.send({ type: 'session.start' });
  if (screen() === 'choose-procedure') actor.send({ type: 'procedure.select', procedure: 'signature-pin' });
  actor.send({ type: 'consent.accept' });
  actor.send({ type: 'card.inserted' });
  await reach('enter-current-pin');
  if (screen() === 'enter-current-pin') {
    enter(DEFAULT_PINS.auth);
    await reach('enter-new-pin');
  }
  if (screen() === 'enter-new-pin') {
    enter(NEW_PIN);
    await reach('confirm-new-pin');
  }
  if (screen() === 'confirm-new-pin') {
    enter(NEW_PIN);
    await reach();
  }
  const finalScreen = screen();
  actor.stop();
  await deliverer.deliver();
  // The network comes back; everything the outbox holds is due after the backoff.
  link.restore();
  api.clock.advance(60_000);
  await deliverer.deliver();

  const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  const check = api.openCard(cardPath);
  await check.selectApplication();
  let newPinWorks = false;
  if (!(await check.pinStatus('sign')).blocked) {
    await check.verifyPin('sign', Buffer.from(NEW_PIN, 'latin1')).then(
      () => (newPinWorks = true),
      () => undefined,
    );
  }
  const counts = outbox.counts();
  outbox.close();
  return { calls: calls(), finalScreen, status, newPinWorks, counts };
}

describe('network cut before each API call of a signature-PIN reset', () => {
  it('card, reservation and outbox agree once the network is back', async () => {
    const happy = await sessionCutAt(undefined);
    expect(happy).toMatchObject({ finalScreen: 'done', status: 'completed', newPinWorks: true, calls: 4 });

    for (let cutAt = 1; cutAt <= happy.calls; cutAt += 1) {
      const result = await sessionCutAt(cutAt);
      const context = `cut before API call ${cutAt}: ${JSON.stringify(result)}`;
      expect(result.counts.pending, context).toBe(0);
      expect(result.counts.rejected, context).toBe(0);
      expect(result.status === 'completed', context).toBe(result.newPinWorks);
      if (result.status !== 'completed') expect(result.status, context).toBe('active');
    }
  }, 120_000); // a guard against hangs, not a speed check
});
