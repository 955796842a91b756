import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { KioskId, Procedure } from './primitives';

/**
 * The credentials file `npm run ops -- kiosk register … --out FILE` writes and
 * `npm run kiosk -- --credentials FILE` reads: the kiosk's identity and its Ed25519 private key.
 */
export const KioskCredentials = Type.Object(
  {
    format: Type.Literal('kiosk-credentials/v1'),
    kioskId: KioskId,
    chain: Type.String(),
    storeId: Type.String(),
    procedures: Type.Array(Procedure, { minItems: 1 }),
    /** Ed25519 private key, PKCS#8 PEM. */
    privateKeyPem: Type.String({ pattern: '^-----BEGIN PRIVATE KEY-----' }),
    /** The API the kiosk talks to, when known at registration. */
    apiUrl: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type KioskCredentials = Static<typeof KioskCredentials>;

const check = Compile(KioskCredentials);

/** Parses a credentials file's text; throws an Error naming the first problem. */
export function parseKioskCredentials(text: string, source = 'credentials file'): KioskCredentials {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${source} is not JSON`);
  }
  if (!check.Check(value)) {
    const first = [...check.Errors(value)][0];
    throw new Error(
      `${source} is not a kiosk credentials file: ${first?.instancePath ?? ''} ${first?.message ?? ''}`,
    );
  }
  return value;
}
