import { ClaimJournal } from './claim-journal';
import { openJournalDatabase, Outbox, type OutboxOptions } from './outbox';

/** The kiosk's SQLite journal: the outbox and the reset-claim journal in one file (one transaction can span both). */
export interface KioskJournal {
  outbox: Outbox;
  claims: ClaimJournal;
  close(): void;
}

/** Opens (creating if needed) the kiosk journal at `path`. */
export function openKioskJournal(path: string, options: OutboxOptions): KioskJournal {
  const db = openJournalDatabase(path);
  const outbox = Outbox.on(db, options);
  const claims = ClaimJournal.on(db, outbox, options.now);
  return { outbox, claims, close: () => db.close() };
}
