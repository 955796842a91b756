import type Database from 'better-sqlite3';
import type { GroupCommit } from './group-commit';

/**
 * The stores' one way to run a write transaction: `work` in one IMMEDIATE transaction, then wait
 * for group commit only if it changed a row — SQLite's total_changes() before and after says so
 * (direct INSERT/UPDATE/DELETE rows; a trigger never fires without one). A transaction that only
 * read (a status check with no expiry due, a refusal that audits nothing) answers like a reported
 * read instead: no sync of its own, but not before what it may have seen is on disk.
 */
export function transactionWriter(
  db: Database.Database,
  commits: GroupCommit,
  /** Bookkeeping written first in the same transaction; its changes do not make `work` durable. */
  prelude: () => void = () => {},
): <T>(work: () => T) => Promise<T> {
  const totalChanges = db.prepare<[], number>('SELECT total_changes()').pluck();
  return <T>(work: () => T): Promise<T> => {
    let before = 0;
    const result = db
      .transaction(() => {
        prelude();
        before = totalChanges.get() ?? 0;
        return work();
      })
      .immediate();
    return totalChanges.get() === before ? commits.settled(result) : commits.durable(result);
  };
}
