import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { SimulatedClock, waitFor } from 'xstate';
import { JPKI_ATR } from '../../../hardware/jpki/constants';
import { InProcessTransport } from '../../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../../hardware/virtual-card/virtual-card';
import { type KioskRuntime, startKioskRuntime } from '../../../kiosk/runtime/kiosk-runtime';
import type { ChainId } from '../../../reservation-api/contract';
import { toViewModel } from '../../../state-machines/session';
import type { ApiHarness } from '../../api/support/api-harness';

/**
 * Real kiosk runtimes (session machine, reader machine, outbox, heartbeats) against the loopback
 * API, each with a simulated reader the test controls: it hands the current card over whenever the
 * kiosk asks for one and, unless told to leave it, takes it back when the kiosk says so. It can
 * also be unplugged and plugged in again. Session timers run on a SimulatedClock.
 */

const READER = 'Dashboard test reader';
const ATR_HEX = Buffer.from(JPKI_ATR).toString('hex').toUpperCase();

export interface LiveKiosk {
  kioskId: string;
  runtime: KioskRuntime;
  timers: SimulatedClock;
  /** The card file the customer has at hand. */
  useCard(cardPath: string): void;
  /** Whether the customer forgets the card when the kiosk asks them to take it. */
  leaveCardBehind(leave: boolean): void;
  takeCard(): void;
  unplugReader(): void;
  plugInReader(): void;
  /** Waits until the session machine shows one of `screens`. */
  reach(...screens: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function startLiveKiosk(api: ApiHarness, chain: ChainId, tickMs: number): Promise<LiveKiosk> {
  const registered = await api.addKiosk(chain);
  const timers = new SimulatedClock();
  const runtime = await startKioskRuntime({
    api: registered.client,
    procedures: registered.procedures,
    dataDir: mkdtempSync(join(api.dataDir, 'kiosk-')),
    now: api.clock.now,
    timers,
    tickMs,
  });
  let cardPath: string | undefined;
  let leave = false;
  let cardIn = false;
  let closed = false;
  runtime.slot.useOpener(() => {
    if (!cardPath) throw new Error('no card in hand');
    return new InProcessTransport(VirtualCard.fromFile(cardPath));
  });
  const insert = () => {
    cardIn = true;
    runtime.reader.send({ type: 'card.inserted', reader: READER, atr: ATR_HEX });
  };
  const remove = () => {
    cardIn = false;
    runtime.reader.send({ type: 'card.removed', reader: READER });
  };
  runtime.reader.send({ type: 'reader.added', reader: READER });
  let previous = '';
  const subscription = runtime.actor.subscribe((snapshot) => {
    const screen = toViewModel(snapshot).screen;
    if (screen === previous) return;
    previous = screen;
    if (screen === 'place-card' && cardPath && !cardIn) queueMicrotask(insert);
    if (screen === 'take-card' && cardIn && !leave) queueMicrotask(remove);
  });
  return {
    kioskId: registered.kioskId,
    runtime,
    timers,
    useCard: (path) => {
      cardPath = path;
    },
    leaveCardBehind: (value) => {
      leave = value;
    },
    takeCard: remove,
    unplugReader: () => runtime.reader.send({ type: 'reader.removed', reader: READER }),
    plugInReader: () => runtime.reader.send({ type: 'reader.added', reader: READER }),
    async reach(...screens) {
      await waitFor(runtime.actor, (snapshot) => screens.includes(toViewModel(snapshot).screen), {
        timeout: 15_000,
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      subscription.unsubscribe();
      await runtime.close();
    },
  };
}

/** Types `keys` on the kiosk's keypad and submits. */
export function enterPin(kiosk: LiveKiosk, keys: string): void {
  for (const key of keys) kiosk.runtime.actor.send({ type: 'pin.key', key });
  kiosk.runtime.actor.send({ type: 'pin.submit' });
}

/** Starts a session for `procedure` up to the card being read (the reader hands the card over). */
export function startSession(kiosk: LiveKiosk, procedure: 'signature-pin' | 'auth-pin'): void {
  const { actor } = kiosk.runtime;
  actor.send({ type: 'session.start' });
  if (toViewModel(actor.getSnapshot()).screen === 'choose-procedure') {
    actor.send({ type: 'procedure.select', procedure });
  }
  actor.send({ type: 'consent.accept' });
}
