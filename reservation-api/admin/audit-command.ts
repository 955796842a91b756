import type { AuditSearch } from '../store/kiosk-control-store';
import type { ReservationStore } from '../store/reservation-store';

/** Rows read per query: a long period is paged by `seq`, never held in memory at once. */
const PAGE = 1_000;

/** A time from the command line: epoch ms, or an ISO 8601 date/time (with its zone, e.g. `2026-11-23T10:00+09:00`). */
export function parseTime(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const at = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(at)) throw new Error(`${flag}: not a time (epoch ms or ISO 8601): ${text}`);
  return at;
}

/**
 * Writes every audit row matching the criteria as JSON lines (one `AuditEntry` per line, by
 * `seq`): everything about one reservation, or one kiosk over a period. Returns how many.
 */
export async function exportAudit(
  store: ReservationStore,
  criteria: Omit<AuditSearch, 'limit' | 'afterSeq'>,
  write: (line: string) => void,
): Promise<number> {
  let afterSeq = 0;
  let count = 0;
  for (;;) {
    const page = await store.controls.searchAudit({ ...criteria, afterSeq, limit: PAGE });
    for (const entry of page) write(JSON.stringify(entry));
    count += page.length;
    if (page.length < PAGE) return count;
    afterSeq = page[page.length - 1]!.seq;
  }
}
