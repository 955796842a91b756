import { randomUUID } from 'node:crypto';
import type { ClaimSettlement } from '../runtime/session-actors';
import type { ClaimEntry, ClaimJournal } from './claim-journal';
import type { Outbox } from './outbox';

/**
 * Crash recovery: settles every claim a previous run left unsettled, from the last step journaled
 * before the crash (docs/kiosk-runtime.md, "Crash recovery"):
 *
 * - no claim id (`claiming`: the claim's answer was never seen) → nothing can be released by id;
 *   the card got no cryptogram, so it is unchanged; the API's lease returns the reservation.
 * - `claimed`, `authorising` → RESET RETRY COUNTER was never sent: release.
 * - `writing-pin` → it may or may not have reached the card: UNCERTAIN. Release (the customer can
 *   redo the reset with the same reservation whatever the card did; a completion would strand a
 *   customer whose card did not take it) and alert the operators (`reset-outcome-uncertain`).
 * - `pin-set`, `verified` → the card acknowledged the new PIN: complete.
 */

export type RecoveryDecision =
  { action: 'complete' } | { action: 'release'; uncertain: boolean } | { action: 'lease-expiry' };

/** What recovery does with a claim whose last journaled step is `entry.step`. */
export function recoveryDecision(entry: Pick<ClaimEntry, 'claimId' | 'step'>): RecoveryDecision {
  if (entry.claimId === null) return { action: 'lease-expiry' };
  switch (entry.step) {
    case 'pin-set':
    case 'verified':
      return { action: 'complete' };
    case 'writing-pin':
      return { action: 'release', uncertain: true };
    default:
      return { action: 'release', uncertain: false };
  }
}

export interface RecoveryReport {
  completed: number;
  released: number;
  /** Released without knowing whether the card took the reset. */
  uncertain: number;
  /** Left to the API's lease (claim id never seen). */
  leftToLease: number;
}

/** Settles every unsettled claim of `journal` (through its outbox) and journals what it did as events. */
export function recoverClaims(
  journal: ClaimJournal,
  outbox: Outbox,
  now: () => number,
  newId: () => string = randomUUID,
): RecoveryReport {
  const report: RecoveryReport = { completed: 0, released: 0, uncertain: 0, leftToLease: 0 };
  for (const entry of journal.unsettled()) {
    const decision = recoveryDecision(entry);
    const event = (type: string, data: Record<string, string | boolean>) =>
      outbox.enqueue({ kind: 'event', event: { id: newId(), type, at: now(), data } });
    if (decision.action === 'lease-expiry' || entry.claimId === null) {
      journal.dropped(entry.id);
      report.leftToLease += 1;
      event('claim.recovered', { step: entry.step, settlement: 'lease-expiry', uncertain: false });
      continue;
    }
    const settlement: ClaimSettlement =
      decision.action === 'complete'
        ? { kind: 'complete', claimId: entry.claimId }
        : { kind: 'release', claimId: entry.claimId, reason: decision.uncertain ? 'reset-failed' : 'other' };
    const uncertain = decision.action === 'release' && decision.uncertain;
    journal.settle(settlement, { recovered: true, uncertain });
    if (decision.action === 'complete') report.completed += 1;
    else report.released += 1;
    event('claim.recovered', { step: entry.step, settlement: settlement.kind, uncertain });
    if (uncertain) {
      report.uncertain += 1;
      event('alert', { alert: 'reset-outcome-uncertain' });
    }
  }
  return report;
}
