import { CardError } from '../card-error';
import type { ReaderEvent } from '../transport/card-transport';
import { PcscCardTransport, type PcscCardTransportOptions } from './pcsc-card-transport';
import {
  loadPcscLite,
  SCARD_PROTOCOL_T1,
  SCARD_SHARE_SHARED,
  SCARD_STATE_MUTE,
  SCARD_STATE_PRESENT,
  type CreatePcscContext,
  type PcscContextHandle,
  type PcscReaderHandle,
  type PcscReaderStatus,
} from './pcsclite-binding';
import { cardErrorFromPcsc, isServiceLoss, parsePcscFailure, PcscCode } from './pcsc-errors';
import { isPcscdReachable } from './pcscd-probe';

/**
 * The production reader adapter: a thin evented façade over pcsclite, in the manner of nfc-pcsc.
 * It reports readers and cards as `ReaderEvent`s and opens card sessions (`PcscCardTransport`).
 *
 * What field-proven eID clients do, and this does too: connect in shared mode with T=1;
 * disconnect when the card leaves; when pcscd stops or restarts, drop the whole context (the
 * binding's context is dead for good), report the service unavailable, and build a new context
 * once pcscd answers again — checking its socket first, because the binding's constructor spins
 * on the main thread while pcscd is down. Every reader is closed before its context, or the
 * process never exits.
 */

/** Pino-compatible; the adapter logs reader and service changes, never APDU data. */
export interface PcscLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface PcscReaderSourceOptions {
  /** Only readers whose name passes are reported and may be connected. */
  readerFilter?: (name: string) => boolean;
  /** How often to look for pcscd while it is unavailable. */
  retryIntervalMs?: number;
  /** Deadline of `connect` when the caller gives none. */
  connectTimeoutMs?: number;
  transport?: PcscCardTransportOptions;
  /** How long closing waits for calls still running inside the binding before leaving a reader open. */
  closeWaitMs?: number;
  logger?: PcscLogger;
  /** Seams for tests: the binding and the pcscd probe. */
  createContext?: CreatePcscContext;
  isServiceReachable?: () => Promise<boolean>;
}

export interface ReaderSnapshot {
  name: string;
  cardPresent: boolean;
  /** Uppercase hex, while a card is present. */
  atr?: string;
}

export interface ConnectOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface ReaderEntry {
  readonly name: string;
  readonly handle: PcscReaderHandle;
  readonly visible: boolean;
  cardPresent: boolean;
  atr: Buffer | undefined;
  transport: PcscCardTransport | undefined;
  /** A connect that passed its deadline still holds the reader's lock inside the binding. */
  stuck: boolean;
  gone: boolean;
}

interface Context {
  readonly handle: PcscContextHandle;
  readonly readers: Map<string, ReaderEntry>;
  /** Every reader the binding created, visible or not: all must be closed before the context. */
  readonly handles: Set<PcscReaderHandle>;
}

type ServiceState = 'unknown' | 'available' | 'unavailable';

/** How long closing waits for calls still running inside the binding. */
const CLOSE_WAIT_MS = 1_000;
const silentLogger: PcscLogger = { info() {}, warn() {} };
const ignore = () => {};

/** Applies one status report to what we know of a reader; returns the events it means. */
export function presenceEvents(
  entry: Pick<ReaderEntry, 'name' | 'cardPresent' | 'atr'>,
  status: PcscReaderStatus,
): ReaderEvent[] {
  const present = (status.state & SCARD_STATE_PRESENT) !== 0 && (status.state & SCARD_STATE_MUTE) === 0;
  const atr = present ? (status.atr ?? Buffer.alloc(0)) : undefined;
  const events: ReaderEvent[] = [];
  if (entry.cardPresent && (!present || !atr?.equals(entry.atr ?? Buffer.alloc(0)))) {
    events.push({ type: 'card.removed', reader: entry.name });
  }
  if (present && atr && (!entry.cardPresent || !atr.equals(entry.atr ?? Buffer.alloc(0)))) {
    events.push({ type: 'card.inserted', reader: entry.name, atr: atr.toString('hex').toUpperCase() });
  }
  return events;
}

export class PcscReaderSource {
  private readonly listeners = new Set<(event: ReaderEvent) => void>();
  private readonly options: PcscReaderSourceOptions;
  private readonly logger: PcscLogger;
  private createContext: CreatePcscContext | undefined;
  private context: Context | undefined;
  private service: ServiceState = 'unknown';
  private running = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private wakeRetry: (() => void) | undefined;

  constructor(options: PcscReaderSourceOptions = {}) {
    this.options = options;
    this.logger = options.logger ?? silentLogger;
    this.createContext = options.createContext;
  }

