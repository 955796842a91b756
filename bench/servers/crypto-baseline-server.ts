import { createHash, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { CARD_PROOF_PURPOSES } from '../../reservation-api/contract';
import { faceJwksPath, loadFaceProviderKeys } from '../../reservation-api/server/face-provider-keys';
import { serveBare } from './bare-server';

/**
 * An informative second baseline, NOT the one the target is set against: the bare baseline
 * (node:http + better-sqlite3, one durable insert) plus the two signature checks no reservation
 * can skip — the card's RSA proof over the challenge and the face provider's Ed25519 JWS — done
 * the cheapest way (synchronous node:crypto, the proof key cached by certificate digest). No
 * framework, validation, certificate chain or CRL, challenge bookkeeping, rate limit, lifecycle or
 * audit. The distance from the bare baseline to this one is what the cryptography alone costs on
 * this machine; the distance from this one to the API is the product's own overhead.
 * Usage: `node --import tsx crypto-baseline-server.ts DIR`; prints {"port":N}.
 */
const dir = process.argv[2];
if (!dir) throw new Error('usage: crypto-baseline-server.ts DIR');
const faceKeys = new Map(loadFaceProviderKeys(faceJwksPath(dir)).map((key) => [key.kid, key.publicKey]));
const proofKeys = new Map<string, KeyObject>();
interface CreateBody {
  nonce: string;
  authCertificate: string;
  proof: { signature: string };
  faceAttestation: string;
}

function proofKeyOf(certificateBase64: string): KeyObject {
  const der = Buffer.from(certificateBase64, 'base64');
  const digest = createHash('sha256').update(der).digest('hex');
  let key = proofKeys.get(digest);
  if (!key) {
    key = new X509Certificate(der).publicKey;
    proofKeys.set(digest, key);
  }
  return key;
}

function checks(body: CreateBody): boolean {
  const message = Buffer.from(`${CARD_PROOF_PURPOSES.reserve}${body.nonce}`, 'utf8');
  const proofOk = verify(
    'sha256',
    message,
    proofKeyOf(body.authCertificate),
    Buffer.from(body.proof.signature, 'base64'),
  );
  const [header = '', payload = '', signature = ''] = body.faceAttestation.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: string };
  const faceKey = kid === undefined ? undefined : faceKeys.get(kid);
  const faceOk =
    faceKey !== undefined &&
    verify(null, Buffer.from(`${header}.${payload}`), faceKey, Buffer.from(signature, 'base64url'));
  return proofOk && faceOk;
}

serveBare(join(dir, 'crypto-baseline.sqlite'), (body) => checks(body as CreateBody));
