import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor } from 'xstate';
import { CardError } from '../../hardware/card-error';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import type { CardTransport, TransmitOptions } from '../../hardware/transport/card-transport';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { Outbox } from '../../kiosk/journal/outbox';
import { OutboxDeliverer, outboxSettler } from '../../kiosk/journal/outbox-delivery';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import { createSessionActors } from '../../kiosk/runtime/session-actors';
import { createSessionMachine, toViewModel } from '../../state-machines/session';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from '../api/support/api-harness';

/**
 * The card pulled before each APDU of a signature-PIN reset session: afterwards the card, the
 * reservation and the outbox agree — completed only if the new PIN works on the card, otherwise
 * the reservation is active again (released), and nothing is left pending in the outbox.
 */

const NEW_PIN = 'PULLED42';

/** Counts APDUs and takes the card out just before number `pullAt` (never, when undefined). */
class PullingTransport implements CardTransport {
  sent = 0;
  constructor(
    private readonly inner: InProcessTransport,
    private readonly pullAt: number | undefined,
    private readonly onPull: () => void,
  ) {}
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    this.sent += 1;
    if (this.sent === this.pullAt) {
      this.inner.remove();
      this.onPull();
      return Promise.reject(new CardError('card-removed', 'pulled'));
    }
    return this.inner.transmit(command, options);
  }
}

let api: ApiHarness;
let kiosk: HarnessKiosk;

beforeAll(async () => {
  api = await startApiHarness();
  kiosk = await api.addKiosk('seven-eleven');
});

afterAll(async () => {
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

const RESTING = ['idle', 'error', 'done', 'take-card', 'place-card'];

/** One session on a fresh blocked card with a reservation; the card pulled at APDU `pullAt`. */
async function sessionPulledAt(pullAt: number | undefined) {
  const cardPath = await api.issueCard('sign-pin-blocked');
  const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
  const outbox = Outbox.open(':memory:', { now: api.clock.now });
  const deliverer = new OutboxDeliverer(outbox, kiosk.client);
  const pins = new PinBuffers();
  let pulled = false;
  const transport = new PullingTransport(
    new InProcessTransport(VirtualCard.fromFile(cardPath)),
    pullAt,
    () => {
      pulled = true;
    },
  );
  const card = new JpkiClient(transport);
  const actors = createSessionActors({
    card: () => card,
    api: kiosk.client,
    pins,
    settler: outboxSettler(outbox, deliverer),
  });
  const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
    clock: new SimulatedClock(),
    input: { offeredProcedures: kiosk.procedures, now: api.clock.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const screen = () => toViewModel(actor.getSnapshot()).screen;
  const rest = () =>
    waitFor(actor, (snapshot) => RESTING.includes(toViewModel(snapshot).screen), { timeout: 20_000 });
  const enter = async (keys: string) => {
    for (const key of keys) actor.send({ type: 'pin.key', key });
    actor.send({ type: 'pin.submit' });
    await rest();
  };

  actor.send({ type: 'session.start' });
  if (screen() === 'choose-procedure') actor.send({ type: 'procedure.select', procedure: 'signature-pin' });
  actor.send({ type: 'consent.accept' });
  actor.send({ type: 'card.inserted' });
  // Each step either reaches the next PIN screen or rests on an outcome screen after the pull.
  await waitFor(
    actor,
    (snapshot) => ['enter-current-pin', ...RESTING].includes(toViewModel(snapshot).screen),
    { timeout: 20_000 },
  );
  if (screen() === 'enter-current-pin') {
    for (const key of DEFAULT_PINS.auth) actor.send({ type: 'pin.key', key });
    actor.send({ type: 'pin.submit' });
    await waitFor(actor, (s) => ['enter-new-pin', ...RESTING].includes(toViewModel(s).screen), {
      timeout: 20_000,
    });
  }
  if (screen() === 'enter-new-pin') {
    for (const key of NEW_PIN) actor.send({ type: 'pin.key', key });
    actor.send({ type: 'pin.submit' });
    await waitFor(actor, (s) => ['confirm-new-pin', ...RESTING].includes(toViewModel(s).screen), {
      timeout: 20_000,
    });
  }
  if (screen() === 'confirm-new-pin') await enter(NEW_PIN);
  if (pulled) actor.send({ type: 'card.removed' });
  await rest();
  const finalScreen = screen();
  actor.stop();
  await deliverer.deliver();
  await deliverer.deliver();

  const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  const check = new JpkiClient(new InProcessTransport(VirtualCard.fromFile(cardPath)));
  await check.selectApplication();
  const signPin = await check.pinStatus('sign');
  let newPinWorks = false;
  if (!signPin.blocked) {
    await check.verifyPin('sign', Buffer.from(NEW_PIN, 'latin1')).then(
      () => (newPinWorks = true),
      () => undefined,
    );
  }
  const counts = outbox.counts();
  outbox.close();
  return { apdus: transport.sent, finalScreen, status, newPinWorks, counts };
}

describe('card pulled at each APDU of a signature-PIN reset', () => {
  it('card, reservation and outbox agree whichever APDU the card was pulled at', async () => {
    const happy = await sessionPulledAt(undefined);
    expect(happy).toMatchObject({ finalScreen: 'done', status: 'completed', newPinWorks: true });
    expect(happy.apdus).toBeGreaterThan(5);

    for (let pullAt = 1; pullAt <= happy.apdus; pullAt += 1) {
      const result = await sessionPulledAt(pullAt);
      const context = `pulled at APDU ${pullAt}: ${JSON.stringify(result)}`;
      expect(result.counts.pending, context).toBe(0);
      expect(result.counts.rejected, context).toBe(0);
      if (result.status === 'completed') expect(result.newPinWorks, context).toBe(true);
      else expect(result.status, context).toBe('active');
      // "Done" is shown only for a completed reservation (a pull during the certificate read after
      // the new PIN verified still completes).
      if (result.finalScreen === 'done') expect(result.status, context).toBe('completed');
    }
  }, 180_000); // one full session per APDU: a guard against hangs, not a speed check
});
