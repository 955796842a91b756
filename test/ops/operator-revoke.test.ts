import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { hashToken } from '../../reservation-api/auth/tokens';
import { API_PATHS } from '../../reservation-api/contract';
import { SqliteReservationStore } from '../../reservation-api/store/sqlite/sqlite-store';
import { loginAs, opsGet, type OpsTestApi, opsTestApi, SAME_ORIGIN } from './support/ops-harness';

/** `npm run ops -- operator revoke --name N`: the token is refused, the login sessions end. */

let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi();
});

afterEach(async () => {
  await api.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('revoking an operator', () => {
  it("ends the operator's sessions and refuses its token; other operators are untouched", async () => {
    const gone = await loginAs(api, 'admin');
    const stays = await loginAs(api, 'viewer');
    expect((await opsGet(api, API_PATHS.opsFleet, gone.cookie)).statusCode).toBe(200);

    const revoked = await api.store.ops.revokeOperator({
      name: gone.name,
      actor: 'test',
      now: api.clock.now(),
    });
    expect(revoked?.sessionsEnded).toBe(1);

    expect((await opsGet(api, API_PATHS.opsFleet, gone.cookie)).statusCode).toBe(401);
    const byToken = await api.app.inject({
      method: 'GET',
      url: API_PATHS.opsFleet,
      headers: bearer(gone.token),
    });
    expect(byToken.statusCode).toBe(401);
    const login = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsSession,
      headers: SAME_ORIGIN,
      payload: { name: gone.name, token: gone.token },
    });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toMatchObject({ code: 'OPERATOR_LOGIN_FAILED' });

    expect((await opsGet(api, API_PATHS.opsFleet, stays.cookie)).statusCode).toBe(200);
    const audit = await api.store.auditEntries({ limit: 100 });
    expect(audit.filter((row) => row.action === 'operator-revoke')).toHaveLength(1);
    expect(await api.store.ops.revokeOperator({ name: 'nobody', actor: 'test', now: 0 })).toBeUndefined();
  });

  it('is a CLI command: revokes by name, exits 1 for an unknown name and 2 without --name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-revoke-'));
    const database = join(dir, 'api.sqlite');
    try {
      const io = {
        lines: [] as string[],
        out: (l: string) => io.lines.push(l),
        err: (l: string) => io.lines.push(l),
      };
      expect(
        await runOps(
          ['operator', 'create', '--name', 'hanako', '--role', 'admin', '--database', database],
          io,
        ),
      ).toBe(0);
      const token = io.lines.at(-1) ?? '';
      const store = SqliteReservationStore.open(database);
      try {
        expect(await store.operatorByTokenHash(hashToken(token))).toBeDefined();
      } finally {
        await store.close();
      }

      expect(await runOps(['operator', 'revoke', '--name', 'hanako', '--database', database], io)).toBe(0);
      expect(io.lines.at(-1)).toMatch(/^operator hanako revoked/);
      const after = SqliteReservationStore.open(database);
      try {
        expect(await after.operatorByTokenHash(hashToken(token))).toBeUndefined();
      } finally {
        await after.close();
      }
      expect(await runOps(['operator', 'revoke', '--name', 'taro', '--database', database], io)).toBe(1);
      expect(io.lines.at(-1)).toContain('no operator named taro');
      expect(await runOps(['operator', 'revoke', '--database', database], io)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
