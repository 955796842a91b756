import { CardError } from '../../hardware/card-error';
import type { JpkiClient } from '../../hardware/jpki/jpki-client';

/** The card session of the card now on the reader, if any: what the session actors talk to. */
export class CardSlot {
  private client: JpkiClient | undefined;

  /** A card was placed: its fresh card session. */
  insert(client: JpkiClient): void {
    this.client = client;
  }

  /** The card left the reader. */
  remove(): void {
    this.client = undefined;
  }

  get present(): boolean {
    return this.client !== undefined;
  }

  /** The current card session; throws `card-removed` when no card is on the reader. */
  current(): JpkiClient {
    if (!this.client) throw new CardError('card-removed', 'no card on the reader');
    return this.client;
  }
}
