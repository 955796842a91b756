import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { parseKioskCredentials } from '../../reservation-api/contract';
import { runPhone } from '../../reservation-api/phone/phone-commands';
import { type ApiHarness, startApiHarness } from './support/api-harness';

/**
 * The command lines as an operator and a developer use them: `npm run ops` (kiosk register →
 * credentials the kiosk client works with, list, revoke; operator create) and `npm run phone`
 * (reserve, status, cancel on a virtual card) run in-process, as their bin files do; `npm run api`
 * as a real process (starts on a fresh data directory, logs its URL, stops on SIGTERM).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
/** A command run in-process (what its bin file does), with its output captured. */
async function capture(run: (io: { out(line: string): void; err(line: string): void }) => Promise<number>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await run({ out: (line) => stdout.push(line), err: (line) => stderr.push(line) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const ops = (...args: string[]) => capture((io) => runOps(args, io));
const phone = (...args: string[]) => capture((io) => runPhone(args, { ...io, now: api.clock.now }));

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api.close());

describe('npm run ops', () => {
  it('registers a kiosk whose credentials file works with the kiosk client; lists and revokes it', async () => {
    const out = join(api.dataDir, 'kiosk-1.json');
    const registered = await ops(
      'kiosk',
      'register',
      '--chain',
      'Seven-Eleven',
      '--store',
      '0042',
      '--out',
      out,
      '--api',
      api.baseUrl,
      '--data',
      api.dataDir,
    );
    expect(registered.code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const credentials = parseKioskCredentials(readFileSync(out, 'utf8'));
    expect(credentials).toMatchObject({
      chain: 'seven-eleven',
      storeId: '0042',
      procedures: ['signature-pin', 'auth-pin'],
      apiUrl: api.baseUrl,
    });

    const client = KioskApiClient.fromCredentials(credentials, { now: api.clock.now });
    expect((await client.challenge()).nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const listed = await ops('kiosk', 'list', '--json', '--data', api.dataDir);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((k) => k.id)).toContain(credentials.kioskId);

    expect((await ops('kiosk', 'revoke', credentials.kioskId, '--data', api.dataDir)).code).toBe(0);
    await expect(client.challenge()).rejects.toSatisfy(
      (error: unknown) => error instanceof KioskApiError && error.code === 'KIOSK_REVOKED',
    );
    const again = await ops(
      'kiosk',
      'register',
      '--chain',
      'Lawson',
      '--store',
      '1',
      '--out',
      out,
      '--data',
      api.dataDir,
    );
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists');
  });

  it('registers a kiosk with its prefecture and store name, and refuses an unknown prefecture', async () => {
    const out = join(api.dataDir, 'kiosk-located.json');
    const registered = await ops(
      'kiosk',
      'register',
      '--chain',
      'Lawson',
      '--store',
      'shinjuku-3',
      '--prefecture',
      '東京都',
      '--store-name',
      'ローソン 新宿三丁目店',
      '--out',
      out,
      '--data',
      api.dataDir,
    );
    expect(registered.code).toBe(0);
    const credentials = parseKioskCredentials(readFileSync(out, 'utf8'));
    expect(await api.store.getKiosk(credentials.kioskId)).toMatchObject({
      prefecture: '13',
      storeName: 'ローソン 新宿三丁目店',
    });
    const unknown = await ops(
      'kiosk',
      'register',
      '--chain',
      'Lawson',
      '--store',
      '2',
      '--prefecture',
      'Atlantis',
      '--out',
      join(api.dataDir, 'kiosk-nowhere.json'),
      '--data',
      api.dataDir,
    );
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown prefecture Atlantis');
  });

  it('refuses an unknown chain and an unknown kiosk with clear messages', async () => {
    const chain = await ops(
      'kiosk',
      'register',
      '--chain',
      'Nowhere',
      '--store',
      '1',
      '--out',
      join(api.dataDir, 'x.json'),
      '--data',
      api.dataDir,
    );
    expect(chain.code).toBe(1);
    expect(chain.stderr).toContain('UNKNOWN_CHAIN');
    const revoke = await ops('kiosk', 'revoke', 'no-such-kiosk', '--data', api.dataDir);
    expect(revoke.stderr).toContain('KIOSK_NOT_FOUND');
  });

  it('creates an operator and prints the token once', async () => {
    const created = await ops(
      'operator',
      'create',
      '--name',
      'hanako',
      '--role',
      'admin',
      '--data',
      api.dataDir,
    );
    expect(created.code).toBe(0);
    const token = created.stdout.trim().split('\n').at(-1) ?? '';
    const whoami = await axios.get(`${api.baseUrl}/v1/ops/whoami`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(whoami.data).toEqual({ name: 'hanako', role: 'admin' });
  });
});

describe('npm run phone', () => {
  it('reserves on a virtual card, shows the status and cancels', async () => {
    const card = await api.issueCard('sign-pin-blocked');
    const reserved = await phone(
      'reserve',
      '--card',
      card,
      '--pin',
      '1234',
      '--procedure',
      'signature-pin',
      '--api',
      api.baseUrl,
      '--data',
      api.dataDir,
      '--json',
    );
    expect(reserved.code, reserved.stderr).toBe(0);
    const reservation = JSON.parse(reserved.stdout) as {
      reservationId: string;
      reservationToken: string;
      status: string;
    };
    expect(reservation.status).toBe('active');
    const ids = [
      '--reservation',
      reservation.reservationId,
      '--token',
      reservation.reservationToken,
      '--api',
      api.baseUrl,
      '--json',
    ];
    // Exit code first, with stderr as the message: a refusal then says why instead of failing JSON.parse.
    const status = await phone('status', ...ids);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'active' });
    const cancelled = await phone('cancel', ...ids);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ status: 'cancelled' });
  });

  it('uses a try on the card for a wrong PIN, like the real app', async () => {
    const card = await api.issueCard('healthy');
    const wrong = await phone(
      'reserve',
      '--card',
      card,
      '--pin',
      '0000',
      '--procedure',
      'signature-pin',
      '--api',
      api.baseUrl,
      '--data',
      api.dataDir,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('wrong user-authentication PIN: 2 tries left');
  });
});

describe('npm run api', () => {
  it('starts on a fresh data directory, logs its URL, answers, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'api-main-'));
    const child = spawn(TSX, ['reservation-api/server/main.ts', '--port', '0', '--data', dataDir], {
      cwd: ROOT,
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let seen = '';
        child.stdout.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          const match = /Reservation API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${seen}`)));
      });
      expect((await axios.get(`${url}/readyz`)).data).toEqual({ status: 'ready' });
      expect(statSync(join(dataDir, 'keys', 'issuer-master.key')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'face-provider', 'jwks.json')).isFile()).toBe(true);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
