import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NONCE_WRITE_DELAY_MS } from './pending-kiosk-nonces';
import { SqliteReservationStore } from './sqlite-store';

/**
 * Kiosk nonces ride in the next transaction (issue 13). What must hold: a replay is refused while
 * the nonce is still pending; the nonce is on disk after the request's own transaction, after at
 * most NONCE_WRITE_DELAY_MS when no transaction comes, and after close.
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
let dir: string;
let file: string;
let store: SqliteReservationStore;

/** The nonces another connection sees in the file (what a restarted API would find). */
function storedNonces(): string[] {
  const reader = new Database(file, { readonly: true });
  try {
    return reader.prepare<[], string>('SELECT nonce FROM kiosk_nonces ORDER BY nonce').pluck().all();
  } finally {
    reader.close();
  }
}

const remember = (nonce: string, now = T0) =>
  store.rememberKioskNonce({ kioskId: 'kiosk-1', nonce, now, windowMs: 300_000 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nonces-'));
  file = join(dir, 'api.sqlite');
  store = SqliteReservationStore.open(file);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pending kiosk nonces (SQLite)', () => {
  it('refuses a replay while its nonce is still pending', async () => {
    expect(await remember('n1')).toBe(true);
    expect(storedNonces()).toEqual([]);
    expect(await remember('n1', T0 + 1)).toBe(false);
  });

  it("writes the nonce in the request's own transaction", async () => {
    expect(await remember('n1')).toBe(true);
    await store.issueChallenge({
      nonce: 'c1',
      purpose: 'kiosk',
      kioskId: null,
      issuedAt: T0,
      expiresAt: T0 + 1,
    });
    expect(storedNonces()).toEqual(['n1']);
    expect(await remember('n1', T0 + 1)).toBe(false);
  });

  it('keeps a nonce pending, and still refused, while the database is locked, and writes it after', async () => {
    store.database.pragma('busy_timeout = 10');
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(await remember('n1')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, NONCE_WRITE_DELAY_MS * 3));
      expect(await remember('n1', T0 + 1)).toBe(false);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    await new Promise((resolve) => setTimeout(resolve, NONCE_WRITE_DELAY_MS * 3));
    expect(storedNonces()).toEqual(['n1']);
  });

  it('writes it on its own when no transaction comes, and on close', async () => {
    expect(await remember('n1')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, NONCE_WRITE_DELAY_MS * 3));
    expect(storedNonces()).toEqual(['n1']);
    expect(await remember('n2')).toBe(true);
    await store.close();
    expect(storedNonces()).toEqual(['n1', 'n2']);
    store = SqliteReservationStore.open(file);
    // A restarted API still refuses both.
    expect(await remember('n1', T0 + 2)).toBe(false);
    expect(await remember('n2', T0 + 2)).toBe(false);
  });
});
