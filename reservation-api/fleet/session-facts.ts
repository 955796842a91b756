import { isCustomerErrorId } from '../../state-machines/session/customer-errors';
import type { KioskEvent, SessionOutcomeWire } from '../contract';

/**
 * How an ended kiosk session counts for operators: its outcome and, when it failed, the cause —
 * one of the kiosk's customer-error ids or `other`, so the set of causes (a chart axis and a metric
 * label) stays bounded whatever a kiosk sends.
 */
export interface SessionFact {
  outcome: SessionOutcomeWire;
  /** `none` unless the session failed. */
  cause: string;
}

const OUTCOMES: readonly string[] = ['completed', 'cancelled', 'failed'];

/** The cause label of a failure code from a kiosk. */
export function sessionCause(error: unknown): string {
  return isCustomerErrorId(error) ? error : 'other';
}

/** The fact of a `session.ended` event, or undefined for any other event or an unknown outcome. */
export function sessionFactOf(event: Pick<KioskEvent, 'type' | 'data'>): SessionFact | undefined {
  if (event.type !== 'session.ended') return undefined;
  const outcome = event.data?.['outcome'];
  if (typeof outcome !== 'string' || !OUTCOMES.includes(outcome)) return undefined;
  return {
    outcome: outcome as SessionOutcomeWire,
    cause: outcome === 'failed' ? sessionCause(event.data?.['error']) : 'none',
  };
}

export const MINUTE_MS = 60_000;

/**
 * The minute bucket of a kiosk's event time, kept within the day before the server's receipt: a
 * wrong kiosk clock (or a demo clock moved ahead) cannot scatter the chart or date anything after
 * the server's own now. An event from the outbox delivered late still counts when it happened.
 */
export function minuteBucketOf(at: number, receivedAt: number): number {
  const clamped = Math.min(Math.max(at, receivedAt - 24 * 60 * MINUTE_MS), receivedAt);
  return Math.floor(clamped / MINUTE_MS) * MINUTE_MS;
}

/** Fleet-wide failure rows (kiosk, raw cause, count) as kiosk id → cause → count (`sessionCause`). */
export function countsByKiosk(
  found: readonly { kiosk_id: string; cause: string | null; n: number | string }[],
): Map<string, Record<string, number>> {
  const byKiosk = new Map<string, Record<string, number>>();
  for (const entry of found) {
    let counts = byKiosk.get(entry.kiosk_id);
    if (!counts) byKiosk.set(entry.kiosk_id, (counts = {}));
    const cause = sessionCause(entry.cause);
    counts[cause] = (counts[cause] ?? 0) + Number(entry.n);
  }
  return byKiosk;
}
