import Database from 'better-sqlite3';

/**
 * One reservation API per SQLite database (issue 12, part 6). Two API processes on one data
 * directory would both start and each keep its own per-IP phone limit, monitor and live streams;
 * the second is refused instead. The lock is an exclusive SQLite lock (POSIX advisory, held by an
 * open connection to `<database>.lock`): the operating system drops it when the process ends,
 * however it ends, so there is never a stale lock to clean up, and pid reuse cannot fool it.
 * `npm run ops` opens the database without it (an admin command, not a server).
 */

export class InstanceLockedError extends Error {
  override readonly name = 'InstanceLockedError';
}

export interface InstanceLock {
  readonly path: string;
  release(): void;
}

/** The lock file of a database: `<database>.lock` beside it. */
export function instanceLockPath(database: string): string {
  return `${database}.lock`;
}

/** Takes the instance lock of `database`, or throws InstanceLockedError at once if it is held. */
export function acquireInstanceLock(database: string): InstanceLock {
  const path = instanceLockPath(database);
  const db = new Database(path, { timeout: 0 });
  try {
    // In exclusive locking mode the lock taken by the first write is kept until the connection
    // closes (an empty database takes no file lock at all, hence the write).
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since TEXT NOT NULL)');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, since) VALUES (?, ?)').run(process.pid, new Date().toISOString());
    db.exec('COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) {
      throw new InstanceLockedError(
        `another reservation API is already running on ${database} (lock ${path}): stop it first, or start this one with another --data directory`,
      );
    }
    throw error;
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      db.close();
    },
  };
}
