import { execFile } from 'node:child_process';
import { createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ensureDevFaceProviderKey,
  faceJwksPath,
  loadDevFaceSigningKey,
  loadFaceProviderKeys,
} from './face-provider-keys';

/**
 * The dev face-provider key pair: created once, and — when several processes start on one data
 * directory at once (compose's API instances) — one matching pair for all of them.
 */

const run = promisify(execFile);
const MODULE = fileURLToPath(new URL('./face-provider-keys.ts', import.meta.url));
let dataDir: string;

afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

/** True when the JWKS's key verifies what the private key signs. */
function pairMatches(dir: string): boolean {
  const signing = loadDevFaceSigningKey(dir);
  const [trusted] = loadFaceProviderKeys(faceJwksPath(dir));
  const message = Buffer.from('face attestation');
  return (
    trusted?.kid === signing.kid &&
    verify(null, message, trusted.publicKey, sign(null, message, signing.privateKey))
  );
}

describe('dev face provider key', () => {
  it('is created once; a second call keeps it', () => {
    dataDir = mkdtempSync(join(tmpdir(), 'face-keys-'));
    expect(ensureDevFaceProviderKey(dataDir)).toBe(true);
    const first = loadFaceProviderKeys(faceJwksPath(dataDir))[0]!.publicKey.export({ format: 'jwk' });
    expect(ensureDevFaceProviderKey(dataDir)).toBe(false);
    expect(createPublicKey({ key: first, format: 'jwk' }).export({ format: 'jwk' })).toEqual(
      loadFaceProviderKeys(faceJwksPath(dataDir))[0]!.publicKey.export({ format: 'jwk' }),
    );
    expect(pairMatches(dataDir)).toBe(true);
  });

  it('ends with one matching pair when six processes create it at once', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'face-keys-'));
    const script = `import { ensureDevFaceProviderKey } from ${JSON.stringify(MODULE)};
      process.stdout.write(String(ensureDevFaceProviderKey(${JSON.stringify(dataDir)})));`;
    const outputs = await Promise.all(
      Array.from({ length: 6 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]),
      ),
    );
    // Exactly one process created the key (whoever lost the race found it made), and the public
    // set the API trusts verifies what the private key signs.
    expect(outputs.filter(({ stdout }) => stdout === 'true')).toHaveLength(1);
    expect(pairMatches(dataDir)).toBe(true);
  });
});
