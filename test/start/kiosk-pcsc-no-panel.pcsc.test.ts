import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskCredentials } from '../../reservation-api/contract';
import { newKioskKeyPair } from '../../reservation-api/services/kiosk-registry';
import { leaseReaderPair, type ReaderLease } from '../support/pcsc-stack';

/**
 * A real kiosk (`npm run kiosk -- --reader pcsc`, over the test run's pcscd) has no simulation
 * panel: no panel URL printed, and none of the panel's routes exist, even with the launch cookie.
 * The API is unreachable on purpose (the kiosk shows out of service); the UI server still runs.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

let lease: ReaderLease;
let dir: string;
let child: ChildProcessWithoutNullStreams;
let stdout = '';
let kioskUrl: string;

beforeAll(async () => {
  lease = await leaseReaderPair();
  const reader = lease.readers[0];
  if (!reader) throw new Error('no reader leased');
  dir = mkdtempSync(join(tmpdir(), 'kiosk-pcsc-'));
  const credentials: KioskCredentials = {
    format: 'kiosk-credentials/v1',
    kioskId: 'seven-eleven-test-k000000',
    chain: 'seven-eleven',
    storeId: 'TEST',
    procedures: ['signature-pin', 'auth-pin'],
    privateKeyPem: newKioskKeyPair().privateKeyPem,
  };
  const credentialsPath = join(dir, 'kiosk.json');
  writeFileSync(credentialsPath, JSON.stringify(credentials), { mode: 0o600 });
  child = spawn(
    TSX,
    [
      'kiosk/cli/kiosk-cli.ts',
      '--reader',
      'pcsc',
      '--reader-name',
      reader.name,
      '--credentials',
      credentialsPath,
      '--api',
      'http://127.0.0.1:9',
      '--data',
      join(dir, 'kiosk-data'),
    ],
    { cwd: ROOT },
  );
  kioskUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /^Kiosk UI: (\S+)$/m.exec(stdout)?.[1];
      if (url) resolve(url);
    });
    child.on('exit', (code) =>
      reject(new Error(`kiosk exited (${code}) before printing its URL: ${stdout}`)),
    );
  });
}, 60_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  lease?.release();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run kiosk -- --reader pcsc', () => {
  it('prints no simulation panel and serves none of its routes, even with the launch cookie', async () => {
    expect(stdout).not.toContain('Simulation panel');
    const launch = await fetch(kioskUrl, { redirect: 'manual' });
    const cookie = (launch.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const origin = new URL(kioskUrl).origin;
    expect((await fetch(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    for (const path of ['/simulation', '/simulation.js', '/simulation.css', '/simulation/stream']) {
      expect((await fetch(`${origin}${path}`, { headers: { cookie } })).status, path).toBe(404);
    }
    const action = await fetch(`${origin}/simulation/actions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'card.insert' }),
    });
    expect(action.status).toBe(404);
  });
});
