import { randomUUID } from 'node:crypto';
import { PIN_FILES } from '../../hardware/jpki/constants';
import type { JpkiClient } from '../../hardware/jpki/jpki-client';
import type { PinStatus } from '../../hardware/jpki/jpki-client';
import { PROCEDURE_PINS } from '../../state-machines/session';
import { type ClaimSettlement, resetCardDigest } from '../runtime/session-actors';
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
 *
 * With `awaitCard`, a `writing-pin` entry that journaled its card (a digest of the token serial and
 * the tries left before the reset) is not settled at once: `UncertainResetCheck` asks that card
 * when it is on the reader — the new PIN is gone with the crashed process, but the counter tells:
 * blocked or below the maximum → it did not take (release, no alert); restored to the maximum from
 * below → it took (complete). Only what the card cannot settle (another card, no card within the
 * wait, a counter that was at its maximum already) is released uncertain, with the alert.
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

export interface RecoveryOptions {
  /** Given: `writing-pin` entries with a journaled card are handed to it unsettled (for `UncertainResetCheck`). */
  awaitCard?: (entry: ClaimEntry) => void;
}

/** What the card says of an interrupted reset, from its counter now and before the reset. */
export function resetOutcomeFromCounter(
  status: PinStatus,
  triesBefore: number,
  maxTries: number,
): 'set' | 'not-set' | 'unknown' {
  if (status.blocked || status.triesLeft < maxTries) return 'not-set';
  return triesBefore < maxTries ? 'set' : 'unknown';
}

/** Settles every unsettled claim of `journal` (through its outbox) and journals what it did as events. */
export function recoverClaims(
  journal: ClaimJournal,
  outbox: Outbox,
  now: () => number,
  newId: () => string = randomUUID,
  options: RecoveryOptions = {},
): RecoveryReport {
  const report: RecoveryReport = { completed: 0, released: 0, uncertain: 0, leftToLease: 0 };
  for (const entry of journal.unsettled()) {
    const decision = recoveryDecision(entry);
    if (options.awaitCard && entry.step === 'writing-pin' && entry.card !== null && entry.claimId !== null) {
      options.awaitCard(entry);
      continue;
    }
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

/**
 * Settles the `writing-pin` entries recovery left for their card (see above): `onCard` asks each
 * card placed on the reader, `expire` releases what is left as uncertain. `report` is updated.
 */
export class UncertainResetCheck {
  private readonly waiting: ClaimEntry[];
  private readonly done: Promise<void>;
  private finish: () => void = () => {};

  constructor(
    entries: readonly ClaimEntry[],
    private readonly journal: ClaimJournal,
    private readonly outbox: Outbox,
    private readonly now: () => number,
    private readonly report: RecoveryReport,
    private readonly newId: () => string = randomUUID,
  ) {
    this.waiting = [...entries];
    this.done = new Promise((resolve) => (this.finish = resolve));
    if (this.waiting.length === 0) this.finish();
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves once every entry is settled. */
  settled(): Promise<void> {
    return this.done;
  }

  /** Asks the card now on the reader about the entries journaled for it (errors leave them waiting). */
  async onCard(card: JpkiClient): Promise<void> {
    if (this.waiting.length === 0) return;
    try {
      await card.selectApplication();
      const digest = resetCardDigest((await card.readTokenInfo()).tokenSerial);
      for (const entry of [...this.waiting]) {
        if (entry.card?.digest !== digest) continue;
        const pin = PROCEDURE_PINS[entry.procedure].resets;
        const outcome = resetOutcomeFromCounter(
          await card.pinStatus(pin),
          entry.card.triesBefore,
          PIN_FILES[pin].maxTries,
        );
        this.settle(entry, outcome);
      }
    } catch {
      // Not a card that can be asked now (removed, unreadable, not JPKI): wait for the next one.
    }
  }

  /** The wait is over: whatever is left is released as uncertain (operators alerted). */
  expire(): void {
    for (const entry of [...this.waiting]) this.settle(entry, 'unknown');
  }

  private settle(entry: ClaimEntry, outcome: 'set' | 'not-set' | 'unknown'): void {
    const index = this.waiting.indexOf(entry);
    if (index < 0 || entry.claimId === null) return;
    this.waiting.splice(index, 1);
    const uncertain = outcome === 'unknown';
    const settlement: ClaimSettlement =
      outcome === 'set'
        ? { kind: 'complete', claimId: entry.claimId }
        : { kind: 'release', claimId: entry.claimId, reason: 'reset-failed' };
    const event = (type: string, data: Record<string, string | boolean>) =>
      this.outbox.enqueue({ kind: 'event', event: { id: this.newId(), type, at: this.now(), data } });
    this.journal.settle(settlement, { recovered: true, uncertain });
    if (settlement.kind === 'complete') this.report.completed += 1;
    else this.report.released += 1;
    event('claim.recovered', {
      step: entry.step,
      settlement: settlement.kind,
      uncertain,
      card: outcome !== 'unknown',
    });
    if (uncertain) {
      this.report.uncertain += 1;
      event('alert', { alert: 'reset-outcome-uncertain' });
    }
    if (this.waiting.length === 0) this.finish();
  }
}
