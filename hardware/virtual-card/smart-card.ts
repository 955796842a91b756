/**
 * Something that answers APDUs like a contact card: what a reader driver (vpcd) or the in-process
 * transport talks to. `process` never throws: every malformed command gets an ISO status word.
 */
export interface SmartCard {
  readonly atr: Uint8Array;
  /** Power/reset clear the session state (selected application and file, verified PINs, reset authorisation). */
  powerOn(): void;
  powerOff(): void;
  reset(): void;
  process(command: Uint8Array): Uint8Array;
}
