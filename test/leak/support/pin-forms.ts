/**
 * The shapes a PIN could take if it leaked, and a search for them in raw bytes. A PIN is searched:
 *
 * - as ASCII (and lowercase: the kiosk accepts lowercase taps for the signature PIN);
 * - as hex of its ASCII, upper and lower case;
 * - in its APDU form: JPKI sends PINs unpadded, so the command data is Lc ‖ ASCII; searched as
 *   `Lc‖PIN` hex and as whole VERIFY (00 20 00 80) and RESET RETRY COUNTER (00 2C 02 80) commands,
 *   with and without spaces between bytes;
 * - as base64 / base64url of its ASCII, and for long PINs also inside a longer base64 text at each
 *   of the three byte alignments (the characters that depend on the PIN alone).
 *
 * Short forms (a 4-digit PIN's ASCII, hex, base64) only count when delimited: the bytes around
 * them are not in the form's own alphabet (for the digits also not `.`, `-` or `_`, so the fraction
 * of a duration or a group of a UUID is not a PIN). Long forms (≥ 12 characters) count anywhere.
 */

export interface PinForm {
  form: string;
  needle: Buffer;
  /** Bytes that may not touch the needle on either side; undefined = match anywhere. */
  boundary?: RegExp;
}

export interface Leak {
  pin: string;
  form: string;
  /** Where (the caller's name for the haystack). */
  where: string;
  offset: number;
  /** A few printable characters around the match, the PIN itself masked. */
  context: string;
}

const LONG = 12;
/** Not touching a 4-digit PIN: alphanumerics, `.` (fractions), `-` and `_` (UUID groups, ids, dates). */
const DIGIT_BOUNDARY = /[0-9A-Za-z._-]/;
const HEX_BOUNDARY = /[0-9A-Fa-f]/;
const BASE64_BOUNDARY = /[A-Za-z0-9+/=_-]/;

const hex = (bytes: Buffer, upper: boolean, spaced = false) => {
  const pairs = Array.from(bytes, (b) => b.toString(16).padStart(2, '0'));
  const text = pairs.join(spaced ? ' ' : '');
  return upper ? text.toUpperCase() : text;
};

/** Every form of `pin` the scan looks for. */
export function pinForms(pin: string): PinForm[] {
  const ascii = Buffer.from(pin, 'latin1');
  const short = pin.length < LONG;
  const forms: PinForm[] = [];
  const add = (form: string, text: string | Buffer, boundary?: RegExp) => {
    const needle = typeof text === 'string' ? Buffer.from(text, 'latin1') : text;
    if (forms.some((f) => f.needle.equals(needle))) return;
    forms.push({ form, needle, ...(short && boundary ? { boundary } : {}) });
  };
  add('ascii', ascii, DIGIT_BOUNDARY);
  add('ascii lowercase', pin.toLowerCase(), DIGIT_BOUNDARY);
  for (const upper of [true, false]) {
    const name = upper ? 'upper' : 'lower';
    add(`hex (${name})`, hex(ascii, upper), HEX_BOUNDARY);
    const apdu = Buffer.concat([Buffer.from([ascii.length]), ascii]);
    add(`APDU data Lc‖PIN hex (${name})`, hex(apdu, upper), HEX_BOUNDARY);
    for (const header of [Buffer.from('00200080', 'hex'), Buffer.from('002c0280', 'hex')]) {
      const command = Buffer.concat([header, apdu]);
      add(`APDU ${hex(header, true)} hex (${name})`, hex(command, upper));
      add(`APDU ${hex(header, true)} spaced hex (${name})`, hex(command, upper, true));
    }
  }
  add('base64', ascii.toString('base64'), BASE64_BOUNDARY);
  add('base64 unpadded', ascii.toString('base64').replace(/=+$/, ''), BASE64_BOUNDARY);
  add('base64url', ascii.toString('base64url'), BASE64_BOUNDARY);
  if (!short) {
    // Inside a longer base64 text the PIN starts at byte offset 0, 1 or 2 of a 3-byte group; the
    // characters fully determined by the PIN's bytes are the same wherever the group sits.
    for (const shift of [1, 2]) {
      const encoded = Buffer.concat([Buffer.alloc(shift), ascii]).toString('base64');
      const firstWhole = Math.ceil((shift * 8) / 6);
      const lastWhole = Math.floor(((shift + ascii.length) * 8) / 6);
      add(`base64 inside (shift ${shift})`, encoded.slice(firstWhole, lastWhole));
    }
    const aligned = ascii.toString('base64');
    add('base64 inside (shift 0)', aligned.slice(0, Math.floor((ascii.length * 8) / 6)));
  }
  return forms;
}

const printable = (bytes: Buffer) => bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '·');

interface Candidate extends PinForm {
  pin: string;
}

/** Needles indexed by their first four bytes, so one pass over the haystack tests them all. */
function indexByPrefix(pins: readonly string[]): Map<number, Candidate[]> {
  const index = new Map<number, Candidate[]>();
  for (const pin of pins) {
    for (const form of pinForms(pin)) {
      const key = form.needle.readUInt32BE(0);
      const list = index.get(key) ?? [];
      list.push({ ...form, pin });
      index.set(key, list);
    }
  }
  return index;
}

function delimited(haystack: Buffer, at: number, length: number, boundary: RegExp): boolean {
  const before = at > 0 ? String.fromCharCode(haystack[at - 1]!) : '';
  const after = at + length < haystack.length ? String.fromCharCode(haystack[at + length]!) : '';
  return !boundary.test(before) && !boundary.test(after);
}

/** Every occurrence of any form of any of `pins` in `haystack` (one pass, whatever the number of PINs). */
export function findPins(haystack: Buffer, pins: readonly string[], where: string): Leak[] {
  const index = indexByPrefix(pins);
  const leaks: Leak[] = [];
  for (let at = 0; at + 4 <= haystack.length; at += 1) {
    const candidates = index.get(haystack.readUInt32BE(at));
    if (!candidates) continue;
    for (const { pin, form, needle, boundary } of candidates) {
      if (at + needle.length > haystack.length) continue;
      if (!haystack.subarray(at, at + needle.length).equals(needle)) continue;
      if (boundary && !delimited(haystack, at, needle.length, boundary)) continue;
      const context =
        printable(haystack.subarray(Math.max(0, at - 24), at)) +
        '«PIN»' +
        printable(haystack.subarray(at + needle.length, at + needle.length + 24));
      leaks.push({ pin, form, where, offset: at, context });
    }
  }
  return leaks;
}
