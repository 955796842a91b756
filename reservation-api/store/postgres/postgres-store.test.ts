import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from '../../testing/postgres-database';
import { SchemaTooNewError } from '../schema-errors';
import { MIGRATIONS } from '../sqlite/migrations';
import { migratePostgres } from './migrate';
import { POSTGRES_MIGRATIONS } from './migrations';
import { createPool, isPostgresUrl, redactedUrl } from './pool';
import { PostgresReservationStore } from './postgres-store';

/**
 * What only the PostgreSQL store has: its migrations (numbered as SQLite's, run once under an
 * advisory lock however many instances start together) and its connection settings. The store's
 * behaviour is the contract suite's (store/store-contract.test.ts).
 */

const unavailable = postgresUnavailable();
let database: TestDatabase;

describe('PostgreSQL store: database', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  it('numbers its migrations as the SQLite ones', () => {
    expect(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(
      MIGRATIONS.map((m) => [m.version, m.name]),
    );
  });

  it('applies each migration exactly once when instances start together, under the advisory lock', async () => {
    const pools = Array.from({ length: 4 }, () => createPool(database.url, { max: 2 }));
    try {
      const applied = await Promise.all(pools.map((pool) => migratePostgres(pool)));
      expect(applied.reduce((sum, n) => sum + n, 0)).toBe(POSTGRES_MIGRATIONS.length);
      expect(applied.filter((n) => n === POSTGRES_MIGRATIONS.length)).toHaveLength(1);
      const versions = await pools[0]?.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY 1',
      );
      expect(versions?.rows.map((r) => r.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version));
      // Opening a store on an up-to-date database migrates nothing.
      expect(await migratePostgres(pools[1] as pg.Pool)).toBe(0);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('refuses a database newer than the code', async () => {
    const newer = await createTestDatabase();
    const pool = createPool(newer.url, { max: 1 });
    try {
      await migratePostgres(pool);
      await pool.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from the future')");
      await expect(migratePostgres(pool)).rejects.toThrow(SchemaTooNewError);
      await expect(PostgresReservationStore.open(newer.url)).rejects.toThrow(/newer than this API knows/);
    } finally {
      await pool.end();
      await newer.drop();
    }
  });

  it('commits durably on every connection (synchronous_commit on), even when the URL asks otherwise', async () => {
    const url = new URL(database.url);
    url.searchParams.set('options', '-c synchronous_commit=off -c application_name=jpki-test');
    const store = await PostgresReservationStore.open(url.toString());
    try {
      const settings = await Promise.all(
        Array.from({ length: 3 }, () =>
          store.database.query<{ sync: string; app: string }>(
            "SELECT current_setting('synchronous_commit') AS sync, current_setting('application_name') AS app",
          ),
        ),
      );
      expect(settings.map((s) => s.rows[0])).toEqual(settings.map(() => ({ sync: 'on', app: 'jpki-test' })));
    } finally {
      await store.close();
    }
  });

  it('reads BIGINT epoch milliseconds as numbers', async () => {
    const store = await PostgresReservationStore.open(database.url);
    try {
      const { rows } = await store.database.query<{ t: number }>('SELECT 1795400000000::bigint AS t');
      expect(rows[0]?.t).toBe(1_795_400_000_000);
    } finally {
      await store.close();
    }
  });
});

describe('PostgreSQL URLs', () => {
  it('tells a PostgreSQL URL from a SQLite file, and never shows a password', () => {
    expect(isPostgresUrl('postgres://u@h/db')).toBe(true);
    expect(isPostgresUrl('postgresql://u@h/db')).toBe(true);
    expect(isPostgresUrl('./data/reservation-api.sqlite')).toBe(false);
    expect(redactedUrl('postgres://api:s3cret@db:5432/jpki')).toBe('postgres://api:***@db:5432/jpki');
    expect(redactedUrl('postgres://api@db/jpki')).toBe('postgres://api@db/jpki');
  });
});
