import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import type { ChainId, ClaimResponse } from '../../reservation-api/contract';
import { type ApiHarness, type HarnessKiosk, startApiHarness, T0 } from './support/api-harness';
import { kioskClaim, kioskLookup } from './support/kiosk-step';

/**
 * Kiosks racing over a real server: however many claim the same reservation at once, exactly one
 * wins; however often the winner (or anyone else) reports completion, the reservation completes
 * exactly once.
 */

let api: ApiHarness;
let cardPath: string;
let kiosks: HarnessKiosk[];
const CHAINS: ChainId[] = ['seven-eleven', 'lawson', 'familymart', 'ministop', 'aeon', 'seven-eleven'];

beforeAll(async () => {
  api = await startApiHarness();
  cardPath = await api.issueCard('sign-pin-blocked');
  kiosks = [];
  for (const chain of CHAINS) kiosks.push(await api.addKiosk(chain));
});
afterAll(async () => api.close());

async function outcome<T>(promise: Promise<T>): Promise<T | string> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof KioskApiError) return error.code;
    throw error;
  }
}

/** A reservation and every kiosk's lookup of it (each with its own session on the card). */
async function everyKioskLooksUp() {
  const reservation = await api.reserve(cardPath, 'signature-pin', '1234');
  const sessions = [];
  for (const kiosk of kiosks) {
    const card = api.openCard(cardPath);
    sessions.push({ kiosk, card, lookup: await kioskLookup(kiosk.client, card, 'signature-pin', '1234') });
  }
  return { reservation, sessions };
}

describe('racing claims', () => {
  it.each([1, 2, 3])(
    'round %i: six kiosks claim one reservation at once — exactly one wins',
    async (round) => {
      api.clock.set(T0 + round * 60 * 60 * 1000);
      const { reservation, sessions } = await everyKioskLooksUp();
      const results = await Promise.all(
        sessions.map(({ kiosk, card, lookup }) =>
          outcome(kioskClaim(kiosk.client, card, 'signature-pin', lookup)),
        ),
      );
      const winners = results.filter((r): r is ClaimResponse => typeof r === 'object');
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r === 'RESERVATION_IN_USE')).toHaveLength(sessions.length - 1);

      const winner = sessions[results.findIndex((r) => typeof r === 'object')];
      const claim = winners[0] as ClaimResponse;
      // The winner reports completion several times at once (retries), every loser tries too.
      const completions = await Promise.all([
        ...Array.from({ length: 4 }, () =>
          outcome(winner!.kiosk.client.complete({ claimId: claim.claimId })),
        ),
        ...sessions
          .filter((session) => session !== winner)
          .map((session) => outcome(session.kiosk.client.complete({ claimId: claim.claimId }))),
      ]);
      const accepted = completions.filter((c) => typeof c === 'object');
      expect(accepted).toHaveLength(4);
      expect(new Set(accepted.map((c) => JSON.stringify(c))).size).toBe(1);
      expect(completions.filter((c) => c === 'LEASE_INVALID')).toHaveLength(sessions.length - 1);

      const audit = await api.store.auditEntries({ reservationId: reservation.reservationId, limit: 1000 });
      expect(audit.filter((entry) => entry.action === 'complete')).toHaveLength(1);
      expect(audit.filter((entry) => entry.action === 'claim' && entry.outcome === 'ok')).toHaveLength(1);
      const completedClaims = api.store.database
        .prepare("SELECT count(*) AS n FROM claims WHERE reservation_id = ? AND outcome = 'completed'")
        .get(reservation.reservationId) as { n: number };
      expect(completedClaims.n).toBe(1);
    },
  );

  it('a released claim can be won by another kiosk; the first can then neither complete nor release it', async () => {
    api.clock.set(T0 + 10 * 60 * 60 * 1000);
    const { sessions } = await everyKioskLooksUp();
    const [first, second] = sessions;
    const claim = await kioskClaim(first!.kiosk.client, first!.card, 'signature-pin', first!.lookup);
    await first!.kiosk.client.release({ claimId: claim.claimId, reason: 'card-removed' });
    const secondClaim = await kioskClaim(second!.kiosk.client, second!.card, 'signature-pin', second!.lookup);
    expect(await outcome(first!.kiosk.client.complete({ claimId: claim.claimId }))).toBe('LEASE_INVALID');
    expect(await outcome(second!.kiosk.client.complete({ claimId: secondClaim.claimId }))).toMatchObject({
      status: 'completed',
    });
  });
});
