import { CardError } from '../card-error';
import type { SmartCard } from '../virtual-card/smart-card';
import type { CardTransport, TransmitOptions } from './card-transport';

/**
 * A `CardTransport` straight to a `SmartCard` in the same process: the fast path for tests and
 * demos. Test controls simulate what readers do to a client: `remove()` takes the card away,
 * `mute()` makes it stop answering (deadlines then fire), and every transmit honours its
 * AbortSignal. Answers arrive asynchronously, as from a reader.
 */

export interface InProcessTransportOptions {
  /** Deadline of a transmit whose caller gives none. */
  defaultTimeoutMs?: number;
}

export const DEFAULT_IN_PROCESS_TIMEOUT_MS = 5_000;

/**
 * A transmit whose answer is not there yet (shared by the simulated transports): it settles once,
 * with the answer, or with `timeout` at the deadline, `aborted` when the signal fires, or whatever
 * error the transport fails it with (e.g. `card-removed`).
 */
export class PendingAnswer {
  readonly promise: Promise<Uint8Array>;
  private resolveFn: (response: Uint8Array) => void = () => {};
  private rejectFn: (error: CardError) => void = () => {};
  private timer: ReturnType<typeof setTimeout> | undefined;
  private done = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.fail(new CardError('aborted', 'the card exchange was cancelled'));

  constructor(
    options: TransmitOptions,
    defaultTimeoutMs: number,
    private readonly onSettled: (pending: PendingAnswer) => void = () => {},
  ) {
    this.promise = new Promise<Uint8Array>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    this.signal = options.signal;
    if (this.signal?.aborted) {
      this.onAbort();
      return;
    }
    const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.timer = setTimeout(
      () => this.fail(new CardError('timeout', `the card did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get settled(): boolean {
    return this.done;
  }

  answer(response: Uint8Array): void {
    if (this.settle()) this.resolveFn(response);
  }

  fail(error: CardError): void {
    if (this.settle()) this.rejectFn(error);
  }

  private settle(): boolean {
    if (this.done) return false;
    this.done = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.onSettled(this);
    return true;
  }
}

export class InProcessTransport implements CardTransport {
  private present = true;
  private muted = false;
  /** Commands waiting for an answer, each with the transport's own copy (wiped once settled: it may carry a PIN). */
  private readonly held = new Map<PendingAnswer, Uint8Array>();
  private readonly defaultTimeoutMs: number;

  constructor(
    private readonly card: SmartCard,
    options: InProcessTransportOptions = {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_IN_PROCESS_TIMEOUT_MS;
    card.powerOn();
  }

  get atr(): Uint8Array {
    return this.card.atr;
  }

  /** True while the card is in the reader. */
  get cardPresent(): boolean {
    return this.present;
  }

  transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    if (!this.present) return Promise.reject(removedError());
    const pending = new PendingAnswer(options, this.defaultTimeoutMs, (settled) => {
      this.held.get(settled)?.fill(0);
      this.held.delete(settled);
    });
    if (!pending.settled) {
      this.held.set(pending, Uint8Array.from(command));
      // Answer on a later turn, like a reader: a removal or abort in between still wins.
      if (!this.muted) queueMicrotask(() => this.answer(pending));
    }
    return pending.promise;
  }

  /** Takes the card out: pending and later transmits reject with `card-removed`; the card loses power. */
  remove(): void {
    if (!this.present) return;
    this.present = false;
    this.card.powerOff();
    for (const pending of [...this.held.keys()]) pending.fail(removedError());
  }

  /** Puts the card back (powered up, session state fresh). */
  insert(): void {
    if (this.present) return;
    this.present = true;
    this.card.powerOn();
  }

  /** The card stops answering: commands wait until their deadline (or `unmute`). */
  mute(): void {
    this.muted = true;
  }

  /** The card answers again, including commands still waiting. */
  unmute(): void {
    this.muted = false;
    for (const pending of [...this.held.keys()]) queueMicrotask(() => this.answer(pending));
  }

  private answer(pending: PendingAnswer): void {
    const command = this.held.get(pending);
    if (!command || this.muted || !this.present) return;
    pending.answer(this.card.process(command));
  }
}

function removedError(): CardError {
  return new CardError('card-removed', 'the card was removed from the reader');
}
