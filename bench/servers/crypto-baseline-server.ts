import { createHash, type KeyObject, verify, X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CARD_PROOF_PURPOSES } from '../../reservation-api/contract';
import { faceJwksPath, loadFaceProviderKeys } from '../../reservation-api/server/face-provider-keys';

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
const db = new Database(join(dir, 'crypto-baseline.sqlite'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(
  'CREATE TABLE IF NOT EXISTS requests (id INTEGER PRIMARY KEY, path TEXT NOT NULL, body TEXT NOT NULL, at INTEGER NOT NULL)',
);
const insert = db.prepare('INSERT INTO requests (path, body, at) VALUES (?, ?, ?)');

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

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(text) as CreateBody;
      if (!checks(body)) {
        response.writeHead(403).end();
        return;
      }
      const { lastInsertRowid } = insert.run(request.url ?? '/', text, Date.now());
      const answer = JSON.stringify({ id: String(lastInsertRowid) });
      response.writeHead(201, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(answer),
      });
      response.end(answer);
    } catch {
      response.writeHead(400).end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => {
  server.close();
  db.close();
  process.exit(0);
});
