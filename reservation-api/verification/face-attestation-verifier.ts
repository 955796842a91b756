import type { KeyObject } from 'node:crypto';
import { compactVerify, type CompactJWSHeaderParameters } from 'jose';
import { Compile } from 'typebox/compile';
import { type ApiErrorCode, FACE_ATTESTATION_ALGORITHMS, FaceAttestationPayload } from '../contract';

/**
 * Checks the face-verification provider's attestation (a compact JWS). The match itself happens
 * in the app's SDK; the server trusts only the provider's signature, then the statement: for this
 * challenge's nonce, fresh, match and liveness true, score at or above the threshold.
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
    let payloadBytes: Uint8Array;
    try {
      const verified = await compactVerify(jws, (header: CompactJWSHeaderParameters) => this.keyFor(header), {
        algorithms: [...FACE_ATTESTATION_ALGORITHMS],
      });
      payloadBytes = verified.payload;
    } catch {
      return 'FACE_ATTESTATION_INVALID';
    }
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(payloadBytes).toString('utf8'));
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

  private keyFor(header: CompactJWSHeaderParameters): KeyObject {
    const key = header.kid === undefined ? undefined : this.keys.get(header.kid);
    // The key decides the algorithm: a header naming another one is refused, whatever it says.
    if (!key || key.alg !== header.alg) throw new Error('unknown face provider key');
    return key.publicKey;
  }
}
