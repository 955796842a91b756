import { verify } from 'node:crypto';

/**
 * `crypto.verify`, synchronously, on the event loop. A request's signature checks (the kiosk's
 * Ed25519 request signature, the card's RSA proof, the face provider's JWS) cost 0.05–0.2 ms each
 * here; handing each to libuv's thread pool added ~85 µs of CPU per check (the job, the thread's
 * wake-up, the callback) — in alternated `npm run bench` runs kiosk requests cost 2.6–2.7× their
 * crypto baseline through the pool and 2.2–2.45× synchronously (docs/benchmarks.md). The loop is
 * blocked for at most that long per check, far inside the 20 ms latency aim. Returns false for a
 * signature that does not verify; throws only for unusable inputs (a key of the wrong type, a bad
 * algorithm).
 */
export function verifySignature(
  algorithm: string | null,
  data: Uint8Array,
  /** A public key, or one with options (an ECDSA key whose signatures are r ‖ s: dsaEncoding). */
  key: Parameters<typeof verify>[2],
  signature: Uint8Array,
): boolean {
  return verify(algorithm, data, key, signature);
}
