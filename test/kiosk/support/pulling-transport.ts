import { CardError } from '../../../hardware/card-error';
import type { CardTransport, TransmitOptions } from '../../../hardware/transport/card-transport';
import type { InProcessTransport } from '../../../hardware/transport/in-process-transport';

/** Counts APDUs and takes the card out just before number `pullAt` (never, when undefined). */
export class PullingTransport implements CardTransport {
  sent = 0;
  pulled = false;
  constructor(
    private readonly inner: InProcessTransport,
    private readonly pullAt: number | ((command: Uint8Array) => boolean) | undefined,
  ) {}
  get atr(): Uint8Array {
    return this.inner.atr;
  }
  transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array> {
    this.sent += 1;
    const pull = typeof this.pullAt === 'function' ? this.pullAt(command) : this.sent === this.pullAt;
    if (pull && !this.pulled) {
      this.pulled = true;
      this.inner.remove();
      return Promise.reject(new CardError('card-removed', 'pulled'));
    }
    return this.inner.transmit(command, options);
  }
}
