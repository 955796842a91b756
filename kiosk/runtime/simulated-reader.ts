import type { Actor } from 'xstate';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { type SessionMachine, toViewModel } from '../../state-machines/session';
import type { CardSlot } from './card-slot';

/**
 * A reader simulated with one virtual card file that the customer always has at hand: the card is
 * placed whenever the machine asks for it and taken as soon as it asks for it back. For demos and
 * UI work without a reader (`--card FILE`). Each placement is a fresh card session on the file.
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
