import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';
import { openDatabase } from './open-database';
import { SqliteReservationStore } from './sqlite-store';

/**
 * Every statement the stores prepare, checked with EXPLAIN QUERY PLAN: none may scan a table that
 * grows with traffic (reservations, lookups, claims, audit, attempts, challenges, nonces, events).
 * A missing index does not fail any functional test — it just makes every request slower as the
 * tables grow (a reservation insert used to scan all lookups and claims for its foreign keys).
 */

/** Tables that stay small (a row per kiosk, operator, login, alert or status) may be scanned. */
const SMALL_TABLES = [
  'kiosks',
  'k',
  'operators',
  'o',
  'operator_sessions',
  'fleet_alerts',
  'reservation_counts',
  // At most a row per kiosk that an operator ever acted on (remote actions); read once a tick.
  'kiosk_controls',
];

const dir = mkdtempSync(join(tmpdir(), 'plans-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function preparedStatements(): string[] {
  const db = openDatabase(join(dir, 'api.sqlite'));
  const prepared: string[] = [];
  const prepare = db.prepare.bind(db);
  // Record what the stores prepare, then let them prepare it for real.
  db.prepare = ((sql: string) => {
    prepared.push(sql);
    return prepare(sql);
  }) as typeof db.prepare;
  new SqliteReservationStore(db, new GroupCommit(async () => {}));
  db.prepare = prepare;
  return prepared;
}

function planOf(store: ReturnType<typeof openDatabase>, sql: string): string[] {
  const statement = store.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const named = [...new Set([...sql.matchAll(/@(\w+)/g)].map((match) => match[1]!))];
  const positional = (sql.match(/\?/g) ?? []).length;
  const rows = (
    named.length > 0
      ? statement.all(Object.fromEntries(named.map((name) => [name, null])))
      : statement.all(...Array<null>(positional).fill(null))
  ) as { detail: string }[];
  return rows.map((row) => row.detail);
}

describe('SQLite store: query plans', () => {
  const statements = preparedStatements();
  const db = openDatabase(join(dir, 'api.sqlite'));

  it('prepares the statements it is checked on', () => {
    expect(statements.length).toBeGreaterThan(40);
  });

  it('scans no table that grows with traffic', () => {
    const scans = statements.flatMap((sql) =>
      planOf(db, sql)
        .map((detail) => /^SCAN (\w+)/.exec(detail)?.[1])
        .filter((table): table is string => table !== undefined && table !== 'CONSTANT')
        .filter((table) => !SMALL_TABLES.includes(table))
        .map((table) => `${table}: ${sql.replace(/\s+/g, ' ').slice(0, 100)}`),
    );
    expect(scans).toEqual([]);
  });
});
