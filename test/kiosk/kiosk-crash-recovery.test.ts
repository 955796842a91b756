import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { JPKI_ATR } from '../../hardware/jpki/constants';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { openKioskJournal } from '../../kiosk/journal/kiosk-journal';
import { startKioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import type { Procedure } from '../../state-machines/session';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from '../api/support/api-harness';
import { kioskLookup } from '../api/support/kiosk-step';
import type { KioskChildConfig, StopPoint } from './support/kiosk-child';
import { runKioskProcess } from './support/kiosk-process';
import { cardCopies } from './support/procedure-cases';

/**
 * A real kiosk process (tsx) SIGKILLed at each step of a signature-PIN reset, then restarted on the
 * same data directory (in the test process): crash recovery settles the claim from the journal, the outbox delivers, and
 * the card, the reservation and the outbox agree (docs/kiosk-runtime.md, "Crash recovery").
 */

const NEW_PIN = 'CRASH2026';
const LEASE_MS = 2 * 60_000;

let api: ApiHarness;
let freshCard: (persona: string) => Promise<string>;
let other: HarnessKiosk;
let client: KioskApiClient;
let kiosk: Pick<KioskChildConfig, 'apiUrl' | 'kioskId' | 'privateKeyPem' | 'procedures'>;
const dirs: string[] = [];

beforeAll(async () => {
  api = await startApiHarness();
  freshCard = cardCopies((persona) => api.issueCard(persona));
  other = await api.addKiosk('seven-eleven');
  const credentials = await enrolKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-crash',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  client = KioskApiClient.fromCredentials(credentials, { baseUrl: api.baseUrl, now: api.clock.now });
  kiosk = {
    apiUrl: api.baseUrl,
    kioskId: credentials.kioskId,
    privateKeyPem: credentials.privateKeyPem,
    procedures: credentials.procedures,
  };
});

afterAll(async () => {
  await api.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Expected {
  /** The reservation once recovery's messages are delivered (and any lease has run out). */
  status: 'completed' | 'active';
  newPinOnCard: boolean;
  recovery: { completed: number; released: number; uncertain: number; leftToLease: number };
}

const NOTHING = { completed: 0, released: 0, uncertain: 0, leftToLease: 0 };
const CASES: Array<[StopPoint, Expected]> = [
  ['claim-request', { status: 'active', newPinOnCard: false, recovery: { ...NOTHING, leftToLease: 1 } }],
  ['claim-answer', { status: 'active', newPinOnCard: false, recovery: { ...NOTHING, leftToLease: 1 } }],
  ['external-authenticate', { status: 'active', newPinOnCard: false, recovery: { ...NOTHING, released: 1 } }],
  // From the journal, "RESET RETRY COUNTER about to be sent" and "sent, answer lost" look the same:
  // both are uncertain — released (the customer can redo the reset with the same reservation
  // whatever the card did) and an operator alert.
  [
    'reset-retry-counter',
    { status: 'active', newPinOnCard: false, recovery: { ...NOTHING, released: 1, uncertain: 1 } },
  ],
  [
    'reset-retry-counter-answer',
    { status: 'active', newPinOnCard: true, recovery: { ...NOTHING, released: 1, uncertain: 1 } },
  ],
  ['verify-new-pin', { status: 'completed', newPinOnCard: true, recovery: { ...NOTHING, completed: 1 } }],
  [
    'verify-new-pin-answer',
    { status: 'completed', newPinOnCard: true, recovery: { ...NOTHING, completed: 1 } },
  ],
  // Settled before the crash: the completion waits in the outbox, recovery has nothing to do.
  ['complete-delivery', { status: 'completed', newPinOnCard: true, recovery: NOTHING }],
];

/** A signature-PIN reset in a kiosk process on `dataDir`, killed at `stopAt`. */
async function crashKioskAt(stopAt: StopPoint, dataDir: string, cardPath: string): Promise<void> {
  const crashed = await runKioskProcess(
    {
      ...kiosk,
      dataDir,
      now: api.clock.now(),
      cardPath,
      stopAt,
      procedure: 'signature-pin',
      provenPin: DEFAULT_PINS.auth,
      newPin: NEW_PIN,
    },
    ['STOPPED', 'FINISHED'],
  );
  expect(crashed.line, crashed.output).toBe(`STOPPED ${stopAt}`);
}

/** The kiosk restarted on the crashed one's data directory (in this process: the crash was the child's). */
function restartKiosk(dataDir: string, recoveryCardWaitMs: number) {
  return startKioskRuntime({
    api: client,
    procedures: kiosk.procedures,
    dataDir,
    now: api.clock.now,
    timers: new SimulatedClock(),
    tickMs: 3_600_000,
    recoveryCardWaitMs,
  });
}

async function newPinWorks(cardPath: string, procedure: Procedure): Promise<boolean> {
  const card = api.openCard(cardPath);
  await card.selectApplication();
  const pin = procedure === 'signature-pin' ? 'sign' : 'auth';
  return card.verifyPin(pin, Buffer.from(NEW_PIN, 'latin1')).then(
    () => true,
    () => false,
  );
}

describe('kiosk process killed at each step of a reset, restarted on the same data directory', () => {
  it.each(CASES)(
    'killed at %s: card, reservation and outbox agree',
    async (stopAt, expected) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-crash-'));
      dirs.push(dataDir);
      const cardPath = await freshCard('sign-pin-blocked');
      const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
      await crashKioskAt(stopAt, dataDir, cardPath);
      // No card on the reader after this crash: recovery does not wait for one.
      const restarted = await restartKiosk(dataDir, 0);
      await restarted.deliverOutbox();
      await restarted.deliverOutbox();
      const report = {
        recovery: restarted.recovery,
        counts: restarted.outbox.counts(),
        alerts: restarted.alerts(),
      };
      await restarted.close();
      expect(report.recovery).toEqual(expected.recovery);
      expect(report.counts).toMatchObject({ pending: 0, rejected: 0 });
      expect(report.alerts.includes('reset-outcome-uncertain')).toBe(expected.recovery.uncertain > 0);

      // Usable again: a claim whose answer died with the process is returned by the API's lease, so
      // another kiosk's lookup finds the reservation (the phone view may say `claimed` until then).
      api.clock.advance(LEASE_MS + 1_000);
      if (expected.status === 'active') {
        const found = await kioskLookup(
          other.client,
          api.openCard(cardPath),
          'signature-pin',
          DEFAULT_PINS.auth,
        );
        expect(found.reservationId).toBe(reservation.reservationId);
      } else {
        const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
        expect(view.status).toBe('completed');
      }
      expect(await newPinWorks(cardPath, 'signature-pin')).toBe(expected.newPinOnCard);

      // The journal holds nothing unsettled, and never the new PIN (in any of its files).
      const journal = openKioskJournal(join(dataDir, 'kiosk-journal.sqlite'), { now: api.clock.now });
      expect(journal.claims.unsettled()).toEqual([]);
      journal.close();
      for (const file of readdirSync(dataDir)) {
        expect(readFileSync(join(dataDir, file)).includes(NEW_PIN), file).toBe(false);
      }
    },
    90_000,
  );
});

/**
 * The same crash during RESET RETRY COUNTER, restarted with the customer's card still on the reader
 * (issue 12, part 5): the new PIN died with the process, but the card's counter settles the reset —
 * a reset restores it to the maximum — so no claim is released as uncertain when the card can tell.
 */
describe('killed around RESET RETRY COUNTER, restarted with the card on the reader', () => {
  const CARD_CASES: Array<[StopPoint, Expected]> = [
    // Never sent: the counter is still 0 → not taken → released, no alert.
    ['reset-retry-counter', { status: 'active', newPinOnCard: false, recovery: { ...NOTHING, released: 1 } }],
    // Sent and taken, its answer lost: the counter is back at 5 from 0 → taken → completed.
    [
      'reset-retry-counter-answer',
      { status: 'completed', newPinOnCard: true, recovery: { ...NOTHING, completed: 1 } },
    ],
  ];

  it.each(CARD_CASES)(
    'killed at %s: the card settles it, no reset-outcome-uncertain',
    async (stopAt, expected) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-crash-card-'));
      dirs.push(dataDir);
      const cardPath = await freshCard('sign-pin-blocked');
      const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
      await crashKioskAt(stopAt, dataDir, cardPath);
      const restarted = await restartKiosk(dataDir, 60_000);
      // Nothing settled yet: recovery waits for the card.
      expect(restarted.recovery).toEqual(NOTHING);
      restarted.slot.useOpener(() => new InProcessTransport(VirtualCard.fromFile(cardPath)));
      restarted.reader.send({ type: 'reader.added', reader: 'Reader 0' });
      restarted.reader.send({
        type: 'card.inserted',
        reader: 'Reader 0',
        atr: Buffer.from(JPKI_ATR).toString('hex').toUpperCase(),
      });
      await restarted.recoverySettled();
      await restarted.deliverOutbox();
      await restarted.deliverOutbox();
      const report = {
        recovery: { ...restarted.recovery },
        counts: restarted.outbox.counts(),
        alerts: restarted.alerts(),
      };
      await restarted.close();
      expect(report.recovery).toEqual(expected.recovery);
      expect(report.counts).toMatchObject({ pending: 0, rejected: 0 });
      expect(report.alerts).not.toContain('reset-outcome-uncertain');

      api.clock.advance(LEASE_MS + 1_000);
      const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
      expect(view.status).toBe(expected.status);
      expect(await newPinWorks(cardPath, 'signature-pin')).toBe(expected.newPinOnCard);
    },
    90_000,
  );
});
