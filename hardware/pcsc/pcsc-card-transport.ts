import { CardError } from '../card-error';
import type { CardTransport, TransmitOptions } from '../transport/card-transport';
import { SCARD_LEAVE_CARD, SCARD_RESET_CARD, type PcscReaderHandle } from './pcsclite-binding';
import {
  cardErrorFromPcsc,
  isAmbiguousCardFailure,
  isServiceLoss,
  parsePcscFailure,
  PcscCode,
} from './pcsc-errors';

/**
 * One card session on one reader, over pcsc-lite: the production `CardTransport`.
 *
 * Every transmit has a deadline, because vpcd (and a broken reader) may never answer: a mute card
 * hangs `SCardTransmit` for good. The binding runs each call on libuv's thread pool while holding a
 * per-reader lock, so a call that never returns also blocks every later call on that reader. After
 * a deadline the session is therefore poisoned: later transmits fail at once, and the card handle
 * is released only when the stuck call finally returns (the card is removed, or pcscd goes away).
 */

export interface PcscCardTransportOptions {
  /** Deadline of a transmit whose caller gives none. */
  defaultTimeoutMs?: number;
  /**
   * After a failure that could mean the card left (e.g. "not transacted"), how long to wait for
   * the reader to report the removal before calling it a plain transport fault. pcscd polls vpcd
   * readers every 400 ms.
   */
  removalGraceMs?: number;
}

export type PcscSessionState = 'open' | 'card-removed' | 'reader-unavailable' | 'poisoned' | 'closed';

/** The largest response pcsc-lite can return: an extended-length answer (64 KiB) plus SW1 SW2. */
const MAX_RESPONSE_LENGTH = 65_538;

export const DEFAULT_TRANSMIT_TIMEOUT_MS = 5_000;
const DEFAULT_REMOVAL_GRACE_MS = 1_000;

type Reject = (error: CardError) => void;

export class PcscCardTransport implements CardTransport {
  private sessionState: PcscSessionState = 'open';
  /** Settles when the binding has finished every call given to it so far. */
  private nativeQueue: Promise<void> = Promise.resolve();
  private nativeCallsInFlight = 0;
  private readonly pending = new Set<Reject>();
  private readonly removalWaiters = new Set<() => void>();
  private releasing: Promise<void> | undefined;
  private readonly defaultTimeoutMs: number;
  private readonly removalGraceMs: number;

  /** Use `PcscReaderSource.connect`; it owns the reader and tells the session about removal. */
  constructor(
    private readonly handle: PcscReaderHandle,
    readonly reader: string,
    readonly atr: Uint8Array,
    private readonly protocol: number,
    options: PcscCardTransportOptions = {},
    private readonly onReleased: (transport: PcscCardTransport) => void = () => {},
  ) {
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TRANSMIT_TIMEOUT_MS;
    this.removalGraceMs = options.removalGraceMs ?? DEFAULT_REMOVAL_GRACE_MS;
  }

  get state(): PcscSessionState {
    return this.sessionState;
  }

  /** True while a call is still running inside the binding (and holding the reader's lock). */
  get busy(): boolean {
    return this.nativeCallsInFlight > 0;
  }

