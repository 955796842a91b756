import { createPrivateKey, randomUUID } from 'node:crypto';
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
import { newKioskKeyPair, registerKiosk } from '../../reservation-api/services/kiosk-registry';
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
 * agree in number. Then a kiosk outbox filled while the API is down — and cut again mid-delivery,
 * after the API committed but before the kiosk heard — delivers everything exactly once.
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
  cards = [];
  for (let i = 0; i < WORKERS; i += 1) cards.push(await pki.issueCard({ persona: 'sign-pin-blocked' }));
  // Kiosks are registered straight in the database file, as `npm run ops -- kiosk register` does.
  const store = SqliteReservationStore.open(join(dataDir, 'reservation-api.sqlite'));
  const port = await freePort();
  const chains: ChainId[] = ['seven-eleven', 'lawson', 'familymart', 'aeon'];
  kiosks = [];
  for (const [i, chain] of chains.entries()) {
    const keys = newKioskKeyPair();
    const kiosk = await registerKiosk(store, {
      chain,
      storeId: `F${i}`,
      publicKey: keys.publicKey,
      actor: 'operator:test',
      now: now(),
    });
    kiosks.push(
      new KioskApiClient({
        baseUrl: `http://127.0.0.1:${port}`,
        kioskId: kiosk.id,
        privateKey: createPrivateKey(keys.privateKeyPem),
        now,
        timeoutMs: 5_000,
      }),
    );
  }
  await store.close();
  api = new ApiProcess({
    dataDir,
    port,
    clockOffsetMs,
    env: {
      RESERVATION_API_PHONE_REQUESTS_PER_MINUTE: '100000',
      RESERVATION_API_CARD_ATTEMPTS_PER_HOUR: '100000',
    },
  });
  phone = new PhoneApiClient(api.baseUrl, 5_000);
  await api.start();
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

describe('the API SIGKILLed under load and restarted on the same data directory', () => {
  it('keeps every acknowledged reservation, claim, completion and audit row; no impossible state', async () => {
    // Seeded: after how many more acknowledgements each kill comes (others are then mid-request).
    const killAfter = fc.sample(fc.integer({ min: 3, max: 12 }), { seed: SEED, numRuns: KILLS });
    const gate = new Gate();
    const stop = { now: false };
    const workers = Array.from({ length: WORKERS }, (_, worker) => runWorker(worker, gate, stop));
    for (const acknowledgements of killAfter) {
      await ledger.afterMore(acknowledgements);
      gate.close();
      await api.kill();
      await api.start();
      gate.reopen();
    }
    await ledger.afterMore(3);
    stop.now = true;
    await Promise.all(workers);

    expect(api.starts).toBe(KILLS + 1);
    expect(ledger.unexpected).toEqual([]);
    expect(ledger.of('create').length).toBeGreaterThan(KILLS);
    // Read while the API still runs (WAL readers do not block it), then again after a last kill.
    const live = openDatabase();
    expect(lostAcknowledgements(live, ledger)).toEqual([]);
    live.close();
    await api.kill();
    const db = openDatabase();
    try {
      expect(lostAcknowledgements(db, ledger)).toEqual([]);
      expect(databaseViolations(db)).toEqual([]);
    } finally {
      db.close();
    }
    await api.start();
  }, 120_000);

  it('a kiosk outbox filled while the API is down delivers everything exactly once, even when cut mid-delivery', async () => {
    const kiosk = kiosks[WORKERS]!;
    const outboxClock = { current: now() };
    const outbox = Outbox.open(join(dataDir, 'kiosk-outbox.sqlite'), { now: () => outboxClock.current });
    // Three reservations claimed by this kiosk while the API is up.
    const claims = [];
    for (let card = 0; card < 3; card += 1) {
      const created = await reserve(card);
      const session = openCard(cards[card]!);
      const lookup = await kioskLookup(kiosk, session, 'signature-pin', PIN);
      const claim = await kioskClaim(kiosk, session, 'signature-pin', lookup);
      claims.push({ reservationId: created.reservationId, claimId: claim.claimId });
    }
    await api.kill();

    // Down: the kiosk finishes its sessions into the outbox; a delivery pass finds no API.
    outbox.enqueue({ kind: 'complete', claimId: claims[0]!.claimId });
    outbox.enqueue({ kind: 'complete', claimId: claims[1]!.claimId });
    outbox.enqueue({ kind: 'release', claimId: claims[2]!.claimId, reason: 'card-removed' });
    const eventIds = Array.from({ length: 5 }, () => randomUUID());
    for (const id of eventIds)
      outbox.enqueue({
        kind: 'event',
        event: { id, type: 'session.ended', at: now(), data: { outcome: 'ok' } },
      });
    expect(await deliverDue(outbox, kiosk)).toEqual({ delivered: 0, rejected: 0, deferred: true });
    expect(outbox.counts()).toEqual({ pending: 8, delivered: 0, rejected: 0 });

    // Back, but cut again right after the API committed the second completion, before the kiosk heard.
    await api.start();
    outboxClock.current += 60 * 60 * 1000;
    let sent = 0;
    const cutting = Object.assign(Object.create(kiosk) as KioskApiClient, {
      complete: async (request: { claimId: string }) => {
        const answer = await kiosk.complete(request);
        sent += 1;
        if (sent === 2) {
          await api.kill();
          throw new KioskApiError('NETWORK_ERROR', 'the answer was lost with the API');
        }
        return answer;
      },
    });
    expect(await deliverDue(outbox, cutting)).toEqual({ delivered: 1, rejected: 0, deferred: true });

    await api.start();
    outboxClock.current += 60 * 60 * 1000;
    expect(await deliverDue(outbox, kiosk)).toEqual({ delivered: 7, rejected: 0, deferred: false });
    expect(outbox.counts()).toEqual({ pending: 0, delivered: 8, rejected: 0 });
    outbox.close();
    ledger.acknowledge({ kind: 'complete', ...claims[0]! });
    ledger.acknowledge({ kind: 'complete', ...claims[1]! });
    ledger.acknowledge({ kind: 'release', ...claims[2]! });

    await api.kill();
    const db = openDatabase();
    try {
      const auditOf = (reservationId: string, action: string) =>
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
        expect(auditOf(reservationId, 'complete')).toBe(1);
      }
      expect(
        db.prepare('SELECT status FROM reservations WHERE id = ?').get(claims[2]!.reservationId),
      ).toEqual({ status: 'active' });
      expect(auditOf(claims[2]!.reservationId, 'release')).toBe(1);
      const events = db
        .prepare('SELECT event_id FROM kiosk_events WHERE kiosk_id = ? ORDER BY event_id')
        .all(kiosk.kioskId);
      expect(events).toEqual([...eventIds].sort().map((event_id) => ({ event_id })));
      expect(lostAcknowledgements(db, ledger)).toEqual([]);
      expect(databaseViolations(db)).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);
});
