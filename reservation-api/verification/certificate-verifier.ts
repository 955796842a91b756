import { createHash } from 'node:crypto';
import type { ApiErrorCode } from '../contract';
import { BoundedCache } from './bounded-cache';
import { isCanonicalCertificateDer } from './strict-der';
import type { TrustMaterial, TrustSource } from './trust-material';
import { x509 } from './x509';

/**
 * Verifies the card's certificates the way a relying party of JPKI must, in a fixed order with a
 * distinct code per stage, each stage applied to every certificate before the next:
 * parse (CERT_MALFORMED) → chain to a trust anchor of the certificate's kind, signatures and key
 * usage (CERT_UNTRUSTED) → validity at `now` (CERT_NOT_YET_VALID, CERT_EXPIRED) → revocation by the
 * issuer's CRL (REVOCATION_UNAVAILABLE, CERT_REVOKED, SIGN_CERT_REVOKED for a signature certificate).
 *
 * Speed without caching a decision: parsed certificates are kept by the SHA-256 of their DER, and
 * a certificate's signature once checked against an issuer is remembered for that pair of DERs —
 * both pure functions of the bytes; so are a parsed CRL's issuer name and its set of revoked serials. Everything that depends on the trust material, the CRLs or the
 * clock (which issuer is an anchor, CA validity, key usage, validity dates, revocation) is decided
 * again on every call.
 */

export type CardCertificateKind = 'auth' | 'sign';

export interface CertificateToVerify {
  der: Uint8Array;
  kind: CardCertificateKind;
}

export interface VerifiedCertificate {
  kind: CardCertificateKind;
  certificate: x509.X509Certificate;
  /** Leaf first, trust anchor last. */
  chain: x509.X509Certificate[];
}

export type CertificateOutcome =
  { ok: true; value: VerifiedCertificate[] } | { ok: false; code: ApiErrorCode };

export type RecordedCardOutcome = { ok: true; value: string } | { ok: false; code: ApiErrorCode };

export interface CertificateVerifierOptions {
  /**
   * How long after a CRL's nextUpdate it is still accepted. Past that, revocation status is
   * unknown and verification fails closed with REVOCATION_UNAVAILABLE.
   */
  crlGraceMs: number;
  /** How many parsed certificates and checked signatures to keep (each; default 1024). */
  cacheCapacity?: number;
}

const MAX_CHAIN_DEPTH = 4;
const DEFAULT_CACHE_CAPACITY = 1024;

export class CardCertificateVerifier {
  /** CRLs whose signature already verified against their issuer, to verify each only once. */
  private readonly verifiedCrls = new WeakMap<x509.X509Crl, x509.X509Certificate>();
  /** Parsed certificates by the SHA-256 of their DER. */
  private readonly parsed: BoundedCache<string, x509.X509Certificate>;
  /** `certificate digest/issuer digest` pairs whose signature verified. */
  private readonly signedPairs: BoundedCache<string, true>;

  constructor(
    private readonly trust: TrustSource,
    private readonly options: CertificateVerifierOptions,
  ) {
    const capacity = options.cacheCapacity ?? DEFAULT_CACHE_CAPACITY;
    this.parsed = new BoundedCache(capacity);
    this.signedPairs = new BoundedCache(capacity);
  }

  /** Verifies every certificate through every stage, in order; the first failure decides the code. */
  async verify(items: readonly CertificateToVerify[], now: number): Promise<CertificateOutcome> {
    const trust = this.trust.current();
    const date = new Date(now);
    const parsed: { kind: CardCertificateKind; certificate: x509.X509Certificate }[] = [];
    for (const item of items) {
      const certificate = this.parseCertificate(item.der);
      if (!certificate) return { ok: false, code: 'CERT_MALFORMED' };
      parsed.push({ kind: item.kind, certificate });
    }
    const verified: VerifiedCertificate[] = [];
    for (const { kind, certificate } of parsed) {
      const chain = await this.buildTrustedChain(certificate, kind, trust, date);
      if (!chain || !hasLeafKeyUsage(certificate, kind)) return { ok: false, code: 'CERT_UNTRUSTED' };
      verified.push({ kind, certificate, chain });
    }
    for (const { certificate } of verified) {
      if (date < certificate.notBefore) return { ok: false, code: 'CERT_NOT_YET_VALID' };
      if (date > certificate.notAfter) return { ok: false, code: 'CERT_EXPIRED' };
    }
    for (const item of verified) {
      const status = await this.revocationStatus(item, trust, now);
      if (status !== 'good') return { ok: false, code: status };
    }
    return { ok: true, value: verified };
  }

