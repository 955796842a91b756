import { describe, expect, it } from 'vitest';
import { recoverClaims, recoveryDecision } from './claim-recovery';
import { openKioskJournal } from './kiosk-journal';

function journalAt(start = 1_000) {
  const clock = { now: start };
  const journal = openKioskJournal(':memory:', { now: () => clock.now });
  return { clock, journal, ...journal };
}

const ENTRY = { lookupId: 'lku_1', reservationId: 'rsv_1', procedure: 'signature-pin' as const };

describe('claim journal', () => {
  it('records a settlement once: the outbox message and the entry end together', () => {
    const { claims, outbox } = journalAt();
    const entry = claims.claiming(ENTRY);
    claims.claimed(entry, 'clm_1');
    claims.step(entry, 'writing-pin');
    expect(claims.unsettled()).toMatchObject([{ claimId: 'clm_1', step: 'writing-pin' }]);
    expect(claims.settle({ kind: 'complete', claimId: 'clm_1' })).toBe(true);
    expect(claims.settle({ kind: 'release', claimId: 'clm_1', reason: 'other' })).toBe(false);
    expect(claims.unsettled()).toEqual([]);
    expect(outbox.due().map((pending) => pending.message)).toEqual([{ kind: 'complete', claimId: 'clm_1' }]);
  });

  it('decides recovery from the last step reached', () => {
    expect(recoveryDecision({ claimId: null, step: 'claiming' })).toEqual({ action: 'lease-expiry' });
    expect(recoveryDecision({ claimId: 'c', step: 'claimed' })).toEqual({
      action: 'release',
      uncertain: false,
    });
    expect(recoveryDecision({ claimId: 'c', step: 'authorising' })).toEqual({
      action: 'release',
      uncertain: false,
    });
    expect(recoveryDecision({ claimId: 'c', step: 'writing-pin' })).toEqual({
      action: 'release',
      uncertain: true,
    });
    expect(recoveryDecision({ claimId: 'c', step: 'pin-set' })).toEqual({ action: 'complete' });
    expect(recoveryDecision({ claimId: 'c', step: 'verified' })).toEqual({ action: 'complete' });
  });

  it('recovery settles every unsettled claim, reports the uncertain ones, and journals events', () => {
    const { claims, outbox, clock } = journalAt();
    const a = claims.claiming(ENTRY);
    claims.claimed(a, 'clm_a');
    claims.step(a, 'writing-pin');
    const b = claims.claiming({ ...ENTRY, lookupId: 'lku_2' });
    claims.claimed(b, 'clm_b');
    claims.step(b, 'pin-set');
    claims.claiming({ ...ENTRY, lookupId: 'lku_3' });
    let ids = 0;
    const report = recoverClaims(
      claims,
      outbox,
      () => clock.now,
      () => `event-000${(ids += 1)}`,
    );
    expect(report).toEqual({ completed: 1, released: 1, uncertain: 1, leftToLease: 1 });
    expect(claims.unsettled()).toEqual([]);
    const messages = outbox.due().map((pending) => pending.message);
    expect(messages.filter((message) => message.kind !== 'event')).toEqual([
      { kind: 'release', claimId: 'clm_a', reason: 'reset-failed' },
      { kind: 'complete', claimId: 'clm_b' },
    ]);
    expect(messages).toContainEqual({
      kind: 'event',
      event: { id: 'event-0002', type: 'alert', at: 1_000, data: { alert: 'reset-outcome-uncertain' } },
    });
    expect(claims.uncertainSince(0)).toBe(1);
  });

  it('prunes delivered messages and settled claims older than the retention, on the injected clock', () => {
    const { claims, outbox, clock } = journalAt();
    const entry = claims.claiming(ENTRY);
    claims.claimed(entry, 'clm_1');
    claims.settle({ kind: 'complete', claimId: 'clm_1' });
    const [delivered] = outbox.due();
    outbox.markDelivered(delivered!.id);
    outbox.enqueue({ kind: 'release', claimId: 'clm_2', reason: 'other' });
    clock.now = 10_000;
    expect(outbox.pruneDelivered(5_000)).toBe(1);
    expect(claims.pruneSettled(5_000)).toBe(1);
    expect(outbox.counts()).toEqual({ pending: 1, delivered: 0, rejected: 0 });
    expect(outbox.pruneDelivered(20_000)).toBe(0);
  });
});
