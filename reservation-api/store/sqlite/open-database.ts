import Database from 'better-sqlite3';
import { SchemaTooNewError } from '../schema-errors';
import { MIGRATIONS, type Migration } from './migrations';

/**
 * Opens the API's SQLite database with the settings the service relies on, and brings its schema up
 * to date.
 *
 * - WAL: readers never block the writer, and a commit is one append to the log.
 * - Migrations commit with synchronous=FULL; afterwards the connection runs at NORMAL (no fsync at
 *   commit) and the store makes durable writes durable itself, by group commit: a reservation the
 *   phone was told about, a claim whose cryptogram went to a kiosk, a completion and their audit
 *   rows are answered only once a sync of the WAL covers them (see GroupCommit). NORMAL still syncs
 *   the WAL before each checkpoint and the database after it, so the log is never rewound over
 *   frames the database file does not have on disk yet.
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
    db.pragma('synchronous = NORMAL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export { SchemaTooNewError };

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
