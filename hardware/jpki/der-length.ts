import { CardError } from '../card-error';

/** READ BINARY offsets are 15 bits, so nothing beyond 32 KiB can be read from a file. */
export const MAX_READABLE_LENGTH = 0x8000;
/** Bytes needed to know the length of any DER SEQUENCE the card can hold (`30 82 LL LL`). */
export const DER_HEADER_MAX_LENGTH = 4;

/**
 * Total length (header + content) of the DER SEQUENCE at the start of `bytes`, taken from its
 * header, so that filler after it is ignored. Anything that is not a definite-length SEQUENCE
 * readable with 15-bit offsets is `malformed-response`.
 */
export function derSequenceLength(bytes: Uint8Array): number {
  const malformed = (why: string) => new CardError('malformed-response', `certificate file: ${why}`);
  if (bytes.length < 2) throw malformed('too short for a DER header');
  if (bytes[0] !== 0x30) throw malformed('does not start with a DER SEQUENCE');
  const first = bytes[1] as number;
  if (first < 0x80) return 2 + first;
  const lengthBytes = first & 0x7f;
  if (lengthBytes === 0) throw malformed('indefinite length is not DER');
  if (lengthBytes > 2) throw malformed('longer than a card file can be');
  if (bytes.length < 2 + lengthBytes) throw malformed('too short for a DER header');
  let content = 0;
  for (let i = 0; i < lengthBytes; i += 1) content = (content << 8) | (bytes[2 + i] as number);
  const total = 2 + lengthBytes + content;
  if (total > MAX_READABLE_LENGTH) throw malformed('longer than a card file can be');
  return total;
}
