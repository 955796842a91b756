import { describe, expect, it } from 'vitest';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { resetCardDigest } from '../runtime/session-actors';
import type { ClaimEntry } from './claim-journal';
import { recoverClaims, resetOutcomeFromCounter, UncertainResetCheck } from './claim-recovery';
import { openKioskJournal } from './kiosk-journal';
import { testCardFile } from '../../hardware/virtual-card/testing/test-card-file';

/** Crash recovery asks the card about a reset interrupted at RESET RETRY COUNTER (issue 12, part 5). */

const ENTRY = { lookupId: 'lku_1', reservationId: 'rsv_1', procedure: 'signature-pin' as const };

describe('an interrupted reset settled by the card after a crash', () => {
  it('reads the outcome from the counter now and before', () => {
    expect(resetOutcomeFromCounter({ triesLeft: 0, blocked: true }, 0, 5)).toBe('not-set');
    expect(resetOutcomeFromCounter({ triesLeft: 3, blocked: false }, 0, 5)).toBe('not-set');
    expect(resetOutcomeFromCounter({ triesLeft: 5, blocked: false }, 0, 5)).toBe('set');
    expect(resetOutcomeFromCounter({ triesLeft: 5, blocked: false }, 4, 5)).toBe('set');
    // Full before and after: the counter cannot tell.
    expect(resetOutcomeFromCounter({ triesLeft: 5, blocked: false }, 5, 5)).toBe('unknown');
  });

  it('waits for the card; another card settles nothing; the end of the wait releases as uncertain', async () => {
    const journal = openKioskJournal(':memory:', { now: () => 1_000 });
    const { claims, outbox } = journal;
    const entry = claims.claiming({
      ...ENTRY,
      card: { digest: resetCardDigest('A'.repeat(16)), triesBefore: 0 },
    });
    claims.claimed(entry, 'clm_1');
    claims.step(entry, 'writing-pin');
    const awaiting: ClaimEntry[] = [];
    const report = recoverClaims(claims, outbox, () => 1_000, undefined, {
      awaitCard: (e) => awaiting.push(e),
    });
    expect(report).toEqual({ completed: 0, released: 0, uncertain: 0, leftToLease: 0 });
    expect(awaiting).toHaveLength(1);

    const check = new UncertainResetCheck(awaiting, claims, outbox, () => 1_000, report);
    const otherCard = new JpkiClient(new InProcessTransport(new VirtualCard(await testCardFile())));
    await check.onCard(otherCard);
    expect(check.pending).toBe(1);

    check.expire();
    await check.settled();
    expect(report).toEqual({ completed: 0, released: 1, uncertain: 1, leftToLease: 0 });
    const messages = outbox.due().map((pending) => pending.message);
    expect(messages).toContainEqual({ kind: 'release', claimId: 'clm_1', reason: 'reset-failed' });
    expect(messages.some((m) => m.kind === 'event' && m.event.type === 'alert')).toBe(true);
    expect(claims.uncertainSince(0)).toBe(1);
    journal.close();
  });
});
