import type Database from 'better-sqlite3';
import type { Procedure } from '../../state-machines/session';
import type { ClaimSettlement, ResetJournal, ResetStep } from '../runtime/session-actors';
import { commitDurably } from './journal-database';
import type { Outbox } from './outbox';

/**
 * The kiosk's journal of reservation claims and how far each reset got, in the same SQLite file
 * as the outbox: written BEFORE each step of the reset (DESIGN §3), so a kiosk restarted after a
 * crash knows which claims are unsettled and what the card may have done (see claim-recovery.ts).
 * Holds ids, the procedure and the step name, and — so that recovery can ask the card whether an
 * interrupted reset took — a one-way digest of the card's token serial and the tries left of the
 * PIN being reset before it: never a PIN (not even hashed), a token, a cryptogram or the serial.
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

/** Columns added after the first release (a journal from before gets them on open). */
const ADDED_COLUMNS: Record<string, string> = {
  // SHA-256 of a purpose prefix and the token serial: recognises the same card, reveals nothing.
  card_digest: 'TEXT',
  // Tries left of the PIN being reset before the reset (a reset restores the maximum).
  tries_before: 'INTEGER',
};

/** The card a reset was for, as recovery recognises it. */
export interface ResetCard {
  digest: string;
  triesBefore: number;
}

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
  /** The card, when the kiosk journaled it (older entries have none). */
  card: ResetCard | null;
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
  card_digest: string | null;
  tries_before: number | null;
}

export interface SettleOptions {
  /** Settled by crash recovery rather than by the session. */
  recovered?: boolean;
  /** Recovery could not tell whether the card took the reset (operators are alerted). */
  uncertain?: boolean;
}

/** The claim journal's statements, prepared once per connection. */
function prepareStatements(db: Database.Database) {
  return {
    claiming: db.prepare(
      `INSERT INTO reset_claims (lookup_id, reservation_id, procedure, step, started_at, updated_at,
         card_digest, tries_before)
       VALUES (?, ?, ?, 'claiming', ?, ?, ?, ?)`,
    ),
    claimed: db.prepare(
      "UPDATE reset_claims SET claim_id = ?, step = 'claimed', updated_at = ? WHERE id = ?",
    ),
    step: db.prepare('UPDATE reset_claims SET step = ?, updated_at = ? WHERE id = ? AND settled_at IS NULL'),
    dropped: db.prepare(
      "UPDATE reset_claims SET settlement = 'dropped', settled_at = ? WHERE id = ? AND settled_at IS NULL",
    ),
    byClaim: db.prepare('SELECT id, settled_at FROM reset_claims WHERE claim_id = ?'),
    settled: db.prepare(
      'UPDATE reset_claims SET settlement = ?, settled_at = ?, recovered = ?, uncertain = ? WHERE id = ?',
    ),
  };
}

/**
 * Steps whose entry must be on disk (fsync) before the reset goes on: the first that names the
 * claim (`claimed`: recovery can release it at once) and the two around RESET RETRY COUNTER, where
 * a lost step changes recovery's decision. The others are relaxed commits: losing one (with
 * everything after it, at a power cut) leaves an earlier step of the same decision — `claiming`
 * like `claimed`-unseen (lease), `authorising` like `claimed` (release), `verified` like `pin-set`
 * (complete). See docs/kiosk-runtime.md, "Journal durability".
 */
const DURABLE_STEPS: ReadonlySet<ResetStep> = new Set(['claimed', 'writing-pin', 'pin-set']);

export class ClaimJournal implements ResetJournal {
  private readonly statements: ReturnType<typeof prepareStatements>;

  private constructor(
    private readonly db: Database.Database,
    private readonly outbox: Outbox,
    private readonly now: () => number,
  ) {
    this.statements = prepareStatements(db);
  }

  /** The claim journal in an open journal database, settling through `outbox` (same database). */
  static on(db: Database.Database, outbox: Outbox, now: () => number): ClaimJournal {
    db.exec(SCHEMA);
    const columns = new Set(
      (db.prepare('PRAGMA table_info(reset_claims)').all() as { name: string }[]).map((c) => c.name),
    );
    for (const [name, type] of Object.entries(ADDED_COLUMNS)) {
      if (!columns.has(name)) db.exec(`ALTER TABLE reset_claims ADD COLUMN ${name} ${type}`);
    }
    return new ClaimJournal(db, outbox, now);
  }

  /** A relaxed commit: lost at a power cut, recovery's decision is the same (lease expiry). */
  claiming(entry: {
    lookupId: string;
    reservationId: string;
    procedure: Procedure;
    card?: ResetCard;
  }): number {
    const now = this.now();
    const result = this.statements.claiming.run(
      entry.lookupId,
      entry.reservationId,
      entry.procedure,
      now,
      now,
      entry.card?.digest ?? null,
      entry.card?.triesBefore ?? null,
    );
    return Number(result.lastInsertRowid);
  }

  /** Durable: on disk before the reset goes on (and with it the `claiming` insert). */
  claimed(entry: number, claimId: string): void {
    commitDurably(this.db, () => this.statements.claimed.run(claimId, this.now(), entry));
  }

  /** Durable or relaxed by `DURABLE_STEPS`. */
  step(entry: number, step: ResetStep): void {
    const write = () => this.statements.step.run(step, this.now(), entry);
    if (DURABLE_STEPS.has(step)) commitDurably(this.db, write);
    else write();
  }

  /** A relaxed commit: lost at a power cut, the entry stays `claiming` and recovery drops it alike. */
  dropped(entry: number): void {
    this.statements.dropped.run(this.now(), entry);
  }

  /**
   * Records a claim's settlement: the outbox message and the journal entry's end in ONE durable
   * transaction, and only once — a second settlement of the same claim records nothing.
   * Returns whether this call recorded it.
   */
  settle(settlement: ClaimSettlement, options: SettleOptions = {}): boolean {
    // Durable: the customer is told the reset is done (or the reservation is free) after this.
    return commitDurably(this.db, () => {
      const open = this.statements.byClaim.get(settlement.claimId) as
        { id: number; settled_at: number | null } | undefined;
      if (open && open.settled_at !== null) return false;
      this.outbox.enqueue(settlement);
      if (open) {
        this.statements.settled.run(
          settlement.kind,
          this.now(),
          options.recovered ? 1 : 0,
          options.uncertain ? 1 : 0,
          open.id,
        );
      }
      return true;
    });
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
      card:
        row.card_digest !== null && row.tries_before !== null
          ? { digest: row.card_digest, triesBefore: row.tries_before }
          : null,
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
