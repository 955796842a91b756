import { EventEmitter } from 'node:events';
import type { PcscCallback, PcscContextHandle, PcscReaderHandle } from '../pcsclite-binding';
import { SCARD_STATE_EMPTY, SCARD_STATE_MUTE, SCARD_STATE_PRESENT } from '../pcsclite-binding';

/**
 * A stand-in for `@pokusew/pcsclite` in unit tests: readers, cards and failures on command, and a
 * journal of what the adapter asked for (in order), so tests can check e.g. that every reader was
 * closed before its context. Answers come on a later tick, as the real binding's do.
 */

/** What a fake card does with one transmit: answer, fail with a PC/SC code, or never answer. */
export type FakeTransmitOutcome = { response: Uint8Array } | { pcscCode: number } | 'never';

export function pcscError(operation: string, code: number): Error {
  return new Error(`${operation} error: fake failure.(0x${code.toString(16).padStart(8, '0')})`);
}

export class FakeReader extends EventEmitter implements PcscReaderHandle {
  connected = false;
  closed = false;
  /** Decides each transmit; by default the card answers 90 00. */
  onTransmit: (command: Buffer) => FakeTransmitOutcome = () => ({ response: Uint8Array.from([0x90, 0x00]) });
  connectFailure: number | undefined;
  connectOptions: { share_mode: number; protocol: number } | undefined;
  readonly disconnects: number[] = [];
  readonly commands: Buffer[] = [];
  private readonly stalled: Array<(code: number) => void> = [];

  constructor(
    readonly name: string,
    private readonly journal: string[],
  ) {
    super();
  }

  insertCard(atr: Uint8Array, extraState = 0): void {
    this.emit('status', { state: SCARD_STATE_PRESENT | extraState, atr: Buffer.from(atr) });
  }

  insertMuteCard(): void {
    this.emit('status', { state: SCARD_STATE_PRESENT | SCARD_STATE_MUTE, atr: Buffer.alloc(0) });
  }

  removeCard(): void {
    this.emit('status', { state: SCARD_STATE_EMPTY });
  }

  /** Completes the transmits that were told to never answer, with the given PC/SC failure. */
  failStalled(code: number): void {
    for (const fail of this.stalled.splice(0)) fail(code);
  }

  connect(options: { share_mode: number; protocol: number }, callback: PcscCallback<number>): void {
    this.connectOptions = options;
    this.journal.push(`connect ${this.name}`);
    setImmediate(() => {
      if (this.connectFailure !== undefined)
        return callback(pcscError('SCardConnect', this.connectFailure), 0);
      this.connected = true;
      callback(null, options.protocol);
    });
  }

  disconnect(disposition: number, callback: (error: unknown) => void): void {
    this.disconnects.push(disposition);
    this.journal.push(`disconnect ${this.name}`);
    setImmediate(() => {
      this.connected = false;
      callback(null);
    });
  }

  transmit(data: Buffer, _responseLength: number, _protocol: number, callback: PcscCallback<Buffer>): void {
    this.commands.push(Buffer.from(data));
    const outcome = this.onTransmit(data);
    if (outcome === 'never') {
      this.stalled.push((code) =>
        setImmediate(() => callback(pcscError('SCardTransmit', code), Buffer.alloc(0))),
      );
      return;
    }
    setImmediate(() => {
      if ('pcscCode' in outcome) callback(pcscError('SCardTransmit', outcome.pcscCode), Buffer.alloc(0));
      else callback(null, Buffer.from(outcome.response));
    });
  }

  close(): void {
    this.closed = true;
    this.journal.push(`close reader ${this.name}`);
    setImmediate(() => this.emit('end'));
  }
}

export class FakePcscContext extends EventEmitter implements PcscContextHandle {
  closed = false;
  readonly readers = new Map<string, FakeReader>();

  constructor(private readonly journal: string[]) {
    super();
  }

  addReader(name: string): FakeReader {
    const reader = new FakeReader(name, this.journal);
    this.readers.set(name, reader);
    this.emit('reader', reader);
    return reader;
  }

  /** The reader was unplugged: the binding ends its monitor. */
  unplug(name: string): void {
    const reader = this.readers.get(name);
    this.readers.delete(name);
    reader?.emit('end');
  }

  /** pcscd went away: every monitor reports the failure, as the binding does. */
  loseService(code: number): void {
    for (const reader of this.readers.values()) {
      reader.emit('error', pcscError('SCardGetStatusChange', code));
      reader.emit('end');
    }
    this.emit('error', pcscError('SCardGetStatusChange', code));
  }

  close(): void {
    this.closed = true;
    this.journal.push('close context');
  }
}

/** A factory the reader source can call; keeps every context it made. */
export class FakePcscLite {
  readonly contexts: FakePcscContext[] = [];
  readonly journal: string[] = [];

  readonly create = (): FakePcscContext => {
    const context = new FakePcscContext(this.journal);
    this.contexts.push(context);
    return context;
  };

  get current(): FakePcscContext {
    const context = this.contexts.at(-1);
    if (!context) throw new Error('no PC/SC context was created');
    return context;
  }
}
