import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresReservationStore } from '../store/postgres/postgres-store';
import type { ReservationStore } from '../store/reservation-store';
import { SqliteReservationStore } from '../store/sqlite/sqlite-store';
import { createTestDatabase, postgresUnavailable, type TestDatabase } from './postgres-database';

/**
 * The two implementations of the store, behind one shape, so one contract suite
 * (store/store-contract.test.ts) runs against both: the suite is the definition of the store.
 */
export interface StoreBackend {
  readonly name: 'SQLite' | 'PostgreSQL';
  /** Why this backend cannot run here (its tests then fail with this reason), or undefined. */
  unavailable(): string | undefined;
  /** Once per test file (PostgreSQL: the file's own database). */
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** A fresh, empty, migrated store. */
  open(): Promise<ReservationStore>;
  /** A second store on the database of the last `open()`: what another API process would have. */
  openAnother(): Promise<ReservationStore>;
  /** One SQL statement on that database (tests that look at or bend rows), with its rows. */
  sql<R>(text: string): Promise<R[]>;
  /** Closes every store opened since the last call. */
  closeAll(): Promise<void>;
}

export function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let file = '';
  let count = 0;
  let stores: SqliteReservationStore[] = [];
  const remember = (store: SqliteReservationStore) => (stores.push(store), store);
  return {
    name: 'SQLite',
    unavailable: () => undefined,
    async setUp() {
      dir = mkdtempSync(join(tmpdir(), 'store-contract-'));
    },
    async tearDown() {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
    async open() {
      count += 1;
      file = join(dir ?? tmpdir(), `store-${count}.sqlite`);
      return remember(SqliteReservationStore.open(file));
    },
    async openAnother() {
      return remember(SqliteReservationStore.open(file));
    },
    async sql<R>(text: string) {
      const store = stores[0];
      if (!store) throw new Error('no store open');
      const statement = store.database.prepare(text);
      if (statement.reader) return statement.all() as R[];
      statement.run();
      return [];
    },
    async closeAll() {
      const open = stores;
      stores = [];
      for (const store of open) await store.close();
    },
  };
}

export function postgresBackend(): StoreBackend {
  let database: TestDatabase | undefined;
  let stores: PostgresReservationStore[] = [];
  const remember = (store: PostgresReservationStore) => (stores.push(store), store);
  const url = () => {
    if (!database) throw new Error('setUp() first');
    return database.url;
  };
  return {
    name: 'PostgreSQL',
    unavailable: postgresUnavailable,
    async setUp() {
      database = await createTestDatabase();
    },
    async tearDown() {
      await database?.drop();
    },
    async open() {
      const store = remember(await PostgresReservationStore.open(url()));
      // Fresh for each test without a new database: empty every table but the schema's own
      // bookkeeping (TRUNCATE fires no row triggers, so even the audit empties; counts restart).
      const tables = await store.database.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables
         WHERE schemaname = current_schema() AND tablename NOT IN ('schema_migrations', 'reservation_counts')`,
      );
      await store.database.query(
        `TRUNCATE ${tables.rows.map((t) => t.name).join(', ')} RESTART IDENTITY;
         UPDATE reservation_counts SET n = 0`,
      );
      return store;
    },
    async openAnother() {
      return remember(await PostgresReservationStore.open(url()));
    },
    async sql<R>(text: string) {
      const store = stores[0];
      if (!store) throw new Error('no store open');
      return (await store.database.query(text)).rows as R[];
    },
    async closeAll() {
      const open = stores;
      stores = [];
      for (const store of open) await store.close();
    },
  };
}

/** Both backends, SQLite first. */
export function storeBackends(): StoreBackend[] {
  return [sqliteBackend(), postgresBackend()];
}

/**
 * A contract suite on each engine, SQLite first: the engine's database is set up once for the
 * suite and every store the test opened is closed after it; `suite` declares the tests and their
 * own setup. An engine that cannot run here fails its suite saying what to install — never skipped
 * in silence.
 */
export function describeOnEachEngine(title: string, suite: (backend: StoreBackend) => void): void {
  describe.each(storeBackends())(`${title} on $name`, (backend) => {
    const unavailable = backend.unavailable();
    if (unavailable) {
      it('has a database to run on', () => {
        throw new Error(unavailable);
      });
      return;
    }
    beforeAll(() => backend.setUp());
    afterAll(() => backend.tearDown());
    afterEach(() => backend.closeAll());
    suite(backend);
  });
}
