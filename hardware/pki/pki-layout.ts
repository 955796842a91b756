import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestPkiError } from './pki-errors';
import { x509 } from './x509';

/**
 * The data-directory layout of the test PKI — a contract: the card CLI writes it, the reservation
 * API reads trust anchors, CRLs and the issuer master key from it (docs/test-pki.md).
 *
 *   <dataDir>/pki/auth-ca.cer        user-authentication CA certificate, DER (trust anchor)
 *   <dataDir>/pki/auth-ca.key        its private key, PKCS#8 PEM, mode 0600
 *   <dataDir>/pki/auth-ca.crl        its current CRL, DER
 *   <dataDir>/pki/sign-ca.cer|.key|.crl   the same for the signature CA
 *   <dataDir>/pki/revocations.json   revoked serials per CA and the last CRL number
 *   <dataDir>/pki/issued-cards.jsonl the issuer record: each card's token serial and its certificates
 *   <dataDir>/keys/issuer-master.key issuer master key for PIN resets, 64 hex chars, mode 0600
 */

export type CaKind = 'auth' | 'sign';
export const CA_KINDS: readonly CaKind[] = ['auth', 'sign'];

export interface CaPaths {
  certificate: string;
  privateKey: string;
  crl: string;
}

/** The files inside a PKI directory (the real one, or one being built beside it). */
export interface PkiDirectoryFiles {
  ca: Record<CaKind, CaPaths>;
  revocations: string;
  /** The issuer record: one JSON line per issued card (hardware/pki/issuer-record.ts). */
  issuerRecord: string;
  /** Directory lock serialising revocations and CRL updates between processes. */
  lock: string;
}

export interface PkiPaths extends PkiDirectoryFiles {
  dataDir: string;
  pkiDir: string;
  keysDir: string;
  masterKey: string;
}

/** Where each file sits inside the PKI directory `pkiDir`. */
export function pkiDirectoryFiles(pkiDir: string): PkiDirectoryFiles {
  const ca = (kind: CaKind): CaPaths => ({
    certificate: join(pkiDir, `${kind}-ca.cer`),
    privateKey: join(pkiDir, `${kind}-ca.key`),
    crl: join(pkiDir, `${kind}-ca.crl`),
  });
  return {
    ca: { auth: ca('auth'), sign: ca('sign') },
    revocations: join(pkiDir, 'revocations.json'),
    issuerRecord: join(pkiDir, 'issued-cards.jsonl'),
    lock: join(pkiDir, '.lock'),
  };
}

/** Where every file of the test PKI lives under `dataDir`. */
export function pkiPaths(dataDir: string): PkiPaths {
  const pkiDir = join(dataDir, 'pki');
  const keysDir = join(dataDir, 'keys');
  return {
    dataDir,
    pkiDir,
    keysDir,
    ...pkiDirectoryFiles(pkiDir),
    masterKey: join(keysDir, 'issuer-master.key'),
  };
}

const CREATE_HINT = 'create it with `npm run card -- issue --persona healthy --out FILE --data DIR`';

function readRequired(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TestPkiError('NOT_INITIALISED', `no ${what} at ${path}: ${CREATE_HINT}`);
    }
    throw error;
  }
}

function parseOrCorrupt<T>(path: string, what: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new TestPkiError('CORRUPT', `${path} is not a ${what}: ${(error as Error).message}`);
  }
}

/** Reads one CA certificate. */
export function loadCaCertificate(dataDir: string, kind: CaKind): x509.X509Certificate {
  const path = pkiPaths(dataDir).ca[kind].certificate;
  const der = readRequired(path, `${kind} CA certificate`);
  return parseOrCorrupt(path, 'DER certificate', () => new x509.X509Certificate(new Uint8Array(der)));
}

/** The trust anchors for card certificates: the authentication CA and the signature CA. */
export function loadTrustAnchors(dataDir: string): {
  authCa: x509.X509Certificate;
  signCa: x509.X509Certificate;
} {
  return { authCa: loadCaCertificate(dataDir, 'auth'), signCa: loadCaCertificate(dataDir, 'sign') };
}

/** The current CRL of each CA (re-read the files to see new revocations). */
export function loadCrls(dataDir: string): { authCrl: x509.X509Crl; signCrl: x509.X509Crl } {
  const load = (kind: CaKind) => {
    const path = pkiPaths(dataDir).ca[kind].crl;
    const der = readRequired(path, `${kind} CA CRL`);
    return parseOrCorrupt(path, 'DER CRL', () => new x509.X509Crl(new Uint8Array(der)));
  };
  return { authCrl: load('auth'), signCrl: load('sign') };
}

/** Parses the text of a master key file: exactly 32 bytes as hex. */
export function parseMasterKey(text: string, path: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TestPkiError('CORRUPT', `${path} is not 32 bytes of hex`);
  return Buffer.from(hex, 'hex');
}

/** The issuer master key (32 bytes) from which every card's reset key is derived. */
export function loadIssuerMasterKey(dataDir: string): Buffer {
  const path = pkiPaths(dataDir).masterKey;
  return parseMasterKey(readRequired(path, 'issuer master key').toString('latin1'), path);
}