  /** Starts watching pcscd and its readers; events flow to subscribers from now on. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.establish();
  }

  /** Receives every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: ReaderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get serviceAvailable(): boolean {
    return this.service === 'available';
  }

  /** The readers known now, with their cards. */
  readers(): ReaderSnapshot[] {
    return [...(this.context?.readers.values() ?? [])]
      .filter((entry) => entry.visible)
      .map((entry) => ({
        name: entry.name,
        cardPresent: entry.cardPresent,
        ...(entry.cardPresent && entry.atr ? { atr: entry.atr.toString('hex').toUpperCase() } : {}),
      }));
  }

  /** Opens a session with the card in `reader`: shared mode, T=1. */
  async connect(reader: string, options: ConnectOptions = {}): Promise<PcscCardTransport> {
    const context = this.context;
    if (!context) throw new CardError('reader-unavailable', 'the PC/SC service is unavailable');
    const entry = context.readers.get(reader);
    if (!entry?.visible || entry.gone)
      throw new CardError('reader-unavailable', `no reader named "${reader}"`);
    if (entry.stuck) throw new CardError('transport', `reader "${reader}" is stuck on an earlier command`);
    if (!entry.cardPresent || !entry.atr)
      throw new CardError('card-removed', `no card in reader "${reader}"`);
    if (entry.transport) {
      if (entry.transport.state === 'open' || entry.transport.busy) {
        throw new CardError('transport', `reader "${reader}" already has an open card session`);
      }
      await entry.transport.whenReleased();
    }
    // The binding skips connecting when its flag says connected (left over from a failed disconnect).
    entry.handle.connected = false;
    const atr = new Uint8Array(entry.atr);
    const protocol = await this.connectHandle(entry, options);
    if (this.context !== context || entry.gone)
      throw new CardError('reader-unavailable', 'the reader went away');
    const transport = new PcscCardTransport(
      entry.handle,
      reader,
      atr,
      protocol,
      this.options.transport,
      (released) => {
        if (entry.transport === released) entry.transport = undefined;
      },
    );
    entry.transport = transport;
    if (!entry.cardPresent) transport.markRemoved();
    return transport;
  }

  /** Stops watching: closes every session, every reader, then the context. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    const context = this.context;
    this.context = undefined;
    if (!context) return;
    const transports = [...context.readers.values()].flatMap((entry) =>
      entry.transport ? [entry.transport] : [],
    );
    await Promise.all(transports.map((transport) => transport.close()));
    await this.closeContext(context);
  }

  private emit(event: ReaderEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn({ err: error, event: event.type }, 'reader event listener failed');
      }
    }
  }

  private async establish(): Promise<void> {
    while (this.running && !this.context) {
      const reachable = await (this.options.isServiceReachable ?? isPcscdReachable)();
      if (!this.running) return;
      let reason = 'pcscd is not running';
      if (reachable) {
        try {
          this.openContext();
          return;
        } catch (error) {
          reason = parsePcscFailure(error, 'SCardEstablishContext').message;
        }
      }
      this.setService('unavailable', reason);
      await this.pause(this.options.retryIntervalMs ?? 500);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, ms);
    });
  }

  private openContext(): void {
    this.createContext ??= loadPcscLite();
    const handle = this.createContext();
    const context: Context = { handle, readers: new Map(), handles: new Set() };
    this.context = context;
    handle.on('error', (error) => this.onContextError(context, error));
    handle.on('reader', (reader) => this.onReader(context, reader));
    this.setService('available');
  }

  private setService(state: 'available' | 'unavailable', reason = ''): void {
    if (this.service === state) return;
    this.service = state;
    if (state === 'available') {
      this.logger.info({}, 'PC/SC service available');
      this.emit({ type: 'service.available' });
    } else {
      this.logger.warn({ reason }, 'PC/SC service unavailable');
      this.emit({ type: 'service.unavailable', reason });
    }
  }

  private onContextError(context: Context, error: unknown): void {
    if (this.context !== context) return;
    // The binding's reader monitor stops after any error: this context is done for.
    const failure = parsePcscFailure(error, 'SCardGetStatusChange');
    this.loseContext(context, `${failure.operation}: ${failure.codeName}`);
  }

  private loseContext(context: Context, reason: string): void {
    if (this.context !== context) return;
    this.context = undefined;
    this.setService('unavailable', reason);
    for (const entry of context.readers.values()) this.dropReader(entry, reason);
    void this.recover(context);
  }

  /** Closes the dead context, then looks for pcscd again. */
  private async recover(context: Context): Promise<void> {
    // Leave the binding's callback that brought the news before closing anything.
    await new Promise((resolve) => setImmediate(resolve));
    await this.closeContext(context);
    if (!this.running) return;
    // pcscd may still be on its way out: give it a moment before probing for the next one.
    await this.pause(this.options.retryIntervalMs ?? 500);
    await this.establish();
  }

