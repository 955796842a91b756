import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations';

/**
 * Opens the API's SQLite database with the settings the service relies on, and brings its schema up
 * to date.
 *
 * - WAL: readers never block the writer, and a commit is one append to the log.
 * - synchronous=FULL, on purpose: in WAL mode NORMAL may lose the last commits on power loss. A
 *   reservation the phone was told about, a claim whose cryptogram went to a kiosk, a completion and
 *   their audit rows must survive a crash once acknowledged, so every commit syncs the WAL.
 * - FULL is the connection's default; the store lowers it to NORMAL for the span of each
 *   short-lived bookkeeping transaction only (see SqliteReservationStore), on this same connection.
 * - foreign_keys on; busy_timeout so a second process (the ops CLI) waits for the writer instead of
 *   failing.
 */
export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}

/** Applies the migrations the database has not seen, each in its own IMMEDIATE transaction. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new SchemaTooNewError(
      `the database schema is version ${current}, newer than this API knows (${latest}); upgrade the API`,
    );
  }
  let applied = 0;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
    applied += 1;
  }
  return applied;
}
