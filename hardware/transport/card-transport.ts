/**
 * The one interface between the JPKI client and a card. Two implementations: PC/SC (production,
 * `hardware/pcsc`) and in-process (fast unit tests, `hardware/transport/in-process-transport.ts`).
 * The client never knows which one it talks to.
 */
export interface TransmitOptions {
  /** Aborting rejects the pending transmit with a `CardError` of kind `aborted`. */
  signal?: AbortSignal;
  /** Deadline for this exchange; on expiry the transmit rejects with kind `timeout`. */
  timeoutMs?: number;
}

export interface CardTransport {
  /** Sends one command APDU and resolves with the raw response (data + SW1 SW2). */
  transmit(command: Uint8Array, options?: TransmitOptions): Promise<Uint8Array>;
  /** The card's answer to reset, as the reader reports it. */
  readonly atr: Uint8Array;
}

/** Presence events a reader source emits; the kiosk's reader machine consumes exactly these. */
export type ReaderEvent =
  | { type: 'reader.added'; reader: string }
  | { type: 'reader.removed'; reader: string }
  | { type: 'card.inserted'; reader: string; atr: string }
  | { type: 'card.removed'; reader: string }
  /** pcscd gone / no service: the source keeps trying to rebuild its context. */
  | { type: 'service.unavailable'; reason: string }
  | { type: 'service.available' };
