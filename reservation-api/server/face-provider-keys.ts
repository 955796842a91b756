import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createFileOnce } from '../../hardware/pki/atomic-files';
import { dirname, join } from 'node:path';
import type { FaceProviderKey } from '../verification/face-attestation-verifier';

/**
 * The face-verification provider's keys. The API trusts the public keys of a JWKS file; in
 * development the data directory also holds the provider's private key (created on the API's first
 * start), so the phone simulator can sign attestations the API accepts.
 *
 *   DATA/face-provider/jwks.json         public keys the API trusts ({"keys":[{kid, alg, kty, crv, x, …}]})
 *   DATA/face-provider/dev-private.jwk   the dev provider's private key (JWK with kid and alg)
 */

export const FACE_PROVIDER_DIR = 'face-provider';
export const FACE_JWKS_FILE = 'jwks.json';
export const FACE_DEV_PRIVATE_FILE = 'dev-private.jwk';

export interface FaceSigningKey {
  kid: string;
  alg: 'EdDSA';
  privateKey: KeyObject;
}

export function faceJwksPath(dataDir: string): string {
  return join(dataDir, FACE_PROVIDER_DIR, FACE_JWKS_FILE);
}

export function faceDevPrivateKeyPath(dataDir: string): string {
  return join(dataDir, FACE_PROVIDER_DIR, FACE_DEV_PRIVATE_FILE);
}

/**
 * Creates the dev provider key pair in the data directory unless it exists; returns whether it
 * created it. Several processes may start at once on one data directory (compose's API
 * instances): the first private key placed wins (created only if absent, atomically), and the
 * public set is always derived from the private key on disk, so every process ends with the same,
 * matching pair.
 */
export function ensureDevFaceProviderKey(dataDir: string, kid = 'dev-face-provider-1'): boolean {
  const privatePath = faceDevPrivateKeyPath(dataDir);
  if (existsSync(privatePath) && existsSync(faceJwksPath(dataDir))) return false;
  mkdirSync(dirname(privatePath), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  const created = createFileOnce(
    privatePath,
    jsonText({ ...privateKey.export({ format: 'jwk' }), kid, alg: 'EdDSA' }),
    0o600,
  );
  const { d: _private, ...publicJwk } = JSON.parse(readFileSync(privatePath, 'utf8')) as JsonWebKey;
  createFileOnce(faceJwksPath(dataDir), jsonText({ keys: [{ ...publicJwk, use: 'sig' }] }), 0o644);
  return created;
}

function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** The public keys of a JWKS file (Ed25519 with alg EdDSA, or P-256 with alg ES256). */
export function loadFaceProviderKeys(jwksPath: string): FaceProviderKey[] {
  const jwks = JSON.parse(readFileSync(jwksPath, 'utf8')) as {
    keys?: (JsonWebKey & { kid?: string; alg?: string })[];
  };
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error(`${jwksPath} has no keys`);
  return jwks.keys.map((jwk, index) => {
    if (typeof jwk.kid !== 'string') throw new Error(`${jwksPath}: key ${index} has no kid`);
    const alg = jwk.alg === 'EdDSA' || jwk.alg === 'ES256' ? jwk.alg : undefined;
    if (!alg) throw new Error(`${jwksPath}: key ${jwk.kid} must have alg EdDSA or ES256`);
    const { d: _private, ...publicJwk } = jwk;
    const publicKey = createPublicKey({ key: publicJwk, format: 'jwk' });
    const type = publicKey.asymmetricKeyType;
    if ((alg === 'EdDSA' && type !== 'ed25519') || (alg === 'ES256' && type !== 'ec')) {
      throw new Error(`${jwksPath}: key ${jwk.kid} does not fit alg ${alg}`);
    }
    return { kid: jwk.kid, alg, publicKey };
  });
}

/** The dev provider's private key (for the phone simulator). */
export function loadDevFaceSigningKey(dataDir: string): FaceSigningKey {
  const path = faceDevPrivateKeyPath(dataDir);
  if (!existsSync(path)) {
    throw new Error(
      `no dev face provider key at ${path}: start the API once with --data ${dataDir} to create it`,
    );
  }
  const jwk = JSON.parse(readFileSync(path, 'utf8')) as JsonWebKey & { kid?: string };
  if (typeof jwk.kid !== 'string') throw new Error(`${path} has no kid`);
  return { kid: jwk.kid, alg: 'EdDSA', privateKey: createPrivateKey({ key: jwk, format: 'jwk' }) };
}
