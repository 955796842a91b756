/**
 * Every way talking to a card can fail, as one typed error. Status words, transport faults and
 * malformed responses all end here; callers switch on `kind`, never on raw status words or messages.
 */
export type CardErrorKind =
  /** VERIFY with a wrong PIN; `triesLeft` says how many remain (0 = now blocked). */
  | 'wrong-pin'
  /** The PIN's counter is 0 (`69 84`). */
  | 'pin-blocked'
  /** Read or sign before the needed PIN was verified, or reset without authorisation (`69 82`). */
  | 'security-status-not-satisfied'
  /** Conditions of use not satisfied (`69 85`). */
  | 'conditions-not-satisfied'
  /** File or application not found (`6A 82`). */
  | 'file-not-found'
  /** The card has no JPKI application (SELECT AID refused) — not a My Number Card. */
  | 'not-jpki'
  /** Wrong data, e.g. a new PIN of an invalid format (`6A 80`). */
  | 'wrong-data'
  /** EXTERNAL AUTHENTICATE with a wrong cryptogram (`63 00`). */
  | 'reset-refused'
  /** Too many wrong cryptograms: the reset feature is blocked (`69 83`). */
  | 'reset-blocked'
  /** Any other status word the flow did not expect. */
  | 'unexpected-status'
  /** The response could not be understood: too short, wrong length, bad DER. */
  | 'malformed-response'
  /** No answer before the deadline. */
  | 'timeout'
  /** The caller gave up (AbortSignal). */
  | 'aborted'
  /** The card left the reader. */
  | 'card-removed'
  /** The reader is gone, or the PC/SC service is not answering. */
  | 'reader-unavailable'
  /** Any other transport failure. */
  | 'transport';

export interface CardErrorDetails {
  /** The status word that caused it, when there was one. */
  sw?: number;
  /** Tries left, for `wrong-pin` and PIN status. */
  triesLeft?: number;
  /** PC/SC error code or transport detail, never APDU data. */
  cause?: unknown;
}

export class CardError extends Error {
  override readonly name = 'CardError';
  readonly sw: number | undefined;
  readonly triesLeft: number | undefined;

  constructor(
    readonly kind: CardErrorKind,
    message: string,
    details: CardErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.sw = details.sw;
    this.triesLeft = details.triesLeft;
  }
}

export function isCardError(error: unknown, kind?: CardErrorKind): error is CardError {
  return error instanceof CardError && (kind === undefined || error.kind === kind);
}

/** Formats a status word as four hex digits, e.g. `63C2`. */
export function formatSw(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
