import { RSA_SHA256, crypto, x509 } from './x509';

/** A fresh RSA-2048 key pair for sha256WithRSAEncryption. */
export async function generateRsaKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(RSA_SHA256, true, ['sign', 'verify']);
}

/** PKCS#8 PEM of a private key. */
export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`;
}

/** Imports a PKCS#8 PEM RSA private key for signing certificates and CRLs. */
export async function privateKeyFromPem(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return crypto.subtle.importKey('pkcs8', der, { name: RSA_SHA256.name, hash: RSA_SHA256.hash }, false, [
    'sign',
  ]);
}