  /**
   * The token serial the issuer record gives for the card of these (verified) certificates:
   * CERT_UNTRUSTED when one is not on record (the issuer does not know it), CARD_MISMATCH when they
   * are of different cards or not of the card whose serial the request `stated` (DESIGN §3). Keyed
   * on issuer and serial number, never on the bytes sent.
   */
  recordedCard(certificates: readonly x509.X509Certificate[], stated?: string): RecordedCardOutcome {
    const record = this.trust.current().issuerRecord;
    let tokenSerial: string | undefined;
    for (const certificate of certificates) {
      const recorded = record.tokenSerialOf(certificate);
      if (recorded === undefined) return { ok: false, code: 'CERT_UNTRUSTED' };
      if (tokenSerial !== undefined && recorded !== tokenSerial) return { ok: false, code: 'CARD_MISMATCH' };
      tokenSerial = recorded;
    }
    if (tokenSerial === undefined) return { ok: false, code: 'CERT_UNTRUSTED' };
    if (stated !== undefined && stated !== tokenSerial) return { ok: false, code: 'CARD_MISMATCH' };
    return { ok: true, value: tokenSerial };
  }

  private async revocationStatus(
    item: VerifiedCertificate,
    trust: TrustMaterial,
    now: number,
  ): Promise<'good' | ApiErrorCode> {
    const issuer = item.chain[1];
    if (!issuer) return 'REVOCATION_UNAVAILABLE';
    const crl = await this.currentCrl(issuer, trust);
    if (!crl) return 'REVOCATION_UNAVAILABLE';
    const nextUpdate = crl.nextUpdate?.getTime();
    if (nextUpdate !== undefined && now > nextUpdate + this.options.crlGraceMs)
      return 'REVOCATION_UNAVAILABLE';
    // certificateHold (a lost card) is listed too, and refused like a revocation.
    if (revokedSerialsOf(crl).has(normalisedSerial(item.certificate.serialNumber))) {
      return item.kind === 'sign' ? 'SIGN_CERT_REVOKED' : 'CERT_REVOKED';
    }
    return 'good';
  }

  /** The newest CRL issued and signed by `issuer`. */
  private async currentCrl(
    issuer: x509.X509Certificate,
    trust: TrustMaterial,
  ): Promise<x509.X509Crl | undefined> {
    let newest: x509.X509Crl | undefined;
    for (const crl of trust.crls) {
      if (crlIssuerOf(crl) !== issuer.subject) continue;
      if (!(await this.crlSignedBy(crl, issuer))) continue;
      if (!newest || crl.thisUpdate > newest.thisUpdate) newest = crl;
    }
    return newest;
  }

  private async crlSignedBy(crl: x509.X509Crl, issuer: x509.X509Certificate): Promise<boolean> {
    if (this.verifiedCrls.get(crl) === issuer) return true;
    const ok = await crl.verify({ publicKey: issuer }).catch(() => false);
    if (ok) this.verifiedCrls.set(crl, issuer);
    return ok;
  }

  /**
   * The certificate `der` encodes, parsed once per distinct DER; undefined when it does not parse
   * or is not exactly one certificate in canonical DER (trailing bytes, non-minimal lengths…).
   */
  parseCertificate(der: Uint8Array): x509.X509Certificate | undefined {
    const digest = derDigest(der);
    const cached = this.parsed.get(digest);
    if (cached) return cached;
    try {
      if (!isCanonicalCertificateDer(der)) return undefined;
      const certificate = new x509.X509Certificate(Buffer.from(der));
      // Touch the fields verification needs, so a structurally odd certificate fails here.
      void certificate.notAfter;
      void certificate.publicKey;
      digests.set(certificate, digest);
      this.parsed.set(digest, certificate);
      return certificate;
    } catch {
      return undefined;
    }
  }

