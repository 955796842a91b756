import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type Actor, type ActorOptions, createActor } from 'xstate';
import type { KioskApiClient } from '../api-client/kiosk-api-client';
import { type RecoveryReport, recoverClaims, UncertainResetCheck } from '../journal/claim-recovery';
import type { ClaimEntry } from '../journal/claim-journal';
import { openKioskJournal } from '../journal/kiosk-journal';
import type { Outbox } from '../journal/outbox';
import { journalSessionEvents } from '../journal/session-event-journal';
import { type DeliveryReport, journaledSettler, OutboxDeliverer } from '../journal/outbox-delivery';
import { createUiServer, type UiServer } from '../ui-server/ui-server';
import { sessionViewModels } from '../ui-server/session-view-models';
import { catalogueLanguages } from '../ui/catalogues';
import type { SimulationControls } from '../ui-server/simulation-actions';
import type { HeartbeatRequest } from '../../reservation-api/contract';
import { connectReaderToSession, readerMachine, type ReaderMachine } from '../../state-machines/reader';
import {
  createSessionMachine,
  type Procedure,
  type SessionInput,
  type SessionMachine,
} from '../../state-machines/session';
import { ApiWatch } from './api-watch';
import { CardSlot } from './card-slot';
import { type KioskAlert, KioskStatus } from './kiosk-status';
import { PinBuffers } from './pin-buffers';
import { RemoteControl } from './remote-control';
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
  /**
   * Overrides what heartbeats say of the reader. Default: the reader machine's view (`reader`),
   * fed by the card source (PC/SC: `attachPcscReader`; simulated: `simulateReader`).
   */
  reader?: () => HeartbeatRequest['reader'];
  /** Use only the reader of this name (default: the first one that appears). */
  readerName?: string;
  /** How often heartbeats go out, the outbox is retried and the machine's clock synced (~10 s). */
  tickMs?: number;
  /** Opening hours, timings and languages of the session machine (defaults: DESIGN §7). */
  session?: Pick<SessionInput, 'serviceWindow' | 'timing' | 'languages'>;
  /** Reported in heartbeats. */
  version?: string;
  /** Delivered outbox messages and settled claims older than this are deleted (default 7 days). */
  retentionMs?: number;
  /** Simulation mode only (npm start): the panel's controls, served by the UI server (docs/kiosk-ui.md). */
  simulation?: SimulationControls;
  /**
   * After a crash during RESET RETRY COUNTER, how long to wait for that card on the reader so its
   * PIN counter can settle the reset (default 30 s, within the claim's 2-minute lease); 0: do not
   * wait — release at once as uncertain.
   */
  recoveryCardWaitMs?: number;
}

export interface KioskRuntime {
  actor: Actor<SessionMachine>;
  /** The reader statechart; card sources send it their `ReaderEvent`s. */
  reader: Actor<ReaderMachine>;
  slot: CardSlot;
  ui: UiServer;
  outbox: Outbox;
  /** What crash recovery did at start with the claims a previous run left unsettled (updated as the card settles them). */
  recovery: RecoveryReport;
  /** Resolves once crash recovery has settled every claim (some may wait for their card). */
  recoverySettled(): Promise<void>;
  /** What the next heartbeat will say. */
  status(): HeartbeatRequest;
  /** The operator alerts active now. */
  alerts(): KioskAlert[];
  /** Sends a heartbeat now; resolves with whether the API answered. */
  heartbeat(): Promise<boolean>;
  /** A delivery pass of the outbox now (joins the one under way). */
  deliverOutbox(): Promise<DeliveryReport>;
  close(): Promise<void>;
}

export const DEFAULT_TICK_MS = 10_000;
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60_000;
export const DEFAULT_RECOVERY_CARD_WAIT_MS = 30_000;
/** A recovered reset of unknown outcome stays an active alert for as long as a reservation lives. */
const UNCERTAIN_ALERT_MS = 24 * 60 * 60_000;

/**
 * One kiosk: the session machine with the runtime's actors and PIN buffers, the reader machine
 * feeding it, the outbox (and its delivery loop), heartbeats, and the UI server. The card source
 * (simulated or PC/SC) is attached by the caller: it sends reader events to `reader` and tells
 * `slot` how to open a card (`CardSlot.useOpener`).
 */
