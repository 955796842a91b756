import { readFileSync } from 'node:fs';
import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { writeFileAtomically } from './atomic-files';
import { TestPkiError } from './pki-errors';
import type { CaKind } from './pki-layout';

/**
 * What each CA has revoked, kept beside the CRLs (`pki/revocations.json`) so every CRL can be
 * re-signed from it. Entries name the certificate by serial; no personal data is kept here.
 */

const RevocationEntry = Type.Object({
  /** Hex serial number of the revoked certificate. */
  serialNumber: Type.String({ pattern: '^[0-9a-f]+$' }),
  /** ISO 8601 time of revocation. */
  revokedAt: Type.String(),
  /** RFC 5280 CRLReason code. */
  reason: Type.Integer({ minimum: 0, maximum: 10 }),
  /** The persona and token serial of the card, to find it again. */
  persona: Type.String(),
  tokenSerial: Type.String(),
});

const CaRevocations = Type.Object({
  /** Number of the CRL last published (RFC 5280 cRLNumber, increases with every CRL). */
  crlNumber: Type.Integer({ minimum: 0 }),
  entries: Type.Array(RevocationEntry),
});

const RevocationsFile = Type.Object({
  version: Type.Literal(1),
  auth: CaRevocations,
  sign: CaRevocations,
});

export type RevocationEntry = Static<typeof RevocationEntry>;
export type Revocations = Static<typeof RevocationsFile> & Record<CaKind, Static<typeof CaRevocations>>;

const validator = Compile(RevocationsFile);

/** An empty store: nothing revoked, no CRL published yet. */
export function emptyRevocations(): Revocations {
  return { version: 1, auth: { crlNumber: 0, entries: [] }, sign: { crlNumber: 0, entries: [] } };
}

/** Reads and validates the store. */
export function readRevocations(path: string): Revocations {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TestPkiError('CORRUPT', `${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (!validator.Check(value)) throw new TestPkiError('CORRUPT', `${path} is not a revocation list store`);
  return value;
}

/** Replaces the store atomically. */
export function writeRevocations(path: string, revocations: Revocations): void {
  writeFileAtomically(path, `${JSON.stringify(revocations, null, 2)}\n`, 0o644);
}