  /**
   * Walks from the leaf up through issuers whose subject names and signatures match, until a trust
   * anchor of the certificate's kind. Every CA on the way must be a valid CA at `date`.
   */
  private async buildTrustedChain(
    leaf: x509.X509Certificate,
    kind: CardCertificateKind,
    trust: TrustMaterial,
    date: Date,
  ): Promise<x509.X509Certificate[] | undefined> {
    const anchors = kind === 'auth' ? trust.authAnchors : trust.signAnchors;
    const pool = [...anchors, ...trust.intermediates];
    const chain = [leaf];
    let current = leaf;
    for (let depth = 0; depth < MAX_CHAIN_DEPTH; depth += 1) {
      const issuer = await this.findIssuer(current, pool);
      if (!issuer || !isValidCa(issuer, date)) return undefined;
      chain.push(issuer);
      if (anchors.some((anchor) => sameCertificate(anchor, issuer))) return chain;
      current = issuer;
    }
    return undefined;
  }

  private async findIssuer(
    certificate: x509.X509Certificate,
    pool: readonly x509.X509Certificate[],
  ): Promise<x509.X509Certificate | undefined> {
    for (const candidate of pool) {
      if (candidate.subject !== certificate.issuer || sameCertificate(candidate, certificate)) continue;
      if (await this.isSignedBy(certificate, candidate)) return candidate;
    }
    return undefined;
  }

  /** Whether `issuer`'s key signed `certificate`; a success is remembered for this pair of DERs. */
  private async isSignedBy(
    certificate: x509.X509Certificate,
    issuer: x509.X509Certificate,
  ): Promise<boolean> {
    const pair = `${digestOf(certificate)}/${digestOf(issuer)}`;
    if (this.signedPairs.get(pair)) return true;
    const signed = await certificate.verify({ publicKey: issuer, signatureOnly: true }).catch(() => false);
    if (signed) this.signedPairs.set(pair, true);
    return signed;
  }
}

const revokedSerials = new WeakMap<x509.X509Crl, Set<string>>();

/**
 * The serial numbers a CRL lists, as a set built once per parsed CRL (a new CRL is a new object):
 * a real JPKI CRL lists very many certificates, and scanning it on every request grows with it.
 */
function revokedSerialsOf(crl: x509.X509Crl): Set<string> {
  let serials = revokedSerials.get(crl);
  if (!serials) {
    serials = new Set(crl.entries.map((entry) => normalisedSerial(entry.serialNumber)));
    revokedSerials.set(crl, serials);
  }
  return serials;
}

/** A serial number as lower-case hex without the leading zero octets DER may add for the sign bit. */
function normalisedSerial(hex: string): string {
  return hex.toLowerCase().replace(/^(00)+(?=..)/, '');
}

const crlIssuers = new WeakMap<x509.X509Crl, string>();

/** A CRL's issuer name (the library renders it anew on every read). */
function crlIssuerOf(crl: x509.X509Crl): string {
  let issuer = crlIssuers.get(crl);
  if (issuer === undefined) {
    issuer = crl.issuer;
    crlIssuers.set(crl, issuer);
  }
  return issuer;
}

/** SHA-256 (hex) of DER bytes: the cache key of a certificate. */
function derDigest(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}

const digests = new WeakMap<x509.X509Certificate, string>();

/** The DER digest of a parsed certificate, computed once per object (trust anchors included). */
function digestOf(certificate: x509.X509Certificate): string {
  let digest = digests.get(certificate);
  if (digest === undefined) {
    digest = derDigest(new Uint8Array(certificate.rawData));
    digests.set(certificate, digest);
  }
  return digest;
}

function isValidCa(certificate: x509.X509Certificate, date: Date): boolean {
  if (date < certificate.notBefore || date > certificate.notAfter) return false;
  const basic = certificate.getExtension(x509.BasicConstraintsExtension);
  if (basic && !basic.ca) return false;
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  return !usage || (usage.usages & x509.KeyUsageFlags.keyCertSign) !== 0;
}

/** An authentication certificate signs (digitalSignature); a signature certificate commits (nonRepudiation). */
function hasLeafKeyUsage(certificate: x509.X509Certificate, kind: CardCertificateKind): boolean {
  const usage = certificate.getExtension(x509.KeyUsagesExtension);
  if (!usage) return false;
  const wanted =
    kind === 'auth'
      ? x509.KeyUsageFlags.digitalSignature
      : x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.digitalSignature;
  return (usage.usages & wanted) !== 0;
}

function sameCertificate(a: x509.X509Certificate, b: x509.X509Certificate): boolean {
  return Buffer.from(a.rawData).equals(Buffer.from(b.rawData));
}
