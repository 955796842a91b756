import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JpkiClient } from '../../hardware/jpki/jpki-client';
import { openTestPki } from '../../hardware/pki/test-pki';
import { InProcessTransport } from '../../hardware/transport/in-process-transport';
import type { CardFile } from '../../hardware/virtual-card/card-file';
import { VirtualCard } from '../../hardware/virtual-card/virtual-card';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { deliverDue } from '../../kiosk/journal/outbox-delivery';
import { Outbox } from '../../kiosk/journal/outbox';
import type { ChainId } from '../../reservation-api/contract';
import { PhoneApiClient, PhoneApiError } from '../../reservation-api/phone/phone-api-client';
import { reserveWithCard } from '../../reservation-api/phone/reserve-with-card';
import {
  ensureDevFaceProviderKey,
  type FaceSigningKey,
  loadDevFaceSigningKey,
} from '../../reservation-api/server/face-provider-keys';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { SqliteReservationStore } from '../../reservation-api/store/sqlite/sqlite-store';
import { T0 } from '../api/support/api-harness';
import { kioskClaim, kioskLookup } from '../api/support/kiosk-step';
import { AcknowledgedLedger } from './support/acknowledged-ledger';
import { ApiProcess, freePort } from './support/api-process';
import { databaseViolations, lostAcknowledgements } from './support/database-invariants';

/**
 * The API's real entry as a child process on a SQLite file, under load from phone and kiosk clients,
 * SIGKILLed at seeded moments and restarted on the same data directory. Afterwards every reservation,
 * lookup, claim, completion, release and cancellation the API acknowledged is still there, the audit
 * trail is gap-free and replays through the lifecycle to every stored status, and rows and audit rows
 * agree in number. Meanwhile a kiosk outbox is filled during the first outage, and its delivery is
 * cut by the second kill — after the API committed a completion, before the kiosk heard — and still
 * everything is delivered exactly once. (One scenario, so the slow API starts are shared.)
 */

const SEED = 0x0fa0_17ed;
const KILLS = 3;
const WORKERS = 3;
const PIN = '1234';
/** The API and its clients run at 10:00 JST on a fixed day, shifted from the real clock. */
const clockOffsetMs = T0 - Date.now();
const now = () => Date.now() + clockOffsetMs;

let dataDir: string;
let api: ApiProcess;
let phone: PhoneApiClient;
let faceKey: FaceSigningKey;
let cards: CardFile[];
let kiosks: KioskApiClient[];
const ledger = new AcknowledgedLedger();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'api-faults-'));
  const pki = await openTestPki({ dataDir, now });
  ensureDevFaceProviderKey(dataDir);
  faceKey = loadDevFaceSigningKey(dataDir);
  // Kiosks are registered straight in the database file, as `npm run ops -- kiosk register` does.
  const store = SqliteReservationStore.open(join(dataDir, 'reservation-api.sqlite'));
  const port = await freePort();
  const chains: ChainId[] = ['seven-eleven', 'lawson', 'familymart', 'aeon'];
  kiosks = [];
  for (const [i, chain] of chains.entries()) {
    const credentials = await enrolKiosk(store, {
      chain,
      storeId: `F${i}`,
      actor: 'operator:test',
      now: now(),
    });
    kiosks.push(
      KioskApiClient.fromCredentials(credentials, {
        baseUrl: `http://127.0.0.1:${port}`,
        now,
        timeoutMs: 5_000,
      }),
    );
  }
  await store.close();
  api = new ApiProcess({
    dataDir,
    port,
    now,
    env: {
      RESERVATION_API_PHONE_REQUESTS_PER_MINUTE: '100000',
      RESERVATION_API_CARD_ATTEMPTS_PER_HOUR: '100000',
    },
  });
  phone = new PhoneApiClient(api.baseUrl, 5_000);
  // Issuing cards (RSA keys) and starting the API overlap: both take seconds.
  [cards] = await Promise.all([
    Promise.all(Array.from({ length: WORKERS }, () => pki.issueCard({ persona: 'sign-pin-blocked' }))),
    api.start(),
  ]);
}, 120_000);

