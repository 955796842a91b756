import Database from 'better-sqlite3';

/**
 * The kiosk journal's SQLite connection and its two kinds of commit (docs/kiosk-runtime.md,
 * "Journal durability"):
 *
 * - relaxed (the connection's default, `synchronous=NORMAL`): the commit is in the WAL but not
 *   fsynced. A killed process keeps it (the OS has it); a power cut may lose it — and then loses
 *   every later commit too, since the WAL is replayed only up to its first missing frame, so the
 *   journal stays a consistent prefix of what was written.
 * - durable (`commitDurably`, one commit with `synchronous=FULL`): the WAL is fsynced before the
 *   call returns, which puts every earlier relaxed commit on disk as well.
 */

/** Opens the journal database: WAL, relaxed commits by default (durable ones through `commitDurably`). */
export function openJournalDatabase(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/**
 * Runs `work` in one IMMEDIATE transaction committed with an fsync: it is on disk (with everything
 * committed before it) when this returns. Inside an enclosing transaction `work` just joins it: the
 * outer commit decides, and must be durable itself.
 */
export function commitDurably<T>(db: Database.Database, work: () => T): T {
  if (db.inTransaction) return work();
  // Not a statement prepared once: SQLite applies this pragma when it compiles it.
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(work).immediate();
  } finally {
    db.pragma('synchronous = NORMAL');
  }
}
