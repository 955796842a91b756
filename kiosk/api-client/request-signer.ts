import { createPrivateKey, type KeyObject, randomBytes } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { contentDigest, KIOSK_SIGNATURE } from '../../reservation-api/contract';

/**
 * Signs one kiosk request per RFC 9421 (HTTP Message Signatures) with the kiosk's Ed25519 key:
 * label `kiosk`, keyid = kiosk id, covering @method, @path and the RFC 9530 Content-Digest of the
 * exact body bytes, with `created` from the injected clock and a fresh random `nonce`.
 */

export interface KioskSigningKey {
  kioskId: string;
  privateKey: KeyObject;
}

export interface RequestToSign {
  method: string;
  /** Absolute URL of the request. */
  url: string;
  /** The exact bytes that will be sent. */
  body: Uint8Array;
  /** Epoch ms of the kiosk clock. */
  now: number;
  /** Defaults to 16 random bytes, base64url. */
  nonce?: string;
}

/** Loads a PKCS#8 PEM Ed25519 private key; throws when it is not one. */
export function loadKioskPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the kiosk key must be Ed25519, got ${key.asymmetricKeyType ?? 'a symmetric key'}`);
  }
  return key;
}

/** The headers to add to the request: Content-Digest, Signature-Input, Signature. */
export async function signKioskRequest(
  key: KioskSigningKey,
  request: RequestToSign,
): Promise<Record<string, string>> {
  const headers = { 'content-digest': contentDigest(request.body) };
  const signed = await httpbis.signMessage(
    {
      key: createSigner(key.privateKey, KIOSK_SIGNATURE.algorithm, key.kioskId),
      name: KIOSK_SIGNATURE.label,
      fields: [...KIOSK_SIGNATURE.components],
      params: [...KIOSK_SIGNATURE.parameters],
      paramValues: {
        created: new Date(request.now),
        nonce: request.nonce ?? randomBytes(16).toString('base64url'),
      },
    },
    { method: request.method.toUpperCase(), url: request.url, headers },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
