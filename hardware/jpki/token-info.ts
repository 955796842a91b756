import { CardError } from '../card-error';
import { TOKEN_INFO_LENGTH, TOKEN_SERIAL_LENGTH, TOKEN_SERIAL_OFFSET } from './constants';

/**
 * The token-info file `0006`: 160 bytes in the PKCS#11 CK_TOKEN_INFO layout. Bytes 0–31 are the
 * label, space padded; bytes 80–95 the 16-character serial number that diversifies the reset key.
 */

export interface TokenInfo {
  /** The label without its trailing space padding, e.g. `JPKIAPICCTOKEN2`. */
  label: string;
  /** The 16 serial characters exactly as the card holds them (padding included, never trimmed). */
  tokenSerial: string;
}

const LABEL_LENGTH = 32;
/** manufacturerID (32) and model (16) sit between label and serial; the card leaves them blank. */
const SPACE = 0x20;

/** Decodes token info; shorter than the serial's end is `malformed-response`. */
export function decodeTokenInfo(bytes: Uint8Array): TokenInfo {
  const serialEnd = TOKEN_SERIAL_OFFSET + TOKEN_SERIAL_LENGTH;
  if (bytes.length < serialEnd) {
    throw new CardError('malformed-response', `token info of ${bytes.length} bytes has no serial number`);
  }
  const text = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  return {
    label: text(0, LABEL_LENGTH).replace(/[ \0]+$/, ''),
    tokenSerial: text(TOKEN_SERIAL_OFFSET, serialEnd),
  };
}

/** Encodes token info as the virtual card stores it (label and serial are Latin-1, cut to size). */
export function encodeTokenInfo(info: TokenInfo): Uint8Array {
  const bytes = new Uint8Array(TOKEN_INFO_LENGTH);
  bytes.fill(SPACE, 0, TOKEN_SERIAL_OFFSET + TOKEN_SERIAL_LENGTH);
  bytes.set(Buffer.from(info.label, 'latin1').subarray(0, LABEL_LENGTH), 0);
  bytes.set(Buffer.from(info.tokenSerial, 'latin1').subarray(0, TOKEN_SERIAL_LENGTH), TOKEN_SERIAL_OFFSET);
  return bytes;
}
