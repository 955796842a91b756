import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import type { CaKind } from './pki-layout';
import { generateRsaKeyPair, privateKeyFromPem, privateKeyToPem } from './rsa-keys';
import { RSA_SHA256, crypto, x509 } from './x509';

/**
 * The two J-LIS-like certification authorities: user authentication (利用者証明用) and digital
 * signature (署名用), each a self-signed RSA-2048 root that signs card certificates and its CRL.
 */

const JLIS = 'Japan Agency for Local Authority Information Systems';

/** Issuer names as real JPKI certificates carry them (jpki-card.md). */
export const CA_SUBJECTS: Record<CaKind, string> = {
  auth: `C=JP, O=JPKI, OU=JPKI for user authentication, OU=${JLIS}`,
  sign: `C=JP, O=JPKI, OU=JPKI for digital signature, OU=${JLIS}`,
};

const YEAR_MS = 365.25 * 24 * 60 * 60 * 1000;
/**
 * A test CA is back-dated so that certificates of the expired personas (issued over five years
 * before "now") still chain to a CA that was valid when they were issued, and lasts long enough
 * for any demo.
 */
const CA_BACKDATE_YEARS = 10;
const CA_LIFETIME_YEARS = 30;

const SIGNING = { name: RSA_SHA256.name, hash: RSA_SHA256.hash };

export interface CertificateAuthority {
  kind: CaKind;
  certificate: x509.X509Certificate;
  privateKey: CryptoKey;
}

export interface CreatedCertificateAuthority extends CertificateAuthority {
  privateKeyPem: string;
}

/** A random positive serial number (16 bytes, hex), the form RFC 5280 expects. */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, and no leading zero byte to strip
  return bytes.toString('hex');
}

/** Generates a new self-signed CA of `kind`, valid around `now`. */
export async function createCertificateAuthority(
  kind: CaKind,
  now: number,
): Promise<CreatedCertificateAuthority> {
  const keys = await generateRsaKeyPair();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomSerialNumber(),
      name: CA_SUBJECTS[kind],
      notBefore: new Date(Math.floor((now - CA_BACKDATE_YEARS * YEAR_MS) / 1000) * 1000),
      notAfter: new Date(Math.floor((now + (CA_LIFETIME_YEARS - CA_BACKDATE_YEARS) * YEAR_MS) / 1000) * 1000),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return {
    kind,
    certificate,
    privateKey: keys.privateKey,
    privateKeyPem: await privateKeyToPem(keys.privateKey),
  };
}

/** Rebuilds a CA from its stored certificate (DER) and private key (PKCS#8 PEM). */
export async function loadCertificateAuthority(
  kind: CaKind,
  certificateDer: Uint8Array,
  privateKeyPem: string,
): Promise<CertificateAuthority> {
  return {
    kind,
    certificate: new x509.X509Certificate(Buffer.from(certificateDer)),
    privateKey: await privateKeyFromPem(privateKeyPem),
  };
}

export interface LeafCertificateRequest {
  subject: string;
  publicKey: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  extensions: x509.Extension[];
}

/** Issues an end-entity certificate signed by `ca`, with key identifiers linking it to the CA. */
export async function issueCertificate(
  ca: CertificateAuthority,
  request: LeafCertificateRequest,
): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create(
    {
      serialNumber: randomSerialNumber(),
      subject: request.subject,
      issuer: ca.certificate.subject,
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      publicKey: request.publicKey,
      signingKey: ca.privateKey,
      signingAlgorithm: SIGNING,
      extensions: [
        ...request.extensions,
        await x509.SubjectKeyIdentifierExtension.create(request.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(ca.certificate, false, crypto),
      ],
    },
    crypto,
  );
}

export interface CrlEntry {
  /** Hex serial number of the revoked certificate. */
  serialNumber: string;
  revokedAt: number;
  reason: x509.X509CrlReason;
}

export interface CrlRequest {
  entries: readonly CrlEntry[];
  thisUpdate: number;
  nextUpdate: number;
  crlNumber: number;
}

/** Signs a CRL of `ca` listing `entries`, with a CRL number and the CA's key identifier. */
export async function createCrl(ca: CertificateAuthority, request: CrlRequest): Promise<x509.X509Crl> {
  return x509.X509CrlGenerator.create(
    {
      issuer: ca.certificate.subject,
      thisUpdate: new Date(request.thisUpdate),
      nextUpdate: new Date(request.nextUpdate),
      signingAlgorithm: SIGNING,
      signingKey: ca.privateKey,
      entries: request.entries.map((entry) => ({
        serialNumber: entry.serialNumber,
        revocationDate: new Date(entry.revokedAt),
        reason: entry.reason,
      })),
      extensions: [
        await x509.AuthorityKeyIdentifierExtension.create(ca.certificate, false, crypto),
        new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(request.crlNumber))),
      ],
    },
    crypto,
  );
}
