import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from '../api/support/api-harness';
import { cardCopies, PROCEDURE_CASES, type ProcedureCase } from './support/procedure-cases';
import { startVirtualCardSession } from './support/virtual-card-session';

/**
 * The card pulled before each APDU of a reset session, for both procedures: afterwards the card,
 * the reservation and the outbox agree — completed only if the new PIN works on the card,
 * otherwise the reservation is active again (released), and nothing is left pending in the outbox.
 */

let api: ApiHarness;
let freshCard: (persona: string) => Promise<string>;
let kiosk: HarnessKiosk;

beforeAll(async () => {
  api = await startApiHarness();
  freshCard = cardCopies((persona) => api.issueCard(persona));
  kiosk = await api.addKiosk('seven-eleven');
});

afterAll(async () => {
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

/** One session on a fresh blocked card with a reservation; the card pulled at APDU `pullAt`. */
async function sessionPulledAt(scenario: ProcedureCase, pullAt: number | undefined) {
  const cardPath = await freshCard(scenario.persona);
  const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
  const { transport, outbox, deliverer, runReset } = startVirtualCardSession({
    cardPath,
    api: kiosk.client,
    offeredProcedures: kiosk.procedures,
    now: api.clock.now,
    pullCard: pullAt,
  });
  const finalScreen = await runReset(scenario);
  await deliverer.deliver();
  await deliverer.deliver();

  const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  const newPinWorks = await scenario.newPinWorks(api.openCard(cardPath));
  const counts = outbox.counts();
  outbox.close();
  return { apdus: transport.sent, finalScreen, status, newPinWorks, counts };
}

describe.each(PROCEDURE_CASES)('card pulled at each APDU of a $procedure reset', (scenario) => {
  it('card, reservation and outbox agree whichever APDU the card was pulled at', async () => {
    const happy = await sessionPulledAt(scenario, undefined);
    expect(happy).toMatchObject({ finalScreen: 'done', status: 'completed', newPinWorks: true });
    expect(happy.apdus).toBeGreaterThan(5);

    for (let pullAt = 1; pullAt <= happy.apdus; pullAt += 1) {
      const result = await sessionPulledAt(scenario, pullAt);
      const context = `pulled at APDU ${pullAt}: ${JSON.stringify(result)}`;
      expect(result.counts.pending, context).toBe(0);
      expect(result.counts.rejected, context).toBe(0);
      if (result.status === 'completed') expect(result.newPinWorks, context).toBe(true);
      else expect(result.status, context).toBe('active');
      // "Done" is shown only for a completed reservation (a pull during the certificate read after
      // the new PIN verified still completes).
      if (result.finalScreen === 'done') expect(result.status, context).toBe('completed');
    }
  }, 180_000); // one full session per APDU: a guard against hangs, not a speed check
});
