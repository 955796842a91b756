import { CardError, type CardErrorKind } from '../card-error';

/**
 * PC/SC return codes the reader adapter meets, and how each becomes a `CardError`. The binding
 * reports failures as `Error("SCardTransmit error: Card was removed.(0x80100069)")`; the code is
 * kept as the error's `cause` so operators can see exactly what pcsc-lite said.
 */
export const PcscCode = {
  cancelled: 0x80100002,
  invalidHandle: 0x80100003,
  insufficientBuffer: 0x80100008,
  unknownReader: 0x80100009,
  timeout: 0x8010000a,
  sharingViolation: 0x8010000b,
  noSmartcard: 0x8010000c,
  protoMismatch: 0x8010000f,
  notReady: 0x80100010,
  commError: 0x80100013,
  notTransacted: 0x80100016,
  readerUnavailable: 0x80100017,
  noService: 0x8010001d,
  serviceStopped: 0x8010001e,
  noReadersAvailable: 0x8010002e,
  unresponsiveCard: 0x80100066,
  unpoweredCard: 0x80100067,
  resetCard: 0x80100068,
  removedCard: 0x80100069,
} as const;

const CODE_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(PcscCode).map(([name, code]) => [code, name]),
);

/** The PC/SC side of a failure: the call that failed and its return code, when the binding gave one. */
export interface PcscFailure {
  operation: string;
  code: number | undefined;
  /** Our name for the code (`removedCard`), or the hex code when we have none. */
  codeName: string;
  message: string;
}

/** Reads operation and return code out of a binding error. */
export function parsePcscFailure(error: unknown, operation = 'PC/SC'): PcscFailure {
  const message = error instanceof Error ? error.message : String(error);
  const match = /\(0x([0-9a-fA-F]{1,16})\)\s*$/.exec(message);
  const code = match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
  const named = /^(SCard\w+) error:/.exec(message)?.[1];
  return {
    operation: named ?? operation,
    code,
    codeName: code === undefined ? 'unknown' : (CODE_NAMES.get(code) ?? `0x${code.toString(16)}`),
    message,
  };
}

/** Codes that mean pcscd itself is gone or restarting, not just one reader or card. */
export function isServiceLoss(code: number | undefined): boolean {
  return (
    code === PcscCode.noService ||
    code === PcscCode.serviceStopped ||
    code === PcscCode.commError ||
    code === PcscCode.invalidHandle
  );
}

/** Codes after which the card may or may not still be there: the reader's presence decides. */
export function isAmbiguousCardFailure(code: number | undefined): boolean {
  return (
    code === undefined ||
    code === PcscCode.notTransacted ||
    code === PcscCode.unresponsiveCard ||
    code === PcscCode.unpoweredCard ||
    code === PcscCode.notReady
  );
}

/** The `CardError` kind a PC/SC failure means, for codes that say it on their own. */
export function cardErrorKindFor(code: number | undefined): CardErrorKind {
  switch (code) {
    case PcscCode.removedCard:
    case PcscCode.noSmartcard:
      return 'card-removed';
    case PcscCode.unknownReader:
    case PcscCode.readerUnavailable:
    case PcscCode.noReadersAvailable:
    case PcscCode.noService:
    case PcscCode.serviceStopped:
    case PcscCode.commError:
    case PcscCode.invalidHandle:
      return 'reader-unavailable';
    case PcscCode.timeout:
      return 'timeout';
    case PcscCode.cancelled:
      return 'aborted';
    default:
      return 'transport';
  }
}

/** Builds the `CardError` for a PC/SC failure; `kind` overrides the code's own meaning. */
export function cardErrorFromPcsc(failure: PcscFailure, kind = cardErrorKindFor(failure.code)): CardError {
  return new CardError(kind, `${failure.operation} failed: ${failure.codeName}`, {
    cause: { operation: failure.operation, code: failure.code, codeName: failure.codeName },
  });
}