afterAll(async () => {
  await api?.kill();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh session on a copy of the card (never written back: the file is not the point here). */
function openCard(card: CardFile): JpkiClient {
  return new JpkiClient(
    new InProcessTransport(new VirtualCard(structuredClone(card), { onChange: () => {} })),
  );
}

function reserve(card: number) {
  return reserveWithCard({
    card: openCard(cards[card]!),
    api: phone,
    procedure: 'signature-pin',
    pin: Buffer.from(PIN, 'latin1'),
    face: { key: faceKey, statement: { match: true, liveness: true, score: 0.97 } },
    now,
  });
}

/** True for the failures a crash causes (the request may or may not have been committed). */
function isOutage(error: unknown): boolean {
  if (error instanceof KioskApiError) return error.retriable;
  if (error instanceof PhoneApiError) return error.code === 'NETWORK_ERROR' || (error.status ?? 0) >= 500;
  return false;
}

/** Opens and closes with the API: clients park here while it is down. */
class Gate {
  private opened: Promise<void> = Promise.resolve();
  private open: (() => void) | undefined;
  close() {
    this.opened = new Promise((resolve) => (this.open = resolve));
  }
  reopen() {
    this.open?.();
  }
  wait() {
    return this.opened;
  }
}

/**
 * One client at a time per card, looping: reserve; then cancel it, or look it up, claim it and
 * complete or release it (choices seeded). Every 2xx goes to the ledger; an outage ends the round.
 */
async function runWorker(worker: number, gate: Gate, stop: { now: boolean }) {
  const choices = fc.sample(fc.integer({ min: 0, max: 9 }), { seed: SEED + worker, numRuns: 10_000 });
  let turn = 0;
  const kiosk = kiosks[worker]!;
  while (!stop.now) {
    await gate.wait();
    const choice = choices[turn++ % choices.length]!;
    try {
      const created = await reserve(worker);
      const reservationId = created.reservationId;
      ledger.acknowledge({ kind: 'create', reservationId, card: worker });
      if (choice < 2) {
        await phone.cancel(reservationId, created.reservationToken);
        ledger.acknowledge({ kind: 'cancel', reservationId });
        continue;
      }
      const card = openCard(cards[worker]!);
      const lookup = await kioskLookup(kiosk, card, 'signature-pin', PIN);
      ledger.acknowledge({ kind: 'lookup', reservationId, lookupId: lookup.lookupId });
      const claim = await kioskClaim(kiosk, card, 'signature-pin', lookup);
      ledger.acknowledge({ kind: 'claim', reservationId, claimId: claim.claimId });
      if (choice < 4) {
        await kiosk.release({ claimId: claim.claimId, reason: 'card-removed' });
        ledger.acknowledge({ kind: 'release', reservationId, claimId: claim.claimId });
      } else {
        await kiosk.complete({ claimId: claim.claimId });
        ledger.acknowledge({ kind: 'complete', reservationId, claimId: claim.claimId });
      }
    } catch (error) {
      if (!isOutage(error))
        ledger.unexpected.push(
          `worker ${worker}: ${(error as Error).name} ${(error as { code?: string }).code ?? ''}`,
        );
    }
  }
}

function openDatabase() {
  return new Database(join(dataDir, 'reservation-api.sqlite'));
}

/** Three reservations claimed by the outbox's kiosk, settled later through its outbox. */
async function claimForOutbox(kiosk: KioskApiClient) {
  const claims = [];
  for (let card = 0; card < 3; card += 1) {
    const created = await reserve(card);
    ledger.acknowledge({ kind: 'create', reservationId: created.reservationId, card });
    const session = openCard(cards[card]!);
    const lookup = await kioskLookup(kiosk, session, 'signature-pin', PIN);
    const claim = await kioskClaim(kiosk, session, 'signature-pin', lookup);
    ledger.acknowledge({ kind: 'claim', reservationId: created.reservationId, claimId: claim.claimId });
    claims.push({ reservationId: created.reservationId, claimId: claim.claimId });
  }
  return claims;
}

describe('the API SIGKILLed under load and restarted on the same data directory', () => {
  it('keeps every acknowledged fact and no impossible state; an outbox filled while it is down, cut mid-delivery, delivers exactly once', async () => {
    const outboxKiosk = kiosks[WORKERS]!;
    const outboxClock = { current: now() };
    const outbox = Outbox.open(join(dataDir, 'kiosk-outbox.sqlite'), { now: () => outboxClock.current });
    const claims = await claimForOutbox(outboxKiosk);
    const eventIds = Array.from({ length: 5 }, () => randomUUID());

    // Seeded: after how many more acknowledgements each kill comes (others are then mid-request).
    const killAfter = fc.sample(fc.integer({ min: 3, max: 12 }), { seed: SEED, numRuns: KILLS });
    const gate = new Gate();
    const stop = { now: false };
    const workers = Array.from({ length: WORKERS }, (_, worker) => runWorker(worker, gate, stop));
    for (const [round, acknowledgements] of killAfter.entries()) {
      await ledger.afterMore(acknowledgements);
      gate.close();
      if (round === 1) {
        // The second kill cuts the outbox's delivery: right after the API committed the second
        // completion, before the kiosk heard of it.
        outboxClock.current += 60 * 60 * 1000;
        let completions = 0;
        const cutting = Object.assign(Object.create(outboxKiosk) as KioskApiClient, {
          complete: async (request: { claimId: string }) => {
            const answer = await outboxKiosk.complete(request);
            completions += 1;
            if (completions === 2) {
              await api.kill();
              throw new KioskApiError('NETWORK_ERROR', 'the answer was lost with the API');
            }
            return answer;
          },
        });
        expect(await deliverDue(outbox, cutting)).toEqual({ delivered: 1, rejected: 0, deferred: true });
      } else await api.kill();
      if (round === 0) {
        // Down: the kiosk settles its claims and journals events; a delivery pass finds no API.
        outbox.enqueue({ kind: 'complete', claimId: claims[0]!.claimId });
        outbox.enqueue({ kind: 'complete', claimId: claims[1]!.claimId });
        outbox.enqueue({ kind: 'release', claimId: claims[2]!.claimId, reason: 'card-removed' });
        for (const id of eventIds) {
          outbox.enqueue({
            kind: 'event',
            event: { id, type: 'session.ended', at: now(), data: { outcome: 'ok' } },
          });
        }
        expect(await deliverDue(outbox, outboxKiosk)).toEqual({ delivered: 0, rejected: 0, deferred: true });
        expect(outbox.counts()).toEqual({ pending: 8, delivered: 0, rejected: 0 });
      }
      await api.start();
      gate.reopen();
    }
    outboxClock.current += 60 * 60 * 1000;
    expect(await deliverDue(outbox, outboxKiosk)).toEqual({ delivered: 7, rejected: 0, deferred: false });
    expect(outbox.counts()).toEqual({ pending: 0, delivered: 8, rejected: 0 });
    outbox.close();
    ledger.acknowledge({ kind: 'complete', ...claims[0]! });
    ledger.acknowledge({ kind: 'complete', ...claims[1]! });
    ledger.acknowledge({ kind: 'release', ...claims[2]! });

    await ledger.afterMore(3);
    stop.now = true;
    await Promise.all(workers);
    expect(api.starts).toBe(KILLS + 1);
    expect(ledger.unexpected).toEqual([]);
    expect(ledger.of('create').length).toBeGreaterThan(KILLS + 3);

    // A last SIGKILL, then the database as the next start would find it.
    await api.kill();
    const db = openDatabase();
    try {
      expect(lostAcknowledgements(db, ledger)).toEqual([]);
      expect(databaseViolations(db)).toEqual([]);
      const transitions = (reservationId: string, action: string) =>
        (
          db
            .prepare(
              'SELECT count(*) AS n FROM audit WHERE reservation_id = ? AND action = ? AND to_status IS NOT NULL',
            )
            .get(reservationId, action) as { n: number }
        ).n;
      for (const { reservationId } of claims.slice(0, 2)) {
        expect(db.prepare('SELECT status FROM reservations WHERE id = ?').get(reservationId)).toEqual({
          status: 'completed',
        });
        expect(transitions(reservationId, 'complete')).toBe(1);
      }
      expect(transitions(claims[2]!.reservationId, 'release')).toBe(1);
      const events = db
        .prepare('SELECT event_id FROM kiosk_events WHERE kiosk_id = ? ORDER BY event_id')
        .all(outboxKiosk.kioskId);
      expect(events).toEqual([...eventIds].sort().map((event_id) => ({ event_id })));
    } finally {
      db.close();
    }
  }, 180_000);
});
