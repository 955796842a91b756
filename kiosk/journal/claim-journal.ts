import type Database from 'better-sqlite3';
import type { Procedure } from '../../state-machines/session';
import type { ClaimSettlement, ResetJournal, ResetStep } from '../runtime/session-actors';
import type { Outbox } from './outbox';

/**
 * The kiosk's journal of reservation claims and how far each reset got, in the same SQLite file
 * as the outbox: written BEFORE each step of the reset (DESIGN §3), so a kiosk restarted after a
 * crash knows which claims are unsettled and what the card may have done (see claim-recovery.ts).
 * Holds ids, the procedure and the step name only: never a PIN (not even hashed), a token, a
 * cryptogram or a card identifier.
 */

const SCHEMA = `
CREATE TABLE IF NOT EXISTS reset_claims (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lookup_id TEXT NOT NULL,
  reservation_id TEXT NOT NULL,
  procedure TEXT NOT NULL,
  claim_id TEXT UNIQUE,
  step TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  settlement TEXT CHECK (settlement IN ('complete', 'release', 'dropped')),
  settled_at INTEGER,
  recovered INTEGER NOT NULL DEFAULT 0,
  uncertain INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reset_claims_unsettled ON reset_claims (settled_at);
`;

export interface ClaimEntry {
  id: number;
  lookupId: string;
  reservationId: string;
  procedure: Procedure;
  /** Null while the claim's answer was not seen. */
  claimId: string | null;
  step: ResetStep;
  startedAt: number;
  updatedAt: number;
}

interface ClaimRow {
  id: number;
  lookup_id: string;
  reservation_id: string;
  procedure: Procedure;
  claim_id: string | null;
  step: ResetStep;
  started_at: number;
  updated_at: number;
}

export interface SettleOptions {
  /** Settled by crash recovery rather than by the session. */
  recovered?: boolean;
  /** Recovery could not tell whether the card took the reset (operators are alerted). */
  uncertain?: boolean;
}

export class ClaimJournal implements ResetJournal {
  private constructor(
    private readonly db: Database.Database,
    private readonly outbox: Outbox,
    private readonly now: () => number,
  ) {}

  /** The claim journal in an open journal database, settling through `outbox` (same database). */
  static on(db: Database.Database, outbox: Outbox, now: () => number): ClaimJournal {
    db.exec(SCHEMA);
    return new ClaimJournal(db, outbox, now);
  }

  claiming(entry: { lookupId: string; reservationId: string; procedure: Procedure }): number {
    const now = this.now();
    const result = this.db
      .prepare(
        `INSERT INTO reset_claims (lookup_id, reservation_id, procedure, step, started_at, updated_at)
         VALUES (?, ?, ?, 'claiming', ?, ?)`,
      )
      .run(entry.lookupId, entry.reservationId, entry.procedure, now, now);
    return Number(result.lastInsertRowid);
  }

  claimed(entry: number, claimId: string): void {
    this.db
      .prepare("UPDATE reset_claims SET claim_id = ?, step = 'claimed', updated_at = ? WHERE id = ?")
      .run(claimId, this.now(), entry);
  }

  step(entry: number, step: ResetStep): void {
    this.db
      .prepare('UPDATE reset_claims SET step = ?, updated_at = ? WHERE id = ? AND settled_at IS NULL')
      .run(step, this.now(), entry);
  }

  dropped(entry: number): void {
    this.db
      .prepare(
        "UPDATE reset_claims SET settlement = 'dropped', settled_at = ? WHERE id = ? AND settled_at IS NULL",
      )
      .run(this.now(), entry);
  }

  /**
   * Records a claim's settlement: the outbox message and the journal entry's end in ONE
   * transaction, and only once — a second settlement of the same claim records nothing.
   * Returns whether this call recorded it.
   */
  settle(settlement: ClaimSettlement, options: SettleOptions = {}): boolean {
    return this.db
      .transaction(() => {
        const open = this.db
          .prepare('SELECT id, settled_at FROM reset_claims WHERE claim_id = ?')
          .get(settlement.claimId) as { id: number; settled_at: number | null } | undefined;
        if (open && open.settled_at !== null) return false;
        this.outbox.enqueue(settlement);
        if (open) {
          this.db
            .prepare(
              `UPDATE reset_claims SET settlement = ?, settled_at = ?, recovered = ?, uncertain = ?
               WHERE id = ?`,
            )
            .run(settlement.kind, this.now(), options.recovered ? 1 : 0, options.uncertain ? 1 : 0, open.id);
        }
        return true;
      })
      .immediate();
  }

  /** Claims not settled yet (after a crash: the ones recovery must settle), oldest first. */
  unsettled(): ClaimEntry[] {
    const rows = this.db
      .prepare('SELECT * FROM reset_claims WHERE settled_at IS NULL ORDER BY id')
      .all() as ClaimRow[];
    return rows.map((row) => ({
      id: row.id,
      lookupId: row.lookup_id,
      reservationId: row.reservation_id,
      procedure: row.procedure,
      claimId: row.claim_id,
      step: row.step,
      startedAt: row.started_at,
      updatedAt: row.updated_at,
    }));
  }

  /** Claims recovery settled without knowing whether the card took the reset, since `since`. */
  uncertainSince(since: number): number {
    const row = this.db
      .prepare('SELECT COUNT(*) AS n FROM reset_claims WHERE uncertain = 1 AND settled_at >= ?')
      .get(since) as { n: number };
    return row.n;
  }

  /** Deletes settled entries older than `olderThan` (housekeeping). */
  pruneSettled(olderThan: number): number {
    return this.db.prepare('DELETE FROM reset_claims WHERE settled_at < ?').run(olderThan).changes;
  }
}
