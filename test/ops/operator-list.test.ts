import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { hashToken, newToken } from '../../reservation-api/auth/tokens';
import { DEFAULT_POLICY } from '../../reservation-api/server/policy';
import { SqliteReservationStore } from '../../reservation-api/store/sqlite/sqlite-store';

/** `npm run ops -- operator list [--json]`: who may use the dashboard, never a token or its hash. */

let dir: string;
let database: string;
let output: { out: string[]; err: string[] };
const io = {
  out: (line: string) => void output.out.push(line),
  err: (line: string) => void output.err.push(line),
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ops-list-'));
  database = join(dir, 'api.sqlite');
  output = { out: [], err: [] };
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const ops = (...argv: string[]) => runOps([...argv, '--database', database], io);

/** Creates an operator with the CLI; returns its token (the line after the announcement). */
async function createOperator(name: string, role: 'admin' | 'viewer'): Promise<string> {
  expect(await ops('operator', 'create', '--name', name, '--role', role)).toBe(0);
  return output.out.at(-1) ?? '';
}

/** Stores dashboard logins for `name`: one open, one past its hard expiry, one idle too long. */
async function addLogins(name: string): Promise<void> {
  const store = SqliteReservationStore.open(database);
  try {
    const operator = (await store.ops.listOperators({ now: 0, idleBefore: 0 })).find((o) => o.name === name);
    if (!operator) throw new Error(`no operator ${name}`);
    // The CLI counts at the real time; these are placed relative to it with wide margins.
    const now = Date.now();
    const login = (lastUsed: number, expiresAt: number) =>
      store.ops.createOperatorSession({
        sessionHash: hashToken(newToken()),
        operatorId: operator.id,
        now: lastUsed,
        expiresAt,
      });
    await login(now, now + DEFAULT_POLICY.opsSessionMaxMs);
    await login(now - 2 * DEFAULT_POLICY.opsSessionMaxMs, now - DEFAULT_POLICY.opsSessionMaxMs);
    await login(now - 2 * DEFAULT_POLICY.opsSessionIdleMs, now + DEFAULT_POLICY.opsSessionMaxMs);
  } finally {
    await store.close();
  }
}

describe('npm run ops -- operator list', () => {
  it('prints every operator with role, creation time, revoked or not and open logins, as a table', async () => {
    const before = Date.now();
    const tokens = [await createOperator('hanako', 'admin'), await createOperator('taro', 'viewer')];
    const after = Date.now();
    await addLogins('hanako');
    await addLogins('taro');
    expect(await ops('operator', 'revoke', '--name', 'taro')).toBe(0);
    output.out.length = 0;

    expect(await ops('operator', 'list')).toBe(0);
    expect(output.err).toEqual([]);
    const [header, ...rows] = output.out.map((line) => line.split(/\s{2,}/));
    expect(header).toEqual(['NAME', 'ROLE', 'CREATED AT', 'STATUS', 'OPEN LOGINS']);
    expect(rows.map((row) => [row[0], row[1], row[3], row[4]])).toEqual([
      ['hanako', 'admin', 'active', '1'],
      ['taro', 'viewer', 'REVOKED', '0'],
    ]);
    for (const row of rows) {
      const created = Date.parse(row[2] ?? '');
      expect(created).toBeGreaterThanOrEqual(before);
      expect(created).toBeLessThanOrEqual(after);
    }
    expectNoSecrets(output.out.join('\n'), tokens);
  });

  it('prints one JSON array with --json', async () => {
    const tokens = [await createOperator('hanako', 'admin'), await createOperator('taro', 'viewer')];
    await addLogins('hanako');
    expect(await ops('operator', 'revoke', '--name', 'taro')).toBe(0);
    output.out.length = 0;

    expect(await ops('operator', 'list', '--json')).toBe(0);
    expect(output.out).toHaveLength(1);
    const listed = JSON.parse(output.out[0] ?? '') as Record<string, unknown>[];
    expect(listed).toEqual([
      {
        id: expect.stringMatching(/^op_/),
        name: 'hanako',
        role: 'admin',
        createdAt: expect.any(Number),
        revoked: false,
        openLogins: 1,
      },
      {
        id: expect.stringMatching(/^op_/),
        name: 'taro',
        role: 'viewer',
        createdAt: expect.any(Number),
        revoked: true,
        openLogins: 0,
      },
    ]);
    expectNoSecrets(output.out.join('\n'), tokens);
  });

  it('says so when there are no operators', async () => {
    expect(await ops('operator', 'list')).toBe(0);
    expect(output.out).toEqual(['no operators']);
    expect(await ops('operator', 'list', '--json')).toBe(0);
    expect(output.out.at(-1)).toBe('[]');
  });
});

/** Neither a token, nor its stored hash, nor the revoked marker appears. */
function expectNoSecrets(text: string, tokens: string[]): void {
  for (const token of tokens) {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hashToken(token));
  }
  expect(text).not.toContain('revoked:');
  expect(text).not.toMatch(/[0-9a-f]{64}/);
}
