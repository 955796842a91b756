import { CardError } from '../../hardware/card-error';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import type { CardTransport } from '../../hardware/transport/card-transport';

/** A card transport the slot can end (PC/SC sessions reset the card on close). */
export type ClosableTransport = CardTransport & { close?(): Promise<void> | void };

/** Opens the transport to the card now on `reader` (the card source's way of talking to it). */
export type CardOpener = (reader: string, atr: string) => ClosableTransport;

/**
 * The card on the reader and the card session the session actors talk to. A card source either
 * puts a ready client in (`insert`), or sets an opener and reports arrivals (`cardArrived`). Ending
 * a card session closes its transport, so no verified PIN outlives the customer session.
 */
export class CardSlot {
  private client: JpkiClient | undefined;
  private transport: ClosableTransport | undefined;
  private opener: CardOpener | undefined;
  private card: { reader: string; atr: string } | undefined;

  /** How cards reported by `cardArrived` are opened. */
  useOpener(opener: CardOpener | undefined): void {
    this.opener = opener;
  }

  /** A card was placed: its fresh card session. */
  insert(client: JpkiClient, transport?: ClosableTransport): void {
    this.end();
    this.client = client;
    this.transport = transport;
  }

  /** A card source reported a card on `reader`: opens a fresh session with the opener (if any). */
  cardArrived(reader: string, atr: string): void {
    this.card = { reader, atr };
    if (!this.opener) return;
    const transport = this.opener(reader, atr);
    this.insert(new JpkiClient(transport), transport);
  }

  /** The card left the reader. */
  remove(): void {
    this.card = undefined;
    this.end();
  }

  /**
   * Ends the card session and, when the card is still there, opens a fresh one: between customer
   * sessions the card is reset, so nothing verified in one session carries over to the next.
   */
  renew(): void {
    const card = this.card;
    if (!card || !this.opener) return;
    this.cardArrived(card.reader, card.atr);
  }

  get present(): boolean {
    return this.client !== undefined;
  }

  /** The current card session; throws `card-removed` when no card is on the reader. */
  current(): JpkiClient {
    if (!this.client) throw new CardError('card-removed', 'no card on the reader');
    return this.client;
  }

  private end(): void {
    const transport = this.transport;
    this.client = undefined;
    this.transport = undefined;
    // Closing resets the card; a failure there changes nothing for the next session.
    if (transport?.close) void Promise.resolve(transport.close()).catch(() => undefined);
  }
}
