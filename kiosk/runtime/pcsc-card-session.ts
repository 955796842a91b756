import { CardError } from '../../hardware/card-error';
import type { PcscCardTransport } from '../../hardware/pcsc/pcsc-card-transport';
import type { ConnectOptions } from '../../hardware/pcsc/pcsc-reader-source';
import type { CardTransport, TransmitOptions } from '../../hardware/transport/card-transport';

/** What a card session needs of the PC/SC reader source. */
export interface PcscConnector {
  connect(reader: string, options?: ConnectOptions): Promise<PcscCardTransport>;
}

/**
 * The card session with the card on one PC/SC reader, connected on its first command: the slot can
 * hold it the moment the card is reported, before any I/O, and a connect that fails (card pulled,
 * aborted) is tried again by the next command. Closing resets the card (PcscCardTransport.close).
 */
export class PcscCardSession implements CardTransport {
  readonly atr: Uint8Array;
  private session: Promise<PcscCardTransport> | undefined;
  private closed = false;

  constructor(
    private readonly source: PcscConnector,
    readonly reader: string,
    atrHex: string,
  ) {
    this.atr = new Uint8Array(Buffer.from(atrHex, 'hex'));
  }

  async transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    const transport = await this.connected(options.signal);
    return transport.transmit(command, options);
  }

  /** Ends the session (card reset), now or as soon as a pending connect finishes. */
  async close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    const transport = await session?.catch(() => undefined);
    await transport?.close();
  }

  private connected(signal: AbortSignal | undefined): Promise<PcscCardTransport> {
    if (this.closed) return Promise.reject(new CardError('card-removed', 'the card session was closed'));
    if (!this.session) {
      const attempt = this.source.connect(this.reader, signal ? { signal } : {});
      this.session = attempt;
      attempt.catch(() => {
        if (this.session === attempt) this.session = undefined;
      });
    }
    return this.session;
  }
}