  transmit(command: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    const unusable = this.unusableError();
    if (unusable) return Promise.reject(unusable);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError());
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;

    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(rejectNow);
        outcome();
      };
      const rejectNow: Reject = (error) => settle(() => reject(error));
      const onAbort = () => rejectNow(abortedError());
      const deadline = setTimeout(() => {
        // The card did not answer in time: nothing more can go through this reader until the stuck call returns.
        if (this.sessionState === 'open') this.sessionState = 'poisoned';
        rejectNow(
          new CardError('timeout', `the card did not answer within ${timeoutMs} ms`, {
            cause: { reader: this.reader, timeoutMs },
          }),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(rejectNow);

      this.enqueueNative((done) => {
        // Given up (aborted, timed out, card gone) while an earlier call was still running: send nothing.
        if (settled) return done();
        // The binding needs a Buffer; the copy may carry PIN bytes, so it is wiped once the call returns.
        const wire = Buffer.from(command);
        this.handle.transmit(wire, MAX_RESPONSE_LENGTH, this.protocol, (error, response) => {
          wire.fill(0);
          done();
          if (settled) return;
          clearTimeout(deadline);
          if (error) {
            void this.classifyFailure(error).then(rejectNow);
          } else if (response.length < 2) {
            // No status word. vpcd answers this way when the card's connection drops mid-command.
            void this.classifyShortResponse(response.length).then(rejectNow);
          } else {
            settle(() => resolve(new Uint8Array(response)));
          }
        });
      });
    });
  }

  /** Ends the session: resets the card (so no verified PIN outlives it) and releases the reader. */
  close(): Promise<void> {
    if (this.sessionState === 'open' || this.sessionState === 'poisoned') {
      const wasPoisoned = this.sessionState === 'poisoned';
      this.sessionState = 'closed';
      this.rejectPending(new CardError('aborted', 'the card session was closed'));
      const released = this.release(SCARD_RESET_CARD);
      // A stuck call would make the caller wait for as long as the card stays mute; release later instead.
      return wasPoisoned ? Promise.resolve() : released;
    }
    this.sessionState = 'closed';
    return this.releasing ?? this.release(SCARD_LEAVE_CARD);
  }

  /** Called by the reader source: the card left the reader. */
  markRemoved(): void {
    if (this.sessionState === 'closed' || this.sessionState === 'reader-unavailable') return;
    this.sessionState = 'card-removed';
    for (const wake of this.removalWaiters) wake();
    this.rejectPending(new CardError('card-removed', 'the card was removed from the reader'));
    void this.release(SCARD_LEAVE_CARD);
  }

  /** Called by the reader source: the reader or the PC/SC service is gone. */
  markReaderUnavailable(reason: string): void {
    if (this.sessionState === 'closed') return;
    this.sessionState = 'reader-unavailable';
    this.rejectPending(new CardError('reader-unavailable', `the reader is unavailable: ${reason}`));
    void this.release(SCARD_LEAVE_CARD);
  }

  /** Settles once no call is running inside the binding, or after `timeoutMs`; true when idle. */
  async whenIdle(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([this.nativeQueue, timedOut]);
    clearTimeout(timer);
    return !this.busy;
  }

  /** Settles once the binding has released the card handle (or given up trying). */
  whenReleased(): Promise<void> {
    return this.releasing ?? Promise.resolve();
  }

  private unusableError(): CardError | undefined {
    switch (this.sessionState) {
      case 'open':
        return undefined;
      case 'card-removed':
        return new CardError('card-removed', 'the card was removed from the reader');
      case 'reader-unavailable':
        return new CardError('reader-unavailable', 'the reader is unavailable');
      case 'poisoned':
        return new CardError(
          'transport',
          'the card stopped answering; this session cannot be used any more',
          {
            cause: { reader: this.reader, poisoned: true },
          },
        );
      case 'closed':
        return new CardError('transport', 'the card session is closed');
    }
  }

  private rejectPending(error: CardError): void {
    for (const reject of [...this.pending]) reject(error);
  }

  /** Runs binding calls one after another: the binding serialises them anyway, behind a lock. */
  private enqueueNative(call: (done: () => void) => void): Promise<void> {
    const run = this.nativeQueue.then(
      () =>
        new Promise<void>((done) => {
          this.nativeCallsInFlight += 1;
          call(() => {
            this.nativeCallsInFlight -= 1;
            done();
          });
        }),
    );
    this.nativeQueue = run;
    return run;
  }

  private release(disposition: number): Promise<void> {
    this.releasing ??= this.enqueueNative((done) => {
      this.handle.disconnect(disposition, () => done());
    }).then(() => this.onReleased(this));
    return this.releasing;
  }

  /** Turns a binding failure into the error the caller should see, asking the reader when in doubt. */
  private async classifyFailure(error: unknown): Promise<CardError> {
    const failure = parsePcscFailure(error, 'SCardTransmit');
    if (this.sessionState === 'card-removed' || failure.code === PcscCode.removedCard) {
      this.markRemoved();
      return cardErrorFromPcsc(failure, 'card-removed');
    }
    if (isServiceLoss(failure.code)) return cardErrorFromPcsc(failure, 'reader-unavailable');
    if (isAmbiguousCardFailure(failure.code) && (await this.removedWithin(this.removalGraceMs))) {
      return cardErrorFromPcsc(failure, 'card-removed');
    }
    return cardErrorFromPcsc(failure);
  }

  private async classifyShortResponse(length: number): Promise<CardError> {
    if (await this.removedWithin(this.removalGraceMs)) {
      return new CardError('card-removed', 'the card was removed from the reader during the command');
    }
    return new CardError('malformed-response', `the response has no status word (${length} bytes)`);
  }

  private removedWithin(ms: number): Promise<boolean> {
    if (this.sessionState === 'card-removed') return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.removalWaiters.delete(wake);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.removalWaiters.delete(wake);
        resolve(false);
      }, ms);
      this.removalWaiters.add(wake);
    });
  }
}

function abortedError(): CardError {
  return new CardError('aborted', 'the transmit was aborted');
}
