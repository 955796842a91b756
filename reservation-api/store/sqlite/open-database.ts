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
/**
 * Pages the log may hold before a commit checkpoints it into the database file (SQLite's default is
 * 1,000). A reservation create writes ~18 pages, mostly the same hot ones (index edges, counters):
 * checkpointing every ~220 creates instead of every ~55 copies each hot page once instead of four
 * times, ~7% of a create's store CPU, and puts the checkpoint's pause (it syncs, on the event loop)
 * in 0.5% of requests instead of 2% — out of the p99 (issue 13). The log grows to ~16 MB between
 * checkpoints.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

export function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    db.pragma('synchronous = NORMAL');
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
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
