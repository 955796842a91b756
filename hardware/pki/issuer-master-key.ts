import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createFileOnce } from './atomic-files';
import { loadIssuerMasterKey, pkiPaths } from './pki-layout';

/**
 * The issuer master key of our reset model (DESIGN §3): 32 random bytes, created once per data
 * directory, then reused. In production it lives in an HSM; here in a 0600 file for the demo.
 */
export function ensureIssuerMasterKey(dataDir: string): Buffer {
  const paths = pkiPaths(dataDir);
  mkdirSync(paths.keysDir, { recursive: true, mode: 0o700 });
  // Link-based create: when two processes race, one key wins and both read it back.
  createFileOnce(paths.masterKey, `${randomBytes(32).toString('hex')}\n`, 0o600);
  return loadIssuerMasterKey(dataDir);
}
