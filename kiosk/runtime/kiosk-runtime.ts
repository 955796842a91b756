import { join } from 'node:path';
import { type Actor, type ActorOptions, createActor } from 'xstate';
import type { KioskApiClient } from '../api-client/kiosk-api-client';
import { Outbox } from '../journal/outbox';
import { journalSessionEvents } from '../journal/session-event-journal';
import { type DeliveryReport, OutboxDeliverer, outboxSettler } from '../journal/outbox-delivery';
import { createUiServer, type UiServer } from '../ui-server/ui-server';
import type { SimulationControls } from '../ui-server/simulation-actions';
import { sessionViewModels } from '../ui-server/session-view-models';
import { createSessionMachine, type Procedure, type SessionMachine } from '../../state-machines/session';
import { ApiWatch } from './api-watch';
import { CardSlot } from './card-slot';
import { PinBuffers } from './pin-buffers';
import { createSessionActors } from './session-actors';

export interface KioskRuntimeOptions {
  api: KioskApiClient;
  /** The procedures this kiosk's chain offers (from its credentials). */
  procedures: readonly Procedure[];
  /** Where the journal lives (`kiosk-journal.sqlite`). */
  dataDir: string;
  /** Epoch ms. */
  now: () => number;
  /** The machine's timer clock (xstate `Clock`); tests pass a `SimulatedClock`. Default: real timers. */
  timers?: ActorOptions<SessionMachine>['clock'];
  /** What the card source says of the reader, for heartbeats (default: ready). */
  reader?: () => 'ready' | 'absent' | 'unavailable';
  /** How often heartbeats go out, the outbox is retried and the machine's clock synced. */
  tickMs?: number;
  /** Simulation mode only (npm start): the panel's controls, served by the UI server (docs/kiosk-ui.md). */
  simulation?: SimulationControls;
}

export interface KioskRuntime {
  actor: Actor<SessionMachine>;
  slot: CardSlot;
  ui: UiServer;
  outbox: Outbox;
  /** A delivery pass of the outbox now (joins the one under way). */
  deliverOutbox(): Promise<DeliveryReport>;
  close(): Promise<void>;
}

export const DEFAULT_TICK_MS = 5_000;

/**
 * One kiosk: the session machine with the runtime's actors and PIN buffers, the outbox (and its
 * delivery loop), and the UI server. The card source (simulated or PC/SC) is attached by the caller
 * through `slot` and device events sent to `actor`.
 */
export async function startKioskRuntime(options: KioskRuntimeOptions): Promise<KioskRuntime> {
  const outbox = Outbox.open(join(options.dataDir, 'kiosk-journal.sqlite'), { now: options.now });
  const deliverer = new OutboxDeliverer(outbox, options.api);
  const slot = new CardSlot();
  const pins = new PinBuffers();
  const actors = createSessionActors({
    card: () => slot.current(),
    api: options.api,
    pins,
    settler: outboxSettler(outbox, deliverer),
  });
  const machine = createSessionMachine({ actors, pinBuffers: pins });
  const actor = createActor(machine, {
    input: { offeredProcedures: options.procedures, now: options.now() },
    ...(options.timers === undefined ? {} : { clock: options.timers }),
  });
  const stopJournal = journalSessionEvents(actor, outbox, options.now);
  actor.start();
  const ui = await createUiServer({
    host: '127.0.0.1',
    port: 0,
    viewModels: sessionViewModels(actor),
    onEvent: (event) => actor.send(event),
    simulation: options.simulation,
  });
  const watch = new ApiWatch({
    api: options.api,
    actor,
    slot,
    outbox,
    now: options.now,
    reader: options.reader ?? (() => 'ready'),
  });
  const tick = setInterval(() => {
    actor.send({ type: 'clock.sync', now: options.now() });
    void watch.beat();
    void deliverer.deliver().catch(() => undefined);
  }, options.tickMs ?? DEFAULT_TICK_MS);
  // First heartbeat at once; deliver what a previous run left in the outbox.
  void watch.beat();
  void deliverer.deliver().catch(() => undefined);

  return {
    actor,
    slot,
    ui,
    outbox,
    deliverOutbox: () => deliverer.deliver(),
    async close() {
      clearInterval(tick);
      actor.stop();
      stopJournal();
      pins.wipeAll();
      await ui.close();
      outbox.close();
    },
  };
}
