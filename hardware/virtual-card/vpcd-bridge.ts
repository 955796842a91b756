import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { SmartCard } from './smart-card';

/**
 * Attaches a card to vpcd, the PC/SC reader driver of vsmartcard. vpcd listens; the card connects.
 * Every message, both ways, is a 2-byte big-endian length followed by the payload. One-byte
 * messages from vpcd are control messages (power off/on, reset, get ATR); longer ones are APDUs,
 * answered with the card's response. Closing the connection is taking the card out of the reader.
 */

/** What the bridge needs from a card. A `SmartCard` fits; a test double may answer asynchronously. */
export interface VpcdCard {
  readonly atr: Uint8Array;
  powerOn(): void;
  powerOff(): void;
  reset(): void;
  process(command: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

export const VpcdControl = { powerOff: 0x00, powerOn: 0x01, reset: 0x02, getAtr: 0x04 } as const;

export interface VpcdBridgeOptions {
  host: string;
  port: number;
  /** First delay before reconnecting after vpcd went away (doubles up to `maxReconnectDelayMs`). */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** Receives connection changes and faults; never APDU data. */
  log?: (message: string) => void;
}

export type VpcdBridgeState = 'idle' | 'connecting' | 'connected' | 'stopped';

export interface VpcdBridgeEvents {
  connected: [];
  disconnected: [reason: string];
}

/** Status word a card that threw from `process` answers with: "no precise diagnosis". */
const SW_NO_PRECISE_DIAGNOSIS = Uint8Array.from([0x6f, 0x00]);

/** Splits a byte stream into length-prefixed frames. */
export class VpcdFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds received bytes and returns every frame they complete. */
  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const frames: Buffer[] = [];
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) break;
      frames.push(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
    }
    return frames;
  }
}

/** Prefixes a payload with its 2-byte big-endian length. */
export function encodeVpcdFrame(payload: Uint8Array): Buffer {
  if (payload.length > 0xffff) throw new RangeError(`vpcd frame too long: ${payload.length} bytes`);
  const frame = Buffer.alloc(2 + payload.length);
  frame.writeUInt16BE(payload.length, 0);
  frame.set(payload, 2);
  return frame;
}

export class VpcdBridge extends EventEmitter<VpcdBridgeEvents> {
  private socket: Socket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelay: number;
  private currentState: VpcdBridgeState = 'idle';
  /** Frames are answered strictly in order, even when the card answers asynchronously. */
  private queue: Promise<void> = Promise.resolve();
  private readonly log: (message: string) => void;

  constructor(
    private readonly card: VpcdCard | SmartCard,
    private readonly options: VpcdBridgeOptions,
  ) {
    super();
    this.reconnectDelay = options.reconnectDelayMs ?? 100;
    this.log = options.log ?? (() => {});
  }

  get state(): VpcdBridgeState {
    return this.currentState;
  }

  get endpoint(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  /** Starts connecting to vpcd, and keeps reconnecting whenever vpcd goes away, until `disconnect()`. */
  connect(): void {
    if (this.currentState !== 'idle') return;
    this.openSocket();
  }

  /** Resolves once attached to vpcd; rejects after `timeoutMs`. */
  waitUntilConnected(timeoutMs = 10_000): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connected', onConnected);
        reject(new Error(`vpcd at ${this.endpoint} did not accept the card within ${timeoutMs} ms`));
      }, timeoutMs);
      const onConnected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.once('connected', onConnected);
    });
  }

  /** Takes the card out of the reader: closes the connection and stops reconnecting. */
  async disconnect(): Promise<void> {
    if (this.currentState === 'stopped') return;
    this.currentState = 'stopped';
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    this.card.powerOff();
  }

  private openSocket(): void {
    this.currentState = 'connecting';
    const socket = new Socket();
    this.socket = socket;
    const frames = new VpcdFrameReader();
    let attached = false;

    socket.setNoDelay(true);
    socket.on('connect', () => {
      attached = true;
      this.currentState = 'connected';
      this.reconnectDelay = this.options.reconnectDelayMs ?? 100;
      this.log(`attached to vpcd at ${this.endpoint}`);
      this.emit('connected');
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) {
        this.queue = this.queue.then(() => this.answer(socket, frame));
      }
    });
    // 'close' always follows 'error'; the reason is reported there.
    let failure = '';
    socket.on('error', (error: NodeJS.ErrnoException) => {
      failure = error.code ?? error.message;
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (attached) {
        // vpcd went away (pcscd stopped or restarted): the card lost power.
        this.card.powerOff();
        this.log(`vpcd at ${this.endpoint} closed the connection${failure ? ` (${failure})` : ''}`);
        this.emit('disconnected', failure || 'closed by vpcd');
      }
      if (this.currentState === 'stopped') return;
      this.currentState = 'connecting';
      this.scheduleReconnect();
    });
    socket.connect({ host: this.options.host, port: this.options.port });
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(delay * 2, this.options.maxReconnectDelayMs ?? 1_000);
    this.reconnectTimer = setTimeout(() => {
      if (this.currentState !== 'stopped') this.openSocket();
    }, delay);
  }

  private async answer(socket: Socket, frame: Buffer): Promise<void> {
    const reply = await this.handle(frame);
    if (reply && this.socket === socket && !socket.destroyed) socket.write(encodeVpcdFrame(reply));
  }

  /** Returns the payload to send back, or undefined for messages vpcd expects no answer to. */
  private async handle(frame: Buffer): Promise<Uint8Array | undefined> {
    if (frame.length === 1) {
      switch (frame[0]) {
        case VpcdControl.powerOff:
          this.card.powerOff();
          return undefined;
        case VpcdControl.powerOn:
          this.card.powerOn();
          return undefined;
        case VpcdControl.reset:
          this.card.reset();
          return undefined;
        case VpcdControl.getAtr:
          return this.card.atr;
        default:
          this.log(`ignoring unknown vpcd control message 0x${frame[0]?.toString(16).padStart(2, '0')}`);
          return undefined;
      }
    }
    if (frame.length === 0) return undefined;
    try {
      return await this.card.process(new Uint8Array(frame));
    } catch (error) {
      // A card never fails to answer; report the fault (not the APDU) and answer like a card would.
      this.log(`card failed to process a command: ${(error as Error).message}`);
      return SW_NO_PRECISE_DIAGNOSIS;
    }
  }
}
