import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * @peculiar/x509 wired to Node's WebCrypto once for the test PKI. The library resolves its
 * algorithm providers through tsyringe, which needs a Reflect metadata polyfill loaded first.
 */
export const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

/** RSA-2048 with SHA-256: every key and signature of JPKI (sha256WithRSAEncryption). */
export const RSA_SHA256 = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
} as const;

export { x509 };
