import type Database from 'better-sqlite3';
import type { RememberKioskNonceInput } from '../reservation-store';

/** At the latest this long after a kiosk nonce is seen, it is written even if no transaction came. */
export const NONCE_WRITE_DELAY_MS = 20;

/**
 * Kiosk request nonces seen but not yet written (issue 13): a signed kiosk request's nonce is
 * written inside the next transaction the store opens — normally the request's own, a moment
 * later — instead of a transaction and commit of its own (~60 µs of a kiosk request's CPU).
 *
 * Safe because one process writes a SQLite database (the instance lock) and it asks here first:
 * a nonce is a replay if it is pending or stored within the window. A request's effects commit in
 * the same transaction as its nonce or after it, so a crash that loses a pending nonce also lost
 * whatever its request did; only a request that wrote nothing (a read) could be replayed after
 * such a crash, within the signature's clock-skew window, and it changes nothing. Pending nonces
 * are written at the latest NONCE_WRITE_DELAY_MS after being seen, and when the store closes.
 */
export class PendingKioskNonces {
  private readonly pending = new Map<string, RememberKioskNonceInput>();
  private readonly statements;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    db: Database.Database,
    /** Runs `write` in a transaction of its own (when no other transaction came in time). */
    private readonly writeSoon: (write: () => void) => void,
  ) {
    this.statements = {
      seen: db
        .prepare<[string, string, number], number>(
          'SELECT 1 FROM kiosk_nonces WHERE kiosk_id = ? AND nonce = ? AND seen_at >= ?',
        )
        .pluck(),
      upsert: db.prepare<[string, string, number]>(
        `INSERT INTO kiosk_nonces (kiosk_id, nonce, seen_at) VALUES (?, ?, ?)
         ON CONFLICT (kiosk_id, nonce) DO UPDATE SET seen_at = excluded.seen_at`,
      ),
      prune: db.prepare<[number]>('DELETE FROM kiosk_nonces WHERE seen_at < ?'),
    };
  }

  /** Remembers the nonce; false when it was already seen within the window (a replay). */
  remember(input: RememberKioskNonceInput): boolean {
    const key = `${input.kioskId}\n${input.nonce}`;
    const pending = this.pending.get(key);
    if (pending && pending.now >= input.now - input.windowMs) return false;
    if (this.statements.seen.get(input.kioskId, input.nonce, input.now - input.windowMs) !== undefined) {
      return false;
    }
    this.pending.set(key, input);
    this.scheduleWrite();
    return true;
  }

  private scheduleWrite(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      try {
        this.writeSoon(() => this.writePending());
      } catch {
        // The database refused the write (busy past its timeout, disk full): the nonces stay
        // pending — still refused as replays — and the next transaction or attempt writes them.
        if (this.pending.size > 0) this.scheduleWrite();
      }
    }, NONCE_WRITE_DELAY_MS);
  }

  /** Inside a transaction: writes the pending nonces and forgets those past their window. */
  writePending(): void {
    if (this.pending.size === 0) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    let oldestKept = Infinity;
    for (const seen of this.pending.values()) {
      this.statements.upsert.run(seen.kioskId, seen.nonce, seen.now);
      oldestKept = Math.min(oldestKept, seen.now - seen.windowMs);
    }
    this.pending.clear();
    this.statements.prune.run(oldestKept);
  }
}
