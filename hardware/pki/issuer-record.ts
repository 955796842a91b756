import { appendFileSync, readFileSync } from 'node:fs';

/**
 * The issuer record (DESIGN §3): which certificates the issuer put on which card. One JSON line per
 * issued card, appended at issuance to `pki/issued-cards.jsonl` (docs/test-pki.md):
 *
 *   {"v":1,"tokenSerial":"0A1B…","certificates":[{"issuer":"<hex DER of the issuer Name>","serialNumber":"<hex>"}, …]}
 *
 * A certificate is named by its issuer and serial number (RFC 5280: unique per CA), never by the
 * bytes a client sends. The reservation API reads this file like its trust anchors and CRLs and
 * derives a card's reset key only from the token serial recorded here for the certificate whose
 * PIN was proven. Nothing personal is kept: names of CAs, serial numbers and token serials.
 */

export const ISSUER_RECORD_VERSION = 1;

/** What names a certificate in the record: its issuer's Name (DER) and its serial number. */
export interface CertificateName {
  issuerName: { toArrayBuffer(): ArrayBuffer };
  serialNumber: string;
}

/** One issued card: its token serial and the certificates on it. */
export interface IssuedCard {
  tokenSerial: string;
  certificates: readonly CertificateName[];
}

/** A serial number as lower-case hex without the leading zero octets DER may add for the sign bit. */
export function normalisedSerialNumber(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=..)/, '');
}

/**
 * The record's key of a certificate: `<issuer Name DER hex>/<serial hex>`. Kept per certificate
 * object: re-encoding the issuer Name to DER cost ~0.3 ms per call on the API's hot path, and a
 * parsed certificate never changes (the API hands out one object per DER).
 */
export function certificateKey(certificate: CertificateName): string {
  let key = certificateKeys.get(certificate);
  if (key === undefined) {
    const issuer = Buffer.from(certificate.issuerName.toArrayBuffer()).toString('hex');
    key = `${issuer}/${normalisedSerialNumber(certificate.serialNumber)}`;
    certificateKeys.set(certificate, key);
  }
  return key;
}

const certificateKeys = new WeakMap<CertificateName, string>();

/** The line of one issued card (with its newline). */
export function issuerRecordLine(card: IssuedCard): string {
  const certificates = card.certificates.map((certificate) => {
    const [issuer, serialNumber] = certificateKey(certificate).split('/') as [string, string];
    return { issuer, serialNumber };
  });
  return `${JSON.stringify({ v: ISSUER_RECORD_VERSION, tokenSerial: card.tokenSerial, certificates })}\n`;
}

/**
 * Appends one card to the record file. The caller holds the PKI directory lock, so lines of
 * concurrent issuers never interleave; one `write` with O_APPEND puts the whole line at the end.
 */
export function appendIssuedCard(path: string, card: IssuedCard): void {
  appendFileSync(path, issuerRecordLine(card), { mode: 0o644 });
}

/** Token serials by certificate key, as read from a record file. */
export interface IssuerRecordIndex {
  /** The token serial of the card the certificate was issued on; undefined when not on record. */
  tokenSerialOf(certificate: CertificateName): string | undefined;
  /** How many certificates are on record. */
  readonly size: number;
}

const TOKEN_SERIAL = /^[0-9A-Z]{16}$/;
const HEX = /^[0-9a-f]+$/;

/**
 * Parses a record file's text. Fails closed: a line that is not a valid entry is reported and
 * skipped (its certificates stay unknown), and a certificate recorded for two different token
 * serials is known for neither. An unfinished last line (a writer mid-append) is ignored.
 */
export function parseIssuerRecord(
  text: string,
  onProblem: (message: string) => void = () => {},
): IssuerRecordIndex {
  const serials = new Map<string, string>();
  const conflicting = new Set<string>();
  const lines = text.split('\n');
  // The last element is '' after a final newline, or an unfinished line: either way not an entry.
  lines.pop();
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const entry = parseLine(line);
    if (!entry) {
      onProblem(`issuer record line ${index + 1} is not a card entry; its certificates are not on record`);
      return;
    }
    for (const key of entry.keys) {
      const known = serials.get(key);
      if (known !== undefined && known !== entry.tokenSerial) conflicting.add(key);
      serials.set(key, entry.tokenSerial);
    }
  });
  for (const key of conflicting) {
    serials.delete(key);
    onProblem('issuer record names one certificate on two cards; it is not on record');
  }
  return {
    tokenSerialOf: (certificate) => serials.get(certificateKey(certificate)),
    size: serials.size,
  };
}

function parseLine(line: string): { tokenSerial: string; keys: string[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, tokenSerial, certificates } = value as Record<string, unknown>;
  if (v !== ISSUER_RECORD_VERSION || typeof tokenSerial !== 'string' || !TOKEN_SERIAL.test(tokenSerial))
    return undefined;
  if (!Array.isArray(certificates) || certificates.length === 0) return undefined;
  const keys: string[] = [];
  for (const certificate of certificates as unknown[]) {
    if (typeof certificate !== 'object' || certificate === null) return undefined;
    const { issuer, serialNumber } = certificate as Record<string, unknown>;
    if (typeof issuer !== 'string' || !HEX.test(issuer) || issuer.length % 2 !== 0) return undefined;
    if (typeof serialNumber !== 'string' || !HEX.test(serialNumber)) return undefined;
    keys.push(`${issuer}/${normalisedSerialNumber(serialNumber)}`);
  }
  return { tokenSerial, keys };
}

/** Reads a record file (absent: nothing on record). */
export function readIssuerRecord(path: string, onProblem?: (message: string) => void): IssuerRecordIndex {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return parseIssuerRecord('');
    throw error;
  }
  return parseIssuerRecord(text, onProblem);
}
