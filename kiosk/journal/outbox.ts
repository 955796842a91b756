import type Database from 'better-sqlite3';
import type { KioskEvent } from '../../reservation-api/contract';
import type { ClaimSettlement } from '../runtime/session-actors';
import { commitDurably, openJournalDatabase } from './journal-database';

export { openJournalDatabase } from './journal-database';

/**
 * The kiosk's durable outbox (SQLite, WAL): completions, releases and events that must reach the
 * API. A message is written before anyone relies on it, and stays until the API accepted it (or
 * refused it for good). Holds ids, reasons and event facts only: never a PIN or a token.
 */

/** What the outbox carries: a claim settlement, or one kiosk event. */
export type OutboxMessage = ClaimSettlement | { kind: 'event'; event: KioskEvent };

export interface PendingMessage {
  id: number;
  message: OutboxMessage;
  attempts: number;
}

export interface OutboxOptions {
  /** Epoch ms. */
  now: () => number;
  /** First retry delay; doubles per failed attempt up to `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
}

export const DEFAULT_BASE_BACKOFF_MS = 2_000;
export const DEFAULT_MAX_BACKOFF_MS = 5 * 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
  last_error TEXT,
  settled_at INTEGER
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
`;

interface Row {
  id: number;
  body: string;
  attempts: number;
}

/** The outbox's statements, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    insert: db.prepare('INSERT INTO outbox (kind, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?)'),
    due: db.prepare(
      `SELECT id, body, attempts FROM outbox WHERE state = 'pending' AND next_attempt_at <= ?
       ORDER BY kind = 'event', id LIMIT ?`,
    ),
    pendingCount: db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE state = 'pending'"),
    unrecordedSettlements: db.prepare(
      `SELECT COUNT(*) AS n FROM outbox
       WHERE state = 'pending' AND kind IN ('complete', 'release') AND attempts > 0`,
    ),
    delivered: db.prepare("UPDATE outbox SET state = 'delivered', settled_at = ? WHERE id = ?"),
    rejected: db.prepare("UPDATE outbox SET state = 'rejected', last_error = ?, settled_at = ? WHERE id = ?"),
    attempts: db.prepare('SELECT attempts FROM outbox WHERE id = ?'),
    retry: db.prepare('UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?'),
  };
}

/**
 * Durability (docs/kiosk-runtime.md, "Journal durability"): a completion or release is committed
 * durably (fsync) — the customer is told it is done. Events and delivery marks are relaxed commits:
 * a power cut may lose the last few; an event is telemetry, and a lost mark only means a message is
 * sent again (complete/release are idempotent at the API, event ids deduplicated).
 */
export class Outbox {
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly statements: ReturnType<typeof prepareStatements>;

  private constructor(
    private readonly db: Database.Database,
    private readonly options: OutboxOptions,
  ) {
    this.baseBackoffMs = options.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS;
    this.maxBackoffMs = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.statements = prepareStatements(db);
  }

  /** Opens (creating if needed) the outbox database at `path` (`:memory:` for throwaway use). */
  static open(path: string, options: OutboxOptions): Outbox {
    return Outbox.on(openJournalDatabase(path), options);
  }

  /** The outbox in an open journal database (creates its table if needed). */
  static on(db: Database.Database, options: OutboxOptions): Outbox {
    db.exec(SCHEMA);
    return new Outbox(db, options);
  }

  /**
   * Deletes delivered messages settled before `olderThan` (epoch ms): housekeeping. Pending and
   * rejected messages stay (rejected ones are for operators). Returns how many were deleted.
   */
  pruneDelivered(olderThan: number): number {
    return this.db.prepare("DELETE FROM outbox WHERE state = 'delivered' AND settled_at < ?").run(olderThan)
      .changes;
  }

  /**
   * Records a message; it is due at once. A settlement is on disk when this returns (or, inside a
   * transaction, when that commits durably); an event is a relaxed commit.
   */
  enqueue(message: OutboxMessage): number {
    const insert = () => {
      const now = this.options.now();
      return Number(
        this.statements.insert.run(message.kind, JSON.stringify(message), now, now).lastInsertRowid,
      );
    };
    return message.kind === 'event' ? insert() : commitDurably(this.db, insert);
  }

  /**
   * Pending messages whose next attempt is due: settlements first, then events, each oldest first.
   * A reservation waits on a settlement; an event is telemetry stamped with its own time. And a
   * pass stops at its first retriable failure: with the API down it is then a settlement that fails
   * (counted by `unrecordedSettlements`), not an event queued ahead of it.
   */
  due(limit = 100): PendingMessage[] {
    const rows = this.statements.due.all(this.options.now(), limit) as Row[];
    return rows.map((row) => ({
      id: row.id,
      message: JSON.parse(row.body) as OutboxMessage,
      attempts: row.attempts,
    }));
  }

  /** Number of messages not yet delivered nor rejected. */
  pendingCount(): number {
    const row = this.statements.pendingCount.get() as { n: number };
    return row.n;
  }

  /**
   * Completions and releases the API has not recorded although the outbox tried: still pending
   * after at least one failed delivery attempt (a retry is scheduled). Read from the journal, so a
   * restarted kiosk sees the ones an earlier run failed to deliver. A settlement not tried yet
   * (enqueued a moment ago) does not count; a rejected one does not either (`counts().rejected`).
   */
  unrecordedSettlements(): number {
    const row = this.statements.unrecordedSettlements.get() as { n: number };
    return row.n;
  }

  /** Messages per state (`pending`, `delivered`, `rejected`). */
  counts(): Record<'pending' | 'delivered' | 'rejected', number> {
    const counts = { pending: 0, delivered: 0, rejected: 0 };
    const rows = this.db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as Array<{
      state: keyof typeof counts;
      n: number;
    }>;
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** The API accepted it. */
  markDelivered(id: number): void {
    this.statements.delivered.run(this.options.now(), id);
  }

  /** The API refused it for good (kept for operators, never retried). `reason` is an error code. */
  markRejected(id: number, reason: string): void {
    this.statements.rejected.run(reason, this.options.now(), id);
  }

  /** A retriable failure: try again after an exponential backoff. `reason` is an error code. */
  markRetry(id: number, reason: string): void {
    const row = this.statements.attempts.get(id) as { attempts: number } | undefined;
    if (!row) return;
    const attempts = row.attempts + 1;
    const delay = Math.min(this.baseBackoffMs * 2 ** (attempts - 1), this.maxBackoffMs);
    this.statements.retry.run(attempts, this.options.now() + delay, reason, id);
  }

  /** State of one message (for tests and operators). */
  stateOf(id: number): { state: string; attempts: number; lastError: string | null } | undefined {
    const row = this.db.prepare('SELECT state, attempts, last_error FROM outbox WHERE id = ?').get(id) as
      { state: string; attempts: number; last_error: string | null } | undefined;
    return row && { state: row.state, attempts: row.attempts, lastError: row.last_error };
  }

  close(): void {
    this.db.close();
  }
}
