import { type Actor, createActor, SimulatedClock } from 'xstate';
import { JpkiClient } from '../../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../../hardware/virtual-card/virtual-card';
import type { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { Outbox } from '../../../kiosk/journal/outbox';
import { OutboxDeliverer, outboxSettler } from '../../../kiosk/journal/outbox-delivery';
import { PinBuffers } from '../../../kiosk/runtime/pin-buffers';
import { createSessionActors } from '../../../kiosk/runtime/session-actors';
import { createSessionMachine, type Procedure, type SessionMachine } from '../../../state-machines/session';
import type { ProcedureCase } from './procedure-cases';
import { PullingTransport } from './pulling-transport';
import { SessionDriver } from './session-driver';

export interface VirtualCardSessionOptions {
  /** The virtual card file put on the reader. */
  cardPath: string;
  /** The kiosk's API client (a fault-injecting wrapper in the network tests). */
  api: KioskApiClient;
  offeredProcedures: Procedure[];
  /** Epoch ms: the outbox's and the session's clock (the API harness's, so backoffs line up). */
  now: () => number;
  /** Pull the card just before APDU number n, or before the first command it matches; never when undefined. */
  pullCard?: number | ((command: Uint8Array) => boolean);
}

/** A kiosk session on a virtual card, wired as the kiosk runtime wires it: settlements go through an outbox. */
export interface VirtualCardSession {
  actor: Actor<SessionMachine>;
  driver: SessionDriver;
  /** Counts APDUs and tells whether the card was pulled. */
  transport: PullingTransport;
  /** In memory; the caller closes it. */
  outbox: Outbox;
  deliverer: OutboxDeliverer;
  /**
   * The customer's whole reset from the idle screen: choose, insert the card, prove and set the
   * PIN, take the card out if it was pulled; stops the actor on a resting screen and returns it.
   */
  runReset(scenario: ProcedureCase): Promise<string>;
}

/** Starts a session actor (simulated clock, reader ready) on the virtual card at `cardPath`. */
export function startVirtualCardSession(options: VirtualCardSessionOptions): VirtualCardSession {
  const outbox = Outbox.open(':memory:', { now: options.now });
  const deliverer = new OutboxDeliverer(outbox, options.api);
  const pins = new PinBuffers();
  const transport = new PullingTransport(
    new InProcessTransport(VirtualCard.fromFile(options.cardPath)),
    options.pullCard,
  );
  const card = new JpkiClient(transport);
  const actors = createSessionActors({
    card: () => card,
    api: options.api,
    pins,
    settler: outboxSettler(outbox, deliverer),
    now: options.now,
  });
  const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
    clock: new SimulatedClock(),
    input: { offeredProcedures: options.offeredProcedures, now: options.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const driver = new SessionDriver(actor);

  async function runReset(scenario: ProcedureCase): Promise<string> {
    driver.begin(scenario.procedure);
    actor.send({ type: 'card.inserted' });
    await driver.runReset(scenario.typedPin, scenario.newPin);
    if (transport.pulled) actor.send({ type: 'card.removed' });
    const finalScreen = await driver.reach();
    actor.stop();
    return finalScreen;
  }

  return { actor, driver, transport, outbox, deliverer, runReset };
}