export async function startKioskRuntime(options: KioskRuntimeOptions): Promise<KioskRuntime> {
  const journal = openKioskJournal(join(options.dataDir, 'kiosk-journal.sqlite'), { now: options.now });
  const { outbox, claims } = journal;
  // Before anything else: settle what a crashed run left (delivered with the rest of the outbox).
  const cardWaitMs = options.recoveryCardWaitMs ?? DEFAULT_RECOVERY_CARD_WAIT_MS;
  const awaitingCard: ClaimEntry[] = [];
  const recovery = recoverClaims(
    claims,
    outbox,
    options.now,
    undefined,
    cardWaitMs > 0 ? { awaitCard: (entry) => awaitingCard.push(entry) } : {},
  );
  const deliverer = new OutboxDeliverer(outbox, options.api);
  // Resets interrupted by the crash during RESET RETRY COUNTER: settled by their card's counter
  // when it is placed, or as uncertain when the wait ends.
  const cardCheck = new UncertainResetCheck(awaitingCard, claims, outbox, options.now, recovery);
  const cardWait =
    cardCheck.pending > 0
      ? setTimeout(() => {
          cardCheck.expire();
          void deliverer.deliver().catch(() => undefined);
        }, cardWaitMs)
      : undefined;
  void cardCheck.settled().then(() => clearTimeout(cardWait));
  const slot = new CardSlot();
  const pins = new PinBuffers();
  const actors = createSessionActors({
    card: () => slot.current(),
    api: options.api,
    pins,
    settler: journaledSettler(claims, deliverer),
    journal: claims,
    now: options.now,
  });
  const machine = createSessionMachine({ actors, pinBuffers: pins });
  const actor = createActor(machine, {
    input: {
      // Every language that has a message catalogue, unless the caller names them.
      languages: catalogueLanguages(),
      ...options.session,
      offeredProcedures: options.procedures,
      now: options.now(),
    },
    ...(options.timers === undefined ? {} : { clock: options.timers }),
  });
  const reader = createActor(readerMachine, {
    input: options.readerName === undefined ? {} : { reader: options.readerName },
  });
  // The slot learns of a card before the session does, so the session's first command finds it.
  const readerSubscriptions = [
    reader.on('card.inserted', () => {
      const { reader: name, atr } = reader.getSnapshot().context;
      if (name !== null && atr !== null) slot.cardArrived(name, atr);
      if (cardCheck.pending > 0 && slot.present) {
        void cardCheck.onCard(slot.current()).then(() => deliverer.deliver().catch(() => undefined));
      }
    }),
    reader.on('card.removed', () => slot.remove()),
  ];
  const stopJournal = journalSessionEvents(actor, outbox, options.now);
  // Between customers the card is reset: nothing verified in one session serves the next.
  const renewal = actor.on('session.ended', () => slot.renew());
  const status = new KioskStatus({
    session: actor,
    reader,
    outbox,
    now: options.now,
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.reader === undefined ? {} : { readerStatus: options.reader }),
    extraAlerts: () =>
      claims.uncertainSince(options.now() - UNCERTAIN_ALERT_MS) > 0 ? ['reset-outcome-uncertain'] : [],
  });
  const prune = () => {
    const before = options.now() - (options.retentionMs ?? DEFAULT_RETENTION_MS);
    outbox.pruneDelivered(before);
    claims.pruneSettled(before);
  };
  actor.start();
  reader.start();
  const disconnectReader = connectReaderToSession(reader, actor);
  const ui = await createUiServer({
    host: '127.0.0.1',
    port: 0,
    viewModels: sessionViewModels(actor),
    onEvent: (event) => actor.send(event),
    simulation: options.simulation,
  });
  const remote = new RemoteControl({
    session: actor,
    reader,
    outbox,
    now: options.now,
    newId: randomUUID,
    deliver: () => void deliverer.deliver().catch(() => undefined),
  });
  const watch = new ApiWatch({
    api: options.api,
    actor,
    heartbeat: () => status.heartbeat(),
    onAnswer: (answer) => remote.apply(answer),
  });
  const tick = setInterval(() => {
    actor.send({ type: 'clock.sync', now: options.now() });
    void watch.beat();
    void deliverer.deliver().catch(() => undefined);
    prune();
  }, options.tickMs ?? DEFAULT_TICK_MS);
  // First heartbeat at once; deliver what a previous run left in the outbox.
  void watch.beat();
  void deliverer.deliver().catch(() => undefined);

  return {
    actor,
    reader,
    slot,
    ui,
    outbox,
    recovery,
    recoverySettled: () => cardCheck.settled(),
    status: () => status.heartbeat(),
    alerts: () => status.alerts(),
    heartbeat: () => watch.beat(),
    deliverOutbox: () => deliverer.deliver(),
    async close() {
      clearInterval(tick);
      clearTimeout(cardWait);
      disconnectReader();
      for (const subscription of readerSubscriptions) subscription.unsubscribe();
      renewal.unsubscribe();
      status.stop();
      remote.stop();
      actor.stop();
      reader.stop();
      stopJournal();
      slot.remove();
      pins.wipeAll();
      await ui.close();
      // Let a delivery pass under way finish before its journal closes, and a heartbeat under way
      // arrive now rather than after the kiosk is gone.
      await Promise.all([deliverer.idle(), watch.idle()]);
      journal.close();
    },
  };
}
