import { createRequire } from 'node:module';

/**
 * The part of `@pokusew/pcsclite` the adapter uses, typed narrowly so unit tests can stand in a
 * fake. Constants are pcsc-lite's (`PCSC/pcsclite.h`); they are the same on every platform the
 * binding supports.
 */

export interface PcscReaderStatus {
  state: number;
  atr?: Buffer;
}

export type PcscCallback<T> = (error: unknown, value: T) => void;

/** One reader (`CardReader` in the binding). Its calls hold a per-reader lock while pcscd works. */
export interface PcscReaderHandle {
  readonly name: string;
  /** The binding's own flag; `connect` is a silent no-op while it is true. */
  connected: boolean;
  on(event: 'status', listener: (status: PcscReaderStatus) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  connect(options: { share_mode: number; protocol: number }, callback: PcscCallback<number>): void;
  disconnect(disposition: number, callback: (error: unknown) => void): void;
  transmit(data: Buffer, responseLength: number, protocol: number, callback: PcscCallback<Buffer>): void;
  /** Stops the reader's status thread (blocks while a transmit on this reader is in progress). */
  close(): void;
}

/** A PC/SC context with its reader monitor (`PCSCLite` in the binding). */
export interface PcscContextHandle {
  on(event: 'reader', listener: (reader: PcscReaderHandle) => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  close(): void;
}

export type CreatePcscContext = () => PcscContextHandle;

export const SCARD_SHARE_SHARED = 2;
export const SCARD_PROTOCOL_T1 = 2;
export const SCARD_LEAVE_CARD = 0;
export const SCARD_RESET_CARD = 1;
export const SCARD_STATE_UNKNOWN = 0x0004;
export const SCARD_STATE_UNAVAILABLE = 0x0008;
export const SCARD_STATE_EMPTY = 0x0010;
export const SCARD_STATE_PRESENT = 0x0020;
export const SCARD_STATE_MUTE = 0x0200;

/** Loads the native binding on first use, so code that never touches PC/SC never loads it. */
export function loadPcscLite(): CreatePcscContext {
  const require = createRequire(import.meta.url);
  return require('@pokusew/pcsclite') as CreatePcscContext;
}
