import { createHash, type KeyObject, randomBytes, sign } from 'node:crypto';
import { KIOSK_SIGNATURE } from '../../reservation-api/contract';

/**
 * RFC 9421 signatures of kiosk requests, byte for byte what kiosk/api-client/request-signer.ts
 * produces (fleet-signer.test.ts compares the two), without the general-purpose library's
 * structured-field machinery: the fleet signs thousands of requests a second and the library costs
 * ~8× the Ed25519 signature itself. Only the one shape kiosks use: POST, label `kiosk`,
 * components @method @path content-digest, parameters created keyid alg nonce.
 */

const COMPONENTS = `(${KIOSK_SIGNATURE.components.map((name) => `"${name}"`).join(' ')})`;

export interface FleetSignedRequest {
  kioskId: string;
  privateKey: KeyObject;
  /** The request path (what @path covers). */
  path: string;
  body: Buffer;
  /** Epoch ms of the kiosk clock. */
  now: number;
  nonce?: string;
}

/** The headers to add: content-digest, signature-input, signature. */
export function signFleetRequest(request: FleetSignedRequest): Record<string, string> {
  const digest = `sha-256=:${createHash('sha256').update(request.body).digest('base64')}:`;
  const nonce = request.nonce ?? randomBytes(16).toString('base64url');
  const params =
    `${COMPONENTS};created=${Math.floor(request.now / 1000)};keyid="${request.kioskId}"` +
    `;alg="${KIOSK_SIGNATURE.algorithm}";nonce="${nonce}"`;
  const base =
    `"@method": POST\n"@path": ${request.path}\n"content-digest": ${digest}\n` +
    `"@signature-params": ${params}`;
  const signature = sign(null, Buffer.from(base, 'utf8'), request.privateKey).toString('base64');
  return {
    'content-digest': digest,
    'signature-input': `${KIOSK_SIGNATURE.label}=${params}`,
    signature: `${KIOSK_SIGNATURE.label}=:${signature}:`,
  };
}
