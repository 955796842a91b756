/**
 * ISO 7816-4 command APDUs: encoding (the client side) and parsing (the card side).
 *
 * `le` is Ne, the number of response bytes expected (1–65536): 256 is sent as the short `00`, 65536
 * as the extended `00 00`. A command switches to extended length when its data exceeds 255 bytes or
 * its Ne exceeds 256, or when `extended` asks for it.
 */
export interface CommandApdu {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  /** Command data (Nc = its length, 1–65535 bytes); absent or empty for none. */
  data?: Uint8Array;
  /** Ne, the maximum number of response bytes expected (1–65536); absent when none are. */
  le?: number;
}

/** A command as a card received it: which length form it used. */
export interface ParsedCommandApdu extends CommandApdu {
  data: Uint8Array;
  extended: boolean;
}

/** Parsing never throws: a malformed command becomes the status word the card answers with. */
export type CommandParseResult = { ok: true; command: ParsedCommandApdu } | { ok: false; sw: number };

const SW_WRONG_LENGTH = 0x6700;
const SHORT_NC_MAX = 255;
const SHORT_NE_MAX = 256;
const EXTENDED_NC_MAX = 65_535;
const EXTENDED_NE_MAX = 65_536;

function assertByte(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new RangeError(`APDU ${name} must be a byte, got ${value}`);
  }
}

/** Encodes a command APDU in the shortest form that fits (or extended form when asked). */
export function encodeCommand(command: CommandApdu, options: { extended?: boolean } = {}): Uint8Array {
  const { cla, ins, p1, p2, le } = command;
  assertByte('CLA', cla);
  assertByte('INS', ins);
  assertByte('P1', p1);
  assertByte('P2', p2);
  const nc = command.data?.length ?? 0;
  if (nc > EXTENDED_NC_MAX) throw new RangeError(`APDU data too long: ${nc} bytes`);
  if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > EXTENDED_NE_MAX)) {
    throw new RangeError(`APDU Ne must be 1–${EXTENDED_NE_MAX}, got ${le}`);
  }
  const extended = options.extended === true || nc > SHORT_NC_MAX || (le ?? 0) > SHORT_NE_MAX;

  const lcField = nc === 0 ? 0 : extended ? 3 : 1;
  // In extended form Le takes 3 bytes when there is no Lc field (a leading 00), else 2.
  const leField = le === undefined ? 0 : !extended ? 1 : nc === 0 ? 3 : 2;
  const bytes = new Uint8Array(4 + lcField + nc + leField);
  bytes.set([cla, ins, p1, p2]);
  let at = 4;
  if (nc > 0) {
    if (extended) {
      bytes.set([0x00, nc >> 8, nc & 0xff], at);
      at += 3;
    } else {
      bytes[at++] = nc;
    }
    bytes.set(command.data as Uint8Array, at);
    at += nc;
  }
  if (le !== undefined) {
    const encodedLe = le === EXTENDED_NE_MAX || (!extended && le === SHORT_NE_MAX) ? 0 : le;
    if (!extended) {
      bytes[at] = encodedLe;
    } else {
      if (nc === 0) bytes[at++] = 0x00;
      bytes.set([encodedLe >> 8, encodedLe & 0xff], at);
    }
  }
  return bytes;
}

/** Parses a command APDU as a card does; every inconsistency of lengths answers `67 00`. */
export function parseCommand(bytes: Uint8Array): CommandParseResult {
  if (bytes.length < 4) return { ok: false, sw: SW_WRONG_LENGTH };
  const [cla, ins, p1, p2] = bytes as unknown as [number, number, number, number];
  const header = { cla, ins, p1, p2 };
  const body = bytes.length - 4;
  const ok = (data: Uint8Array, extended: boolean, le?: number): CommandParseResult => ({
    ok: true,
    command: le === undefined ? { ...header, data, extended } : { ...header, data, extended, le },
  });
  const empty = new Uint8Array(0);

  if (body === 0) return ok(empty, false);
  const b0 = bytes[4] as number;
  if (body === 1) return ok(empty, false, b0 === 0 ? SHORT_NE_MAX : b0);

  if (b0 !== 0) {
    // Short form: Lc = b0, then data, then an optional 1-byte Le.
    const nc = b0;
    const data = bytes.slice(5, 5 + nc);
    if (body === 1 + nc) return ok(data, false);
    if (body === 2 + nc) {
      const le = bytes[5 + nc] as number;
      return ok(data, false, le === 0 ? SHORT_NE_MAX : le);
    }
    return { ok: false, sw: SW_WRONG_LENGTH };
  }

  // Extended form: a 00 marker, then either a 2-byte Le alone or a 2-byte Lc with data.
  if (body < 3) return { ok: false, sw: SW_WRONG_LENGTH };
  const word = ((bytes[5] as number) << 8) | (bytes[6] as number);
  if (body === 3) return ok(empty, true, word === 0 ? EXTENDED_NE_MAX : word);
  const nc = word;
  if (nc === 0) return { ok: false, sw: SW_WRONG_LENGTH };
  const data = bytes.slice(7, 7 + nc);
  if (body === 3 + nc) return ok(data, true);
  if (body === 5 + nc) {
    const le = ((bytes[7 + nc] as number) << 8) | (bytes[8 + nc] as number);
    return ok(data, true, le === 0 ? EXTENDED_NE_MAX : le);
  }
  return { ok: false, sw: SW_WRONG_LENGTH };
}
