import type { Actor } from 'xstate';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { JPKI_ATR } from '../../hardware/jpki/constants';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import type { ReaderMachine } from '../../state-machines/reader';
import { type SessionMachine, toViewModel } from '../../state-machines/session';
import type { CardSlot } from './card-slot';

/** The name the simulated reader reports. */
export const SIMULATED_READER = 'Simulated reader';

const ATR_HEX = Buffer.from(JPKI_ATR).toString('hex').toUpperCase();

/** What the simulated reader needs of a kiosk runtime. */
export interface SimulatedReaderKiosk {
  actor: Actor<SessionMachine>;
  reader: Actor<ReaderMachine>;
  slot: CardSlot;
}

/**
 * A reader simulated with one virtual card file that the customer always has at hand: the card is
 * placed whenever the machine asks for it and taken as soon as it asks for it back. For demos and
 * UI work without a reader (`--card FILE`). Goes through the reader machine like a real reader, so
 * heartbeats report it; each placement is a fresh card session on the file. Returns the stop function.
 */
export function simulateReader(kiosk: SimulatedReaderKiosk, cardPath: string): () => void {
  kiosk.slot.useOpener(() => new InProcessTransport(VirtualCard.fromFile(cardPath)));
  kiosk.reader.send({ type: 'reader.added', reader: SIMULATED_READER });
  let previous = '';
  const subscription = kiosk.actor.subscribe((snapshot) => {
    const screen = toViewModel(snapshot).screen;
    if (screen === previous) return;
    previous = screen;
    if (screen === 'place-card') {
      queueMicrotask(() =>
        kiosk.reader.send({ type: 'card.inserted', reader: SIMULATED_READER, atr: ATR_HEX }),
      );
    } else if (screen === 'take-card') {
      queueMicrotask(() => kiosk.reader.send({ type: 'card.removed', reader: SIMULATED_READER }));
    }
  });
  return () => {
    subscription.unsubscribe();
    kiosk.slot.useOpener(undefined);
  };
}

/**
 * The same, sending device events to the session directly (no reader machine): kept for callers
 * written before `simulateReader`. Heartbeats then report the reader machine's view (absent) unless
 * the runtime was given `reader`.
 */
export function simulateReaderWithCard(
  actor: Actor<SessionMachine>,
  slot: CardSlot,
  cardPath: string,
): () => void {
  actor.send({ type: 'reader.ready' });
  let previous = '';
  const subscription = actor.subscribe((snapshot) => {
    const screen = toViewModel(snapshot).screen;
    if (screen === previous) return;
    previous = screen;
    if (screen === 'place-card') {
      slot.insert(new JpkiClient(new InProcessTransport(VirtualCard.fromFile(cardPath))));
      queueMicrotask(() => actor.send({ type: 'card.inserted' }));
    } else if (screen === 'take-card') {
      slot.remove();
      queueMicrotask(() => actor.send({ type: 'card.removed' }));
    }
  });
  return () => subscription.unsubscribe();
}
