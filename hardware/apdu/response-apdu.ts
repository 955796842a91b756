import { CardError } from '../card-error';

/** A response APDU: data and the status word SW1 SW2 as one number (e.g. `0x9000`). */
export interface ResponseApdu {
  data: Uint8Array;
  sw: number;
}

/** Splits a raw response into data and status word; fewer than 2 bytes is `malformed-response`. */
export function parseResponse(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2) {
    throw new CardError('malformed-response', `response of ${bytes.length} bytes has no status word`);
  }
  const end = bytes.length - 2;
  return {
    data: bytes.slice(0, end),
    sw: ((bytes[end] as number) << 8) | (bytes[end + 1] as number),
  };
}

/** Builds a raw response: data followed by SW1 SW2. */
export function encodeResponse(sw: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const bytes = new Uint8Array(data.length + 2);
  bytes.set(data);
  bytes[data.length] = (sw >> 8) & 0xff;
  bytes[data.length + 1] = sw & 0xff;
  return bytes;
}