  private async closeContext(context: Context): Promise<void> {
    const entries = [...context.readers.values()];
    // Closing a reader takes its lock, which a call running inside the binding holds: let calls
    // finish first (after pcscd died they fail at once). A mute card keeps its call, and its reader.
    const idle = await Promise.all(
      entries.map((entry) => entry.transport?.whenIdle(this.options.closeWaitMs ?? CLOSE_WAIT_MS) ?? true),
    );
    const busy = new Set(
      entries.filter((entry, index) => entry.stuck || !idle[index]).map((entry) => entry.handle),
    );
    for (const handle of context.handles) {
      if (busy.has(handle)) {
        this.logger.warn({ reader: handle.name }, 'reader left open: a card command is stuck in it');
        continue;
      }
      handle.close();
    }
    context.handle.close();
  }

  private onReader(context: Context, handle: PcscReaderHandle): void {
    handle.on('error', ignore);
    context.handles.add(handle);
    if (this.context !== context) {
      setImmediate(() => handle.close());
      return;
    }
    const entry: ReaderEntry = {
      name: handle.name,
      handle,
      visible: this.options.readerFilter?.(handle.name) ?? true,
      cardPresent: false,
      atr: undefined,
      transport: undefined,
      stuck: false,
      gone: false,
    };
    context.readers.set(entry.name, entry);
    handle.on('status', (status) => this.onStatus(context, entry, status));
    handle.on('error', (error) => this.onReaderError(context, entry, error));
    handle.on('end', () => this.onReaderEnd(context, entry));
    if (entry.visible) {
      this.logger.info({ reader: entry.name }, 'reader added');
      this.emit({ type: 'reader.added', reader: entry.name });
    }
  }

  private onStatus(context: Context, entry: ReaderEntry, status: PcscReaderStatus): void {
    if (this.context !== context || entry.gone) return;
    for (const event of presenceEvents(entry, status)) {
      if (event.type === 'card.removed') {
        entry.cardPresent = false;
        entry.atr = undefined;
        entry.transport?.markRemoved();
      } else if (event.type === 'card.inserted') {
        entry.cardPresent = true;
        entry.atr = Buffer.from(status.atr ?? []);
      }
      if (entry.visible) {
        this.logger.info(
          { reader: entry.name },
          event.type === 'card.inserted' ? 'card inserted' : 'card removed',
        );
        this.emit(event);
      }
    }
  }

  private onReaderError(context: Context, entry: ReaderEntry, error: unknown): void {
    if (this.context !== context) return;
    const failure = parsePcscFailure(error, 'SCardGetStatusChange');
    if (isServiceLoss(failure.code)) {
      this.loseContext(context, `${failure.operation}: ${failure.codeName}`);
      return;
    }
    this.logger.warn({ reader: entry.name, code: failure.codeName }, 'reader monitor failed');
  }

  /** The binding stops a reader's monitor when the reader disappears (or after an error). */
  private onReaderEnd(context: Context, entry: ReaderEntry): void {
    context.handles.delete(entry.handle);
    if (this.context !== context || entry.gone) return;
    context.readers.delete(entry.name);
    this.dropReader(entry, 'reader removed');
  }

  private dropReader(entry: ReaderEntry, reason: string): void {
    if (entry.gone) return;
    entry.gone = true;
    entry.transport?.markReaderUnavailable(reason);
    if (!entry.visible) return;
    if (entry.cardPresent) this.emit({ type: 'card.removed', reader: entry.name });
    entry.cardPresent = false;
    this.logger.info({ reader: entry.name, reason }, 'reader removed');
    this.emit({ type: 'reader.removed', reader: entry.name });
  }

  private connectHandle(entry: ReaderEntry, options: ConnectOptions): Promise<number> {
    const timeoutMs = options.timeoutMs ?? this.options.connectTimeoutMs ?? 5_000;
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new CardError('aborted', 'connect was aborted'));
    return new Promise<number>((resolve, reject) => {
      let settled = false;
      const finish = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        signal?.removeEventListener('abort', onAbort);
        outcome();
      };
      const onAbort = () => finish(() => reject(new CardError('aborted', 'connect was aborted')));
      const deadline = setTimeout(() => {
        entry.stuck = true;
        finish(() =>
          reject(
            new CardError('timeout', `the card in "${entry.name}" did not answer within ${timeoutMs} ms`),
          ),
        );
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      entry.handle.connect(
        { share_mode: SCARD_SHARE_SHARED, protocol: SCARD_PROTOCOL_T1 },
        (error, protocol) => {
          entry.stuck = false;
          if (settled) {
            // Nobody waits for this session any more: give the card back.
            if (!error) entry.handle.disconnect(0, ignore);
            return;
          }
          if (!error) return finish(() => resolve(protocol));
          const failure = parsePcscFailure(error, 'SCardConnect');
          finish(() => reject(cardErrorFromPcsc(failure, connectErrorKind(failure.code))));
        },
      );
    });
  }
}

function connectErrorKind(code: number | undefined) {
  switch (code) {
    // A My Number Card speaks T=1; a card that cannot is something else.
    case PcscCode.protoMismatch:
      return 'not-jpki' as const;
    case PcscCode.noSmartcard:
    case PcscCode.removedCard:
      return 'card-removed' as const;
    default:
      return isServiceLoss(code) ? ('reader-unavailable' as const) : ('transport' as const);
  }
}
