import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { JPKI_ATR } from '../../jpki/constants';
import type { CardFile } from '../card-file';

/**
 * A small, self-contained card file for unit tests of the card layer: two RSA-2048 keys and
 * self-signed certificates (the card does not care who issued them). Real personas come from the
 * test PKI (`npm run card`). Keys are generated once per test process.
 */

const ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

interface KeyMaterial {
  pem: string;
  keys: CryptoKeyPair;
}

let material: Promise<{ auth: KeyMaterial; sign: KeyMaterial }> | undefined;

async function generate(): Promise<KeyMaterial> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const pem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { pem, keys };
}

async function selfSigned(name: string, keys: CryptoKeyPair, serial: string): Promise<string> {
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial,
      name,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2029-01-01T14:59:59Z'),
      signingAlgorithm: ALGORITHM,
      keys,
    },
    webcrypto as unknown as Crypto,
  );
  return Buffer.from(certificate.rawData).toString('base64');
}

export interface TestCardOptions {
  authPin?: string;
  signPin?: string;
  authTriesLeft?: number;
  signTriesLeft?: number;
  tokenSerial?: string;
  resetKeyHex?: string;
  resetFailures?: number;
}

export const TEST_AUTH_PIN = '1234';
export const TEST_SIGN_PIN = 'ABC123';
export const TEST_TOKEN_SERIAL = 'TESTSERIAL000001';
export const TEST_RESET_KEY_HEX = '11'.repeat(32);

/** A healthy JPKI card file (override PINs, counters, serial, reset key as needed). */
export async function testCardFile(options: TestCardOptions = {}): Promise<CardFile> {
  material ??= Promise.all([generate(), generate()]).then(([auth, sign]) => ({ auth, sign }));
  const { auth, sign } = await material;
  return {
    format: 'virtual-mynumber-card/v1',
    persona: 'unit-test',
    atr: Buffer.from(JPKI_ATR).toString('hex'),
    jpki: {
      tokenSerial: options.tokenSerial ?? TEST_TOKEN_SERIAL,
      label: 'JPKIAPICCTOKEN2',
      authPin: {
        value: options.authPin ?? TEST_AUTH_PIN,
        triesLeft: options.authTriesLeft ?? 3,
        maxTries: 3,
      },
      signPin: {
        value: options.signPin ?? TEST_SIGN_PIN,
        triesLeft: options.signTriesLeft ?? 5,
        maxTries: 5,
      },
      authKeyPem: auth.pem,
      signKeyPem: sign.pem,
      authCertificate: await selfSigned('C=JP, CN=TESTAUTH0000000000000001', auth.keys, '01'),
      authCaCertificate: await selfSigned('C=JP, O=JPKI, OU=Test auth CA', auth.keys, '02'),
      signCertificate: await selfSigned('C=JP, CN=Test Signer', sign.keys, '03'),
      signCaCertificate: await selfSigned('C=JP, O=JPKI, OU=Test sign CA', sign.keys, '04'),
      resetKey: options.resetKeyHex ?? TEST_RESET_KEY_HEX,
      resetFailures: options.resetFailures ?? 0,
    },
  };
}

/** A card without a JPKI application (not a My Number Card). */
export function nonJpkiCardFile(): CardFile {
  return {
    format: 'virtual-mynumber-card/v1',
    persona: 'non-jpki',
    atr: '3b8f8001804f0ca000000306030001000000006a',
  };
}
