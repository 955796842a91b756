import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import type { ClaimJournal } from '../../kiosk/journal/claim-journal';
import { openKioskJournal } from '../../kiosk/journal/kiosk-journal';
import { journaledSettler, OutboxDeliverer } from '../../kiosk/journal/outbox-delivery';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import {
  createSessionActors,
  LOOKUP_REFRESH_AFTER_MS,
  type ResetJournal,
} from '../../kiosk/runtime/session-actors';
import { createSessionMachine, toViewModel } from '../../state-machines/session';
import { type ApiHarness, Clock, startApiHarness } from '../api/support/api-harness';
import { cardCopies, PROCEDURE_CASES, type ProcedureCase } from './support/procedure-cases';
import { recordKioskCalls } from './support/recorded-kiosk-calls';
import { SessionDriver } from './support/session-driver';

/**
 * The claim binding (a claim within 3 minutes of its lookup, API clock) against a customer slow over
 * the new PIN: the runtime's actors on the REAL session machine, a virtual card and the reservation
 * API on a loopback port, with the kiosk's clock (the actors') and the API's moved between the PIN
 * proof and the confirmation of the new PIN. Every API lookup and claim, and every journal step of
 * the claim, is recorded as it passes.
 */

const MINUTE = 60_000;
const [SIGN_CASE, AUTH_CASE] = PROCEDURE_CASES as [ProcedureCase, ProcedureCase];

let api: ApiHarness;
let dir: string;
let copyOf: (persona: string) => Promise<string>;

