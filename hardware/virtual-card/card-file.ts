import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * A virtual My Number Card is a JSON file: keys, certificates, token serial, PIN values and
 * counters, reset key. The card's state persists in it, so a PIN reset at the kiosk is visible to
 * the phone step and vice versa. Binary fields are hex (short) or base64 DER (certificates).
 */

const Hex = Type.String({ pattern: '^([0-9a-fA-F]{2})*$' });
const Base64 = Type.String({ pattern: '^[A-Za-z0-9+/]*={0,2}$' });

const PinState = Type.Object({
  value: Type.String({ minLength: 1, maxLength: 16 }),
  triesLeft: Type.Integer({ minimum: 0 }),
  maxTries: Type.Integer({ minimum: 1 }),
});

const JpkiApplication = Type.Object({
  /** 16 characters, token-info bytes 80–95 (PKCS#11 serialNumber); diversifies the reset key. */
  tokenSerial: Type.String({ minLength: 16, maxLength: 16 }),
  /** First 32 bytes of token info, space padded. */
  label: Type.String({ maxLength: 32 }),
  authPin: PinState,
  signPin: PinState,
  /** Private keys as PKCS#8 PEM. */
  authKeyPem: Type.String(),
  signKeyPem: Type.String(),
  authCertificate: Base64,
  authCaCertificate: Base64,
  signCertificate: Base64,
  signCaCertificate: Base64,
  /** Kc, 32 bytes hex (DESIGN §3). */
  resetKey: Hex,
  /** Consecutive wrong reset cryptograms; 15 blocks the reset feature. */
  resetFailures: Type.Integer({ minimum: 0 }),
});

export const CardFileSchema = Type.Object({
  format: Type.Literal('virtual-mynumber-card/v1'),
  persona: Type.String(),
  /** ATR the card answers with, hex. */
  atr: Hex,
  /** Absent on a card that is not a My Number Card (the `non-jpki` persona). */
  jpki: Type.Optional(JpkiApplication),
});

export type CardFile = Static<typeof CardFileSchema>;
export type JpkiApplicationState = Static<typeof JpkiApplication>;
export type PinState = Static<typeof PinState>;

const validator = Compile(CardFileSchema);

export class CardFileError extends Error {
  override readonly name = 'CardFileError';
}

/** Parses and validates a card file's text. */
export function parseCardFile(text: string, source = 'card file'): CardFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CardFileError(`${source} is not JSON: ${(error as Error).message}`);
  }
  if (!validator.Check(value)) {
    const first = [...validator.Errors(value)][0];
    throw new CardFileError(
      `${source} is not a virtual card: ${first?.instancePath ?? ''} ${first?.message ?? ''}`,
    );
  }
  return value;
}

export function loadCardFile(path: string): CardFile {
  return parseCardFile(readFileSync(path, 'utf8'), path);
}

/** Writes atomically (temp file + rename) so a crash never leaves a half-written card. */
export function saveCardFile(path: string, card: CardFile): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(card, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, path);
}
