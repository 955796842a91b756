import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { certificateKey } from '../../hardware/pki/issuer-record';
import { CARD_PROOF_PURPOSES, type CardProofPurpose, type Procedure } from '../contract';
import type { CertificateToVerify } from './certificate-verifier';
import { verifySignature } from './verify-signature';
import type { x509 } from './x509';

/**
 * Checks the card's proof: an RSA PKCS#1 v1.5 signature over SHA-256(purpose ‖ nonce) — what the
 * card returns for COMPUTE DIGITAL SIGNATURE over that digest's DigestInfo — by the key of the
 * proof certificate (synchronously, see verifySignature).
 */
export function verifyCardProof(
  certificate: x509.X509Certificate,
  purpose: CardProofPurpose,
  nonce: string,
  signature: Uint8Array,
): boolean {
  try {
    const key = proofKeyOf(certificate);
    if (key.asymmetricKeyType !== 'rsa') return false;
    const message = Buffer.from(`${CARD_PROOF_PURPOSES[purpose]}${nonce}`, 'utf8');
    return verifySignature('sha256', message, key, signature);
  } catch {
    return false;
  }
}

/** A request's certificates, decoded once: the authentication certificate and the proof's. */
export interface ProofCertificates {
  auth: Buffer;
  proof: Buffer;
}

export function proofCertificatesOf(request: {
  authCertificate: string;
  proof: { certificate: string };
}): ProofCertificates {
  return {
    auth: Buffer.from(request.authCertificate, 'base64'),
    proof: Buffer.from(request.proof.certificate, 'base64'),
  };
}

/**
 * What to verify before a proof is checked: the authentication certificate, and for auth-pin the
 * signature certificate whose key proves the signature PIN.
 */
export function certificatesToVerify(procedure: Procedure, ders: ProofCertificates): CertificateToVerify[] {
  const toVerify: CertificateToVerify[] = [{ der: ders.auth, kind: 'auth' }];
  if (procedure === 'auth-pin') toVerify.push({ der: ders.proof, kind: 'sign' });
  return toVerify;
}

/**
 * The certificate whose key proved the PIN, when the request's proof is a valid card proof for
 * its procedure over its nonce, else undefined (PROOF_INVALID). signature-pin proves the 4-digit
 * PIN with the authentication key, so its proof certificate must be the authentication certificate
 * itself (`verified[0]`); auth-pin proves the signature PIN with the signature key (`verified[1]`).
 */
export function provenCertificate(
  request: { procedure: Procedure; nonce: string; proof: { signature: string } },
  ders: ProofCertificates,
  verified: readonly { certificate: x509.X509Certificate }[],
  purpose: CardProofPurpose,
): x509.X509Certificate | undefined {
  const byAuthPin = request.procedure === 'auth-pin';
  const certificate = verified[byAuthPin ? 1 : 0]?.certificate;
  const expected = byAuthPin || ders.proof.equals(ders.auth);
  const signature = Buffer.from(request.proof.signature, 'base64');
  return certificate && expected && verifyCardProof(certificate, purpose, request.nonce, signature)
    ? certificate
    : undefined;
}

const proofKeys = new WeakMap<x509.X509Certificate, KeyObject>();

/**
 * The certificate's public key as a KeyObject, imported once per certificate object (the
 * certificate verifier hands out the same object for the same DER).
 */
function proofKeyOf(certificate: x509.X509Certificate): KeyObject {
  let key = proofKeys.get(certificate);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(certificate.publicKey.rawData), format: 'der', type: 'spki' });
    proofKeys.set(certificate, key);
  }
  return key;
}

/**
 * The card's pseudonym: SHA-256 (hex) of its authentication certificate's issuer Name (DER) and
 * serial number — what names the certificate, not the bytes a client sent (issue 12, part 3).
 * Reservations, lookups and the per-card attempt limit are keyed on it.
 */
export function cardRefOf(authCertificate: x509.X509Certificate): string {
  let ref = cardRefs.get(authCertificate);
  if (ref === undefined) {
    ref = createHash('sha256')
      .update('jpki-pin-reset/card-ref/v1\n', 'latin1')
      .update(certificateKey(authCertificate))
      .digest('hex');
    cardRefs.set(authCertificate, ref);
  }
  return ref;
}

const cardRefs = new WeakMap<x509.X509Certificate, string>();

/** SHA-256 (hex) of a certificate's SubjectPublicKeyInfo: names the proof key. */
export function publicKeyRef(certificate: x509.X509Certificate): string {
  let ref = publicKeyRefs.get(certificate);
  if (ref === undefined) {
    ref = createHash('sha256').update(Buffer.from(certificate.publicKey.rawData)).digest('hex');
    publicKeyRefs.set(certificate, ref);
  }
  return ref;
}

const publicKeyRefs = new WeakMap<x509.X509Certificate, string>();
