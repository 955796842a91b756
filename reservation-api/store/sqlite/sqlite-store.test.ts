import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';
import { migrate, SchemaTooNewError } from './open-database';
import { SqliteReservationStore } from './sqlite-store';

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const DAY = 24 * 60 * 60 * 1000;
let dir: string;
let store: SqliteReservationStore;

async function registerKiosk(id: string) {
  await store.registerKiosk(
    {
      id,
      chain: 'seven-eleven',
      storeId: 'S1',
      procedures: ['signature-pin', 'auth-pin'],
      publicKey: 'A'.repeat(43) + '=',
      registeredAt: T0,
      revokedAt: null,
    },
    'operator:test',
  );
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'store-'));
  store = SqliteReservationStore.open(join(dir, 'api.sqlite'));
  await registerKiosk('kiosk-1');
  await registerKiosk('kiosk-2');
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SQLite store: database (the engine's own settings; the contract is store-contract.test.ts)", () => {
  it('opens in WAL with synchronous=NORMAL (durability comes from group commit) and migrates once', () => {
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version);
    expect(migrate(db)).toBe(0);
  });

  it('keeps bookkeeping and durable records on the one connection', async () => {
    await store.issueChallenge({
      nonce: 'n0',
      purpose: 'reserve',
      kioskId: null,
      issuedAt: T0,
      expiresAt: T0 + 1,
    });
    expect(
      (await store.consumeChallenge({ nonce: 'nope', purpose: 'reserve', kioskId: null, now: T0 })).ok,
    ).toBe(false);
    await store.recordCardAttempt({ cardRef: 'card-a', now: T0, windowMs: DAY });
    await store.rememberKioskNonce({ kioskId: 'k1', nonce: 'x', now: T0, windowMs: 1000 });
    // One connection: the durable side reads what bookkeeping just wrote.
    expect(store.database.prepare('SELECT count(*) AS n FROM challenges').get()).toEqual({ n: 1 });
  });

  it('refuses a database newer than the code', () => {
    const db = new Database(join(dir, 'newer.sqlite'));
    db.pragma('user_version = 99');
    expect(() => migrate(db)).toThrow(SchemaTooNewError);
    db.close();
  });
});
