import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';
import type { FaceAttestationPayload } from '../contract';

/**
 * Signs a face-match statement as the face-verification provider would (development only: the
 * dev provider key lives in the data directory). In production the provider's SDK produces it.
 */
export async function signFaceAttestation(
  key: { kid: string; alg: 'EdDSA' | 'ES256'; privateKey: KeyObject },
  payload: FaceAttestationPayload,
): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload), 'utf8'))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'face-attestation+jws' })
    .sign(key.privateKey);
}
