import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import type { Procedure } from '../../state-machines/session';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from '../api/support/api-harness';
import { kioskLookup } from '../api/support/kiosk-step';
import { cardCopies, PROCEDURE_CASES, type ProcedureCase } from './support/procedure-cases';
import { startVirtualCardSession } from './support/virtual-card-session';
import { openSwitchableLink, type SwitchableLink } from './switchable-link';

/**
 * Network faults at each API call of a reset session (reservation check, challenge, lookup, claim,
 * complete), for both procedures:
 * - `cut`: the network goes just before the call and comes back after the session;
 * - `answer-lost`: the call reaches the API and is carried out, but its answer never comes back.
 * Once the outbox has delivered, the card, the reservation and the outbox agree: completed exactly
 * when the new PIN works on the card; otherwise the reservation is usable again at once. A claim
 * whose answer was lost is asked once more with the same body and the API answers the same claim
 * again, so that session goes on to `done` (docs/kiosk-runtime.md, "Answers lost").
 */

const API_CALLS = ['reservationCheck', 'challenge', 'lookup', 'claim', 'complete', 'release'] as const;
const FAULTS = ['cut', 'answer-lost'] as const;
type Fault = (typeof FAULTS)[number];
const LEASE_MS = 2 * 60_000;

let api: ApiHarness;
let freshCard: (persona: string) => Promise<string>;
let link: SwitchableLink;
let client: KioskApiClient;
let procedures: Procedure[];
let other: HarnessKiosk;

beforeAll(async () => {
  api = await startApiHarness();
  freshCard = cardCopies((persona) => api.issueCard(persona));
  link = await openSwitchableLink(api.baseUrl);
  other = await api.addKiosk('seven-eleven');
  const credentials = await enrolKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-netcut',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  procedures = credentials.procedures;
  client = KioskApiClient.fromCredentials(credentials, { baseUrl: link.url, now: api.clock.now });
});

afterAll(async () => {
  await link.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

/** The client, with `fault` hitting API call number `faultAt` (counted over API_CALLS). */
function faultyClient(fault: Fault, faultAt: number | undefined) {
  let calls = 0;
  let faulted = '';
  const wrapped = new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !(API_CALLS as readonly PropertyKey[]).includes(property)) {
        return value;
      }
      return (...args: unknown[]) => {
        calls += 1;
        const call = () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (calls !== faultAt) return call();
        faulted = String(property);
        if (fault === 'cut') {
          link.cut();
          return call();
        }
        link.loseAnswers();
        return call().finally(() => link.restore());
      };
    },
  });
  return { api: wrapped, calls: () => calls, faulted: () => faulted };
}

async function sessionWith(
  scenario: ProcedureCase,
  fault: Fault,
  faultAt: number | undefined,
  pullCard?: (command: Uint8Array) => boolean,
) {
  const cardPath = await freshCard(scenario.persona);
  const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
  const { api: kioskApi, calls, faulted } = faultyClient(fault, faultAt);
  const { outbox, deliverer, runReset } = startVirtualCardSession({
    cardPath,
    api: kioskApi,
    offeredProcedures: procedures,
    now: api.clock.now,
    pullCard,
  });
  const finalScreen = await runReset(scenario);
  await deliverer.deliver();
  // The network is back; everything the outbox holds is due after the backoff.
  link.restore();
  api.clock.advance(60_000);
  await deliverer.deliver();

  const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  // Usable again: another kiosk's lookup finds it — at once, or only once the API's lease ran out.
  const lookup = () =>
    kioskLookup(other.client, api.openCard(cardPath), scenario.procedure, scenario.provenPin).then(
      (found) => found.reservationId === reservation.reservationId,
      () => false,
    );
  let usable: 'at-once' | 'after-lease' | 'no' = 'no';
  if (status !== 'completed') {
    if (await lookup()) usable = 'at-once';
    else {
      api.clock.advance(LEASE_MS);
      if (await lookup()) usable = 'after-lease';
    }
  }
  const newPinWorks = await scenario.newPinWorks(api.openCard(cardPath));
  const counts = outbox.counts();
  outbox.close();
  return {
    reservationId: reservation.reservationId,
    calls: calls(),
    faulted: faulted(),
    finalScreen,
    status,
    usable,
    newPinWorks,
    counts,
  };
}

/** The reservation's granted claims and claim replays, from the API's audit trail. */
async function claimsOf(reservationId: string) {
  const audit = await api.store.auditEntries({ reservationId, limit: 1000 });
  return {
    claims: audit.filter((entry) => entry.action === 'claim' && entry.outcome === 'ok').length,
    replays: audit.filter((entry) => entry.action === 'claim-replay').length,
  };
}

describe.each(PROCEDURE_CASES)('network faults at each API call of a $procedure reset', (scenario) => {
  it.each(FAULTS)(
    '%s: card, reservation and outbox agree once the network is back',
    async (fault) => {
      const happy = await sessionWith(scenario, fault, undefined);
      expect(happy).toMatchObject({ finalScreen: 'done', status: 'completed', newPinWorks: true, calls: 5 });

      for (let faultAt = 1; faultAt <= happy.calls; faultAt += 1) {
        const result = await sessionWith(scenario, fault, faultAt);
        const context = `${fault} at API call ${faultAt}: ${JSON.stringify(result)}`;
        expect(result.counts.pending, context).toBe(0);
        expect(result.counts.rejected, context).toBe(0);
        expect(result.status === 'completed', context).toBe(result.newPinWorks);
        if (result.status !== 'completed') expect(result.usable, context).toBe('at-once');
        if (result.finalScreen === 'done') expect(result.status, context).toBe('completed');
        if (fault === 'answer-lost' && result.faulted === 'claim') {
          // The retry got the same claim back: the reset went on, one more API call (the retry).
          expect(result, context).toMatchObject({
            finalScreen: 'done',
            status: 'completed',
            newPinWorks: true,
            calls: happy.calls + 1,
          });
          expect(await claimsOf(result.reservationId), context).toEqual({ claims: 1, replays: 1 });
        }
      }
    },
    120_000,
  ); // a guard against hangs, not a speed check
});

describe('network faults on the release of a claim', () => {
  const [scenario] = PROCEDURE_CASES;
  const EXTERNAL_AUTHENTICATE = 0x82;
  it.each(FAULTS)(
    '%s: the outbox delivers the release and the reservation is usable at once',
    async (fault) => {
      if (!scenario) throw new Error('no procedure case');
      // The card is pulled at EXTERNAL AUTHENTICATE: the claim held is released (API call 5).
      const result = await sessionWith(scenario, fault, 5, (command) => command[1] === EXTERNAL_AUTHENTICATE);
      const context = JSON.stringify(result);
      expect(result.faulted, context).toBe('release');
      expect(result.counts, context).toMatchObject({ pending: 0, rejected: 0 });
      expect(result, context).toMatchObject({ finalScreen: 'error', newPinWorks: false, usable: 'at-once' });
    },
  );
});
