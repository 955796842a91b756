import { type KeyObject, verify } from 'node:crypto';

/**
 * `crypto.verify` with a callback: Node runs the signature check in libuv's thread pool, so a
 * request's RSA or Ed25519 verification (~0.05–0.15 ms each on a small box) overlaps with the
 * event loop serving other requests instead of blocking it. Resolves false for a signature that
 * does not verify; rejects only for unusable inputs (a key of the wrong type, a bad algorithm).
 */
export function verifyInPool(
  algorithm: string | null,
  data: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    verify(algorithm, data, key, signature, (error, valid) => (error ? reject(error) : resolve(valid)));
  });
}
