import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CardFile } from '../virtual-card/card-file';
import { placeDirectoryOnce, withDirectoryLock, writeFileAtomically } from './atomic-files';
import { type IssueCardOptions, issueCardFile } from './card-issue';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  createCrl,
  loadCertificateAuthority,
} from './certificate-authority';
import { ensureIssuerMasterKey } from './issuer-master-key';
import { appendIssuedCard } from './issuer-record';
import { CA_KINDS, type CaKind, type PkiPaths, loadCrls, pkiDirectoryFiles, pkiPaths } from './pki-layout';
import { type Revocations, emptyRevocations, readRevocations, writeRevocations } from './revocation-store';
import { x509 } from './x509';

/**
 * The test PKI of a data directory: created on first use, loaded after. Two processes opening a
 * fresh directory at once end up with the same CAs (the PKI directory is placed with one rename).
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** A CRL promises its successor within a week (nextUpdate)… */
export const CRL_LIFETIME_MS = 7 * DAY_MS;
/** …and is re-signed when opened with less than half of that left, so a demo never goes stale. */
const CRL_REFRESH_MARGIN_MS = CRL_LIFETIME_MS / 2;

export interface OpenTestPkiOptions {
  dataDir: string;
  /** Epoch milliseconds; certificates, CRLs and personas' timing follow it. */
  now?: () => number;
}

export interface RevocationRequest {
  kind: CaKind;
  serialNumber: string;
  reason: x509.X509CrlReason;
  persona: string;
  tokenSerial: string;
}

export interface TestPki {
  readonly dataDir: string;
  readonly paths: PkiPaths;
  readonly authCa: x509.X509Certificate;
  readonly signCa: x509.X509Certificate;
  /** Issues a virtual My Number Card for a persona (revoked personas land on their CA's CRL). */
  issueCard(options: IssueCardOptions): Promise<CardFile>;
  /** Puts a certificate on its CA's CRL and publishes a new CRL. */
  revoke(request: RevocationRequest): Promise<void>;
  /** Re-signs both CRLs with thisUpdate = now. */
  refreshCrls(): Promise<void>;
}

/** Opens (creating on first use) the test PKI and issuer master key under `dataDir`. */
export async function openTestPki(options: OpenTestPkiOptions): Promise<TestPki> {
  const now = options.now ?? Date.now;
  const paths = pkiPaths(options.dataDir);
  mkdirSync(paths.dataDir, { recursive: true });
  const masterKey = ensureIssuerMasterKey(paths.dataDir);
  if (!existsSync(paths.ca.auth.certificate)) await createPkiDirectory(paths, now());
  const authorities = {
    auth: await loadAuthority(paths, 'auth'),
    sign: await loadAuthority(paths, 'sign'),
  };

  const publish = (kinds: readonly CaKind[], change?: (revocations: Revocations) => void) =>
    withDirectoryLock(paths.lock, async () => {
      const revocations = readRevocations(paths.revocations);
      change?.(revocations);
      for (const kind of kinds) revocations[kind].crlNumber += 1;
      writeRevocations(paths.revocations, revocations);
      for (const kind of kinds) await writeCrl(paths, authorities[kind], revocations, now());
    });

  const pki: TestPki = {
    dataDir: paths.dataDir,
    paths,
    authCa: authorities.auth.certificate,
    signCa: authorities.sign.certificate,
    issueCard: async (issue) => {
      const card = await issueCardFile(
        { authorities, masterKey, now: now(), revoke: (request) => pki.revoke(request) },
        issue,
      );
      if (card.jpki) await recordIssuedCard(paths, card.jpki);
      return card;
    },
    revoke: (request) =>
      publish([request.kind], (revocations) => {
        revocations[request.kind].entries.push({
          serialNumber: request.serialNumber.toLowerCase(),
          revokedAt: new Date(now()).toISOString(),
          reason: request.reason,
          persona: request.persona,
          tokenSerial: request.tokenSerial,
        });
      }),
    refreshCrls: () => publish(CA_KINDS),
  };
  if (crlsNeedRefresh(paths, now())) await pki.refreshCrls();
  return pki;
}

/**
 * Writes the issuer record line of a card (DESIGN §3): its token serial and the issuer and serial
 * number of both its certificates, under the PKI directory lock.
 */
async function recordIssuedCard(
  paths: PkiPaths,
  jpki: { tokenSerial: string; authCertificate: string; signCertificate: string },
): Promise<void> {
  const certificate = (base64: string) =>
    new x509.X509Certificate(new Uint8Array(Buffer.from(base64, 'base64')));
  const certificates = [certificate(jpki.authCertificate), certificate(jpki.signCertificate)];
  await withDirectoryLock(paths.lock, async () => {
    appendIssuedCard(paths.issuerRecord, { tokenSerial: jpki.tokenSerial, certificates });
  });
}

/** Builds both CAs, empty CRLs and the revocation store in a private directory, then places it. */
async function createPkiDirectory(paths: PkiPaths, now: number): Promise<void> {
  const building = join(paths.dataDir, `.pki-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(building, { mode: 0o700 });
  try {
    const files = pkiDirectoryFiles(building);
    const revocations = emptyRevocations();
    for (const kind of CA_KINDS) {
      const ca = await createCertificateAuthority(kind, now);
      writeFileSync(files.ca[kind].certificate, Buffer.from(ca.certificate.rawData), { mode: 0o644 });
      writeFileSync(files.ca[kind].privateKey, ca.privateKeyPem, { mode: 0o600 });
      revocations[kind].crlNumber = 1;
      const crl = await createCrl(ca, {
        entries: [],
        thisUpdate: now,
        nextUpdate: now + CRL_LIFETIME_MS,
        crlNumber: 1,
      });
      writeFileSync(files.ca[kind].crl, Buffer.from(crl.rawData), { mode: 0o644 });
    }
    writeRevocations(files.revocations, revocations);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  placeDirectoryOnce(building, paths.pkiDir);
}

async function loadAuthority(paths: PkiPaths, kind: CaKind): Promise<CertificateAuthority> {
  return loadCertificateAuthority(
    kind,
    readFileSync(paths.ca[kind].certificate),
    readFileSync(paths.ca[kind].privateKey, 'utf8'),
  );
}

async function writeCrl(
  paths: PkiPaths,
  ca: CertificateAuthority,
  revocations: Revocations,
  now: number,
): Promise<void> {
  const state = revocations[ca.kind];
  const crl = await createCrl(ca, {
    entries: state.entries.map((entry) => ({
      serialNumber: entry.serialNumber,
      revokedAt: Date.parse(entry.revokedAt),
      reason: entry.reason,
    })),
    thisUpdate: now,
    nextUpdate: now + CRL_LIFETIME_MS,
    crlNumber: state.crlNumber,
  });
  writeFileAtomically(paths.ca[ca.kind].crl, Buffer.from(crl.rawData), 0o644);
}

/** True when a CRL is close to its nextUpdate at `now`, or dated after `now` (another clock). */
function crlsNeedRefresh(paths: PkiPaths, now: number): boolean {
  const { authCrl, signCrl } = loadCrls(paths.dataDir);
  return [authCrl, signCrl].some((crl) => {
    const nextUpdate = crl.nextUpdate?.getTime() ?? 0;
    return now < crl.thisUpdate.getTime() || nextUpdate - now < CRL_REFRESH_MARGIN_MS;
  });
}
