import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../reservation-api/contract';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { SqliteReservationStore } from '../../reservation-api/store/sqlite/sqlite-store';

/** `npm run ops -- audit …`: everything about one reservation or one kiosk over a period, as JSON lines. */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const HOUR = 3_600_000;

let dir: string;
let database: string;
let output: { out: string[]; err: string[] };
const io = {
  out: (line: string) => void output.out.push(line),
  err: (line: string) => void output.err.push(line),
};
const ops = (...argv: string[]) => runOps([...argv, '--database', database], io);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ops-audit-'));
  database = join(dir, 'api.sqlite');
  output = { out: [], err: [] };
  const store = SqliteReservationStore.open(database);
  for (const [id, at] of [
    ['kiosk-a', T0],
    ['kiosk-b', T0 + HOUR],
  ] as const) {
    await store.registerKiosk(
      {
        id,
        chain: 'lawson',
        storeId: 'S1',
        procedures: ['signature-pin'],
        publicKey: 'A'.repeat(43) + '=',
        registeredAt: at,
        revokedAt: null,
      },
      'operator:test',
    );
  }
  await store.controls.setMaintenance({
    kioskId: 'kiosk-a',
    reason: 'glass',
    operator: 'hanako',
    now: T0 + 2 * HOUR,
  });
  await store.createReservation({
    id: 'res_00000001',
    tokenHash: 'h1',
    cardRef: 'card-1',
    proofKeyRef: 'key-1',
    tokenSerial: 'SERIAL0000000001',
    procedure: 'signature-pin',
    createdAt: T0,
    expiresAt: T0 + 24 * HOUR,
  });
  await store.close();
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const entries = () => output.out.map((line) => JSON.parse(line) as AuditEntry);

describe('ops audit', () => {
  it('prints one kiosk over a period as JSON lines', async () => {
    expect(await ops('audit', '--kiosk', 'kiosk-a', '--from', '2026-11-23T11:00+09:00')).toBe(0);
    expect(entries().map((e) => [e.action, e.actor, e.at])).toEqual([
      ['kiosk-out-of-service', 'operator:hanako', T0 + 2 * HOUR],
    ]);
    expect(output.err).toEqual(['1 audit entry']);
  });

  it('prints everything about one reservation', async () => {
    expect(await ops('audit', '--reservation', 'res_00000001')).toBe(0);
    expect(entries().map((e) => [e.action, e.reservationId])).toEqual([['create', 'res_00000001']]);
  });

  it('refuses a time it cannot read', async () => {
    expect(await ops('audit', '--from', 'yesterday')).toBe(2);
    expect(output.err[0]).toContain('--from: not a time');
  });
});