beforeAll(async () => {
  api = await startApiHarness();
  dir = mkdtempSync(join(tmpdir(), 'lookup-refresh-'));
  copyOf = cardCopies((persona) => api.issueCard(persona));
});
afterAll(async () => {
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The real claim journal, its claim steps recorded (`claiming <lookupId>`, `claimed`, `dropped`). */
function recordingJournal(claims: ClaimJournal, log: string[]): ResetJournal {
  return {
    claiming(entry) {
      log.push(`claiming ${entry.lookupId}`);
      return claims.claiming(entry);
    },
    claimed(entry, claimId) {
      log.push('claimed');
      claims.claimed(entry, claimId);
    },
    step: (entry, step) => claims.step(entry, step),
    dropped(entry) {
      log.push('dropped');
      claims.dropped(entry);
    },
  };
}

interface SessionOptions {
  /** The kiosk's clock (the actors'); default the API's. */
  kioskNow?: () => number;
  /** Runs as each claim request goes out (e.g. the API's clock jumping). */
  beforeClaim?: () => void;
}

/** One customer at a kiosk, driven up to the new-PIN confirmation screen, then on from there. */
async function customer(scenario: ProcedureCase, options: SessionOptions = {}) {
  const cardPath = await copyOf(scenario.persona);
  const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
  const kiosk = await api.addKiosk('seven-eleven');
  const calls: string[] = [];
  const journalLog: string[] = [];
  recordKioskCalls(kiosk.client, calls, options.beforeClaim);
  const journal = openKioskJournal(join(dir, `${kiosk.kioskId}.sqlite`), { now: api.clock.now });
  const deliverer = new OutboxDeliverer(journal.outbox, kiosk.client);
  const card = api.openCard(cardPath);
  const pins = new PinBuffers();
  const actors = createSessionActors({
    card: () => card,
    api: kiosk.client,
    pins,
    settler: journaledSettler(journal.claims, deliverer),
    journal: recordingJournal(journal.claims, journalLog),
    now: options.kioskNow ?? api.clock.now,
  });
  const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
    clock: new SimulatedClock(),
    input: { offeredProcedures: kiosk.procedures, now: api.clock.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const driver = new SessionDriver(actor);
  driver.begin(scenario.procedure);
  actor.send({ type: 'card.inserted' });
  await driver.only('enter-current-pin');
  driver.enter(scenario.typedPin);
  expect(await driver.reach('enter-new-pin')).toBe('enter-new-pin');
  driver.enter(scenario.newPin);
  expect(await driver.reach('confirm-new-pin')).toBe('confirm-new-pin');
  // The PIN is proven and the reservation looked up once.
  expect(calls).toEqual([expect.stringMatching(/^lookup /)]);

  return {
    cardPath,
    card,
    calls,
    journalLog,
    /** The lookup ids in the order the API gave them. */
    lookups: () => calls.filter((call) => call.startsWith('lookup ')).map((call) => call.slice(7)),
    /** Confirms the new PIN; the screen and customer error it ends on, once the claim is settled. */
    async confirm() {
      driver.enter(scenario.newPin);
      const screen = await driver.reach();
      const error = toViewModel(actor.getSnapshot()).error?.code;
      // The settlement reaches the journal after the screen changes: wait for it, then deliver.
      await expect.poll(() => journal.claims.unsettled()).toEqual([]);
      await deliverer.deliver();
      const status = (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
      const newPinWorks = await scenario.newPinWorks(api.openCard(cardPath));
      actor.stop();
      journal.close();
      return { screen, error, status, newPinWorks };
    },
  };
}

const DONE = { screen: 'done', error: undefined, status: 'completed', newPinWorks: true };

describe('a lookup older than the refresh margin is made again before the claim', () => {
  it('just under 2 minutes: the first lookup is claimed, nothing looked up again', async () => {
    const session = await customer(SIGN_CASE);
    api.clock.advance(LOOKUP_REFRESH_AFTER_MS - 1_000);
    const [first] = session.lookups();
    expect(await session.confirm()).toEqual(DONE);
    expect(session.calls).toEqual([`lookup ${first}`, `claim ${first} ok`]);
    expect(session.journalLog).toEqual([`claiming ${first}`, 'claimed']);
  });

  it.each([SIGN_CASE, AUTH_CASE])(
    '$procedure, past 2 minutes: a new proof and lookup, the claim uses the new lookup',
    async (scenario) => {
      const session = await customer(scenario);
      api.clock.advance(2 * MINUTE + 30_000);
      expect(await session.confirm()).toEqual(DONE);
      const [first, second] = session.lookups();
      expect(second).not.toBe(first);
      expect(session.calls).toEqual([`lookup ${first}`, `lookup ${second}`, `claim ${second} ok`]);
      expect(session.journalLog).toEqual([`claiming ${second}`, 'claimed']);
    },
  );

  it.each([SIGN_CASE, AUTH_CASE])(
    '$procedure, past 3 minutes (the first lookup expired): the reset still succeeds',
    async (scenario) => {
      const session = await customer(scenario);
      api.clock.advance(12 * MINUTE);
      expect(await session.confirm()).toEqual(DONE);
      const [first, second] = session.lookups();
      expect(session.calls).toEqual([`lookup ${first}`, `lookup ${second}`, `claim ${second} ok`]);
    },
  );
});

describe('a claim refused LOOKUP_EXPIRED (kiosk clock behind the API’s)', () => {
  it('is dropped from the journal, the card is looked up again once and the claim made anew', async () => {
    // The kiosk's clock sees 1 minute pass where the API's sees 3½.
    const kioskClock = new Clock(api.clock.now());
    const session = await customer(SIGN_CASE, { kioskNow: kioskClock.now });
    kioskClock.advance(1 * MINUTE);
    api.clock.advance(3.5 * MINUTE);
    expect(await session.confirm()).toEqual(DONE);
    const [first, second] = session.lookups();
    expect(session.calls).toEqual([
      `lookup ${first}`,
      `claim ${first} LOOKUP_EXPIRED`,
      `lookup ${second}`,
      `claim ${second} ok`,
    ]);
    expect(session.journalLog).toEqual([`claiming ${first}`, 'dropped', `claiming ${second}`, 'claimed']);
  });

  it('expired again after the new lookup: no third lookup, service-unreachable, nothing changed', async () => {
    // The API's clock jumps 4 minutes as each claim goes out; the kiosk's does not move.
    const kioskClock = api.clock.now();
    const session = await customer(SIGN_CASE, {
      kioskNow: () => kioskClock,
      beforeClaim: () => api.clock.advance(4 * MINUTE),
    });
    expect(await session.confirm()).toEqual({
      screen: 'error',
      error: 'service-unreachable',
      status: 'active',
      newPinWorks: false,
    });
    const [first, second] = session.lookups();
    expect(session.calls).toEqual([
      `lookup ${first}`,
      `claim ${first} LOOKUP_EXPIRED`,
      `lookup ${second}`,
      `claim ${second} LOOKUP_EXPIRED`,
    ]);
    expect(session.journalLog).toEqual([`claiming ${first}`, 'dropped', `claiming ${second}`, 'dropped']);
  });
});

describe('a new lookup that does not lead to the reservation confirmed ends the session, never a reset', () => {
  it('the reservation expired meanwhile: reservation-expired, no claim', async () => {
    const session = await customer(SIGN_CASE);
    api.clock.advance(24 * 60 * MINUTE);
    expect(await session.confirm()).toEqual({
      screen: 'error',
      error: 'reservation-expired',
      status: 'expired',
      newPinWorks: false,
    });
    expect(session.calls).toHaveLength(1);
    expect(session.journalLog).toEqual([]);
  });

  it('a newer reservation of the card superseded it: no-reservation (reservation-cancelled), no claim', async () => {
    const session = await customer(SIGN_CASE);
    // The same card reserves again on the phone while the kiosk waits for the confirmation.
    await api.reserve(session.cardPath, SIGN_CASE.procedure, SIGN_CASE.provenPin);
    api.clock.advance(2.5 * MINUTE);
    expect(await session.confirm()).toEqual({
      screen: 'error',
      error: 'no-reservation',
      status: 'superseded',
      newPinWorks: false,
    });
    const [first, second] = session.lookups();
    expect(session.calls).toEqual([`lookup ${first}`, `lookup ${second}`]);
    expect(session.journalLog).toEqual([]);
  });
});

describe('a card that no longer holds the PIN proof when the lookup must be made again', () => {
  it.each([SIGN_CASE, AUTH_CASE])(
    '$procedure: pin-proof-lost (E-015, "start again"), not card-removed nor service-unreachable; no claim, nothing changed',
    async (scenario) => {
      const session = await customer(scenario);
      // Something selects the JPKI application again: the card forgets the verified PIN.
      await session.card.selectApplication();
      api.clock.advance(2.5 * MINUTE);
      expect(await session.confirm()).toEqual({
        screen: 'error',
        error: 'pin-proof-lost',
        status: 'active',
        newPinWorks: false,
      });
      expect(session.calls).toHaveLength(1);
      expect(session.journalLog).toEqual([]);
    },
  );
});
