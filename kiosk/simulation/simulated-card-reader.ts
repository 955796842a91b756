import type { Actor } from 'xstate';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import type { ReaderMachine } from '../../state-machines/reader';
import type { CardSlot } from '../runtime/card-slot';

/** The name the hand-moved reader reports. */
export const HAND_READER = 'Simulated reader (panel)';

/** Why the simulated reader refused a hand's move. */
export class SimulatedReaderError extends Error {
  override readonly name = 'SimulatedReaderError';
}

/** What the hand-moved reader needs of a kiosk runtime. */
export interface HandReaderKiosk {
  reader: Actor<ReaderMachine>;
  slot: CardSlot;
}

/**
 * A card reader moved by hand from the simulation panel: a person puts a virtual card file on it
 * and takes it off, at any moment of a session (including the wrong ones). It goes through the
 * reader machine like a real reader, so the session and the heartbeats see it; each card session
 * is a fresh one on the file, so counters and PINs persist across placements and processes.
 */
export class SimulatedCardReader {
  private cardOnReader: { label: string; path: string } | undefined;

  constructor(private readonly kiosk: HandReaderKiosk) {
    kiosk.slot.useOpener(() => {
      if (!this.cardOnReader) throw new SimulatedReaderError('no card on the reader');
      return new InProcessTransport(VirtualCard.fromFile(this.cardOnReader.path));
    });
    kiosk.reader.send({ type: 'reader.added', reader: HAND_READER });
  }

  /** The label of the card on the reader (the persona), if any. */
  get card(): string | undefined {
    return this.cardOnReader?.label;
  }

  /** Places the card `cardPath` on the reader. */
  insert(cardPath: string, label: string): void {
    if (this.cardOnReader) {
      throw new SimulatedReaderError(`a card (${this.cardOnReader.label}) is already on the reader`);
    }
    const atr = Buffer.from(VirtualCard.fromFile(cardPath).atr).toString('hex').toUpperCase();
    this.cardOnReader = { label, path: cardPath };
    this.kiosk.reader.send({ type: 'card.inserted', reader: HAND_READER, atr });
  }

  /** Takes the card off the reader. */
  remove(): void {
    if (!this.cardOnReader) throw new SimulatedReaderError('no card on the reader');
    this.cardOnReader = undefined;
    this.kiosk.reader.send({ type: 'card.removed', reader: HAND_READER });
  }

  /** Unplugs the reader: no card opener, the reader gone. */
  detach(): void {
    this.kiosk.slot.useOpener(undefined);
    this.kiosk.reader.send({ type: 'reader.removed', reader: HAND_READER });
  }
}
