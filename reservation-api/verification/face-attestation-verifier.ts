import type { KeyObject } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { Compile } from 'typebox/compile';
import type { FACE_ATTESTATION_ALGORITHMS } from '../contract';
import { type ApiErrorCode, FaceAttestationPayload } from '../contract';
import { verifySignature } from './verify-signature';

/**
 * Checks the face-verification provider's attestation (a compact JWS). The match itself happens
 * in the app's SDK; the server trusts only the provider's signature, then the statement: for this
 * challenge's nonce, fresh, match and liveness true, score at or above the threshold.
 *
 * One shape is accepted — a compact JWS (RFC 7515) whose protected header jose decodes, naming a
 * known `kid` and that key's own `alg`, with no `crit` and no unencoded payload (`b64`, RFC 7797)
 * — and its signature over `header.payload` is checked with node:crypto directly, synchronously:
 * jose's own check goes through WebCrypto's asynchronous job and cost ~0.15 ms more per create
 * (issue 13, docs/benchmarks.md).
 */

export interface FaceProviderKey {
  kid: string;
  alg: (typeof FACE_ATTESTATION_ALGORITHMS)[number];
  publicKey: KeyObject;
}

export interface FaceAttestationPolicy {
  /** Minimum score, 0–1 (default 0.90). */
  threshold: number;
  /** Oldest acceptable `iat` (default 10 minutes). */
  maxAgeMs: number;
  /** How far in the future `iat` may be (clock differences). */
  futureSkewMs: number;
}

const checkPayload = Compile(FaceAttestationPayload);

export class FaceAttestationVerifier {
  private readonly keys: Map<string, FaceProviderKey>;

  constructor(
    keys: readonly FaceProviderKey[],
    private readonly policy: FaceAttestationPolicy,
  ) {
    this.keys = new Map(keys.map((key) => [key.kid, key]));
  }

  /** undefined when the attestation is acceptable for `nonce` at `now`, else the refusal code. */
  async check(jws: string, nonce: string, now: number): Promise<ApiErrorCode | undefined> {
    const payloadBytes = this.verifiedPayload(jws);
    if (!payloadBytes) return 'FACE_ATTESTATION_INVALID';
    let payload: unknown;
    try {
      payload = JSON.parse(payloadBytes.toString('utf8'));
    } catch {
      return 'FACE_ATTESTATION_INVALID';
    }
    if (!checkPayload.Check(payload) || payload.nonce !== nonce) return 'FACE_ATTESTATION_INVALID';
    const issuedAt = payload.iat * 1000;
    if (now - issuedAt > this.policy.maxAgeMs || issuedAt - now > this.policy.futureSkewMs) {
      return 'FACE_ATTESTATION_STALE';
    }
    if (!payload.match) return 'FACE_NOT_MATCHED';
    if (!payload.liveness) return 'LIVENESS_FAILED';
    if (payload.score < this.policy.threshold) return 'FACE_SCORE_LOW';
    return undefined;
  }

  /** The payload's bytes when `jws` is the accepted shape and its signature verifies, else undefined. */
  private verifiedPayload(jws: string): Buffer | undefined {
    const parts = jws.split('.');
    if (parts.length !== 3 || parts.some((part) => !BASE64URL.test(part))) return undefined;
    const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
    try {
      const header = decodeProtectedHeader(jws);
      const key = typeof header.kid === 'string' ? this.keys.get(header.kid) : undefined;
      // The key decides the algorithm: a header naming another one is refused, whatever it says.
      if (!key || key.alg !== header.alg || 'crit' in header || 'b64' in header) return undefined;
      const { digest, dsaEncoding } = SIGNATURE_PARAMETERS[key.alg];
      const verified = verifySignature(
        digest,
        Buffer.from(`${encodedHeader}.${encodedPayload}`, 'ascii'),
        dsaEncoding ? { key: key.publicKey, dsaEncoding } : key.publicKey,
        Buffer.from(encodedSignature, 'base64url'),
      );
      return verified ? Buffer.from(encodedPayload, 'base64url') : undefined;
    } catch {
      return undefined;
    }
  }
}

/** Base64url without padding, as JWS encodes each part (RFC 7515 §2). */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** How node:crypto checks each accepted JWS algorithm (RFC 7518 §3.4: ES256 signatures are r ‖ s). */
const SIGNATURE_PARAMETERS: Record<
  FaceProviderKey['alg'],
  { digest: string | null; dsaEncoding?: 'ieee-p1363' }
> = {
  ES256: { digest: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { digest: null },
};
