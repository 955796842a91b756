import { mkdtempSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewReservation } from '../reservation-store';
import { GroupCommit, StoreDurabilityError } from './group-commit';
import { openDatabase } from './open-database';
import { SqliteReservationStore } from './sqlite-store';
import { WalFileSync } from './wal-file-sync';

/**
 * The store's durability contract on a real SQLite file: an operation that wrote resolves only
 * after a WAL sync that started after its commit; bookkeeping does not wait; a reported read waits
 * while a write is unsynced; concurrent writes share syncs; a failed sync fails the store.
 */

const T0 = Date.parse('2026-11-23T10:00:00+09:00');
const DAY = 24 * 60 * 60 * 1000;

let dir: string;
let file: string;
let counter = 0;

function newReservation(): NewReservation {
  counter += 1;
  return {
    id: `rsv_durable_${counter}`,
    tokenHash: `hash-${counter}`,
    cardRef: `card-${counter}`,
    proofKeyRef: `proof-${counter}`,
    tokenSerial: 'SERIAL0000000001',
    procedure: 'signature-pin',
    createdAt: T0,
    expiresAt: T0 + DAY,
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** The real WAL sync, held until the test lets it run. */
function storeWithHeldSync() {
  const db = openDatabase(file);
  const wal = new WalFileSync(db.name);
  const held: Array<{ go: () => void; fail: (error: Error) => void }> = [];
  const sync = () =>
    new Promise<void>((resolve, reject) => {
      held.push({ go: () => void wal.sync().then(resolve, reject), fail: reject });
    });
  const store = new SqliteReservationStore(db, new GroupCommit(sync), () => wal.close());
  return { store, held };
}

function pending<T>(promise: Promise<T>) {
  const state = { done: false, failed: undefined as unknown };
  promise.then(
    () => (state.done = true),
    (error: unknown) => (state.failed = error),
  );
  return state;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-'));
  file = join(dir, 'api.sqlite');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite store: durable writes by group commit', () => {
  it('answers a write once a sync after its commit finished, while the row is already committed', async () => {
    const { store, held } = storeWithHeldSync();
    const reservation = newReservation();
    const created = pending(store.createReservation(reservation));
    await settle();
    expect(store.database.prepare('SELECT id FROM reservations WHERE id = ?').get(reservation.id)).toEqual({
      id: reservation.id,
    });
    expect(created.done).toBe(false);
    held[0]!.go();
    await expect.poll(() => created.done).toBe(true);
    await store.close();
  });

  it('answers bookkeeping without a sync and a reported read only after the pending one', async () => {
    const { store, held } = storeWithHeldSync();
    await store.issueChallenge({
      nonce: 'n1',
      purpose: 'reserve',
      kioskId: null,
      issuedAt: T0,
      expiresAt: T0 + 1,
    });
    expect(held).toHaveLength(0);
    const created = pending(store.createReservation(newReservation()));
    const audit = pending(store.auditEntries({ limit: 10 }));
    await settle();
    expect(audit.done).toBe(false);
    held[0]!.go();
    await expect.poll(() => audit.done && created.done).toBe(true);
    expect(held).toHaveLength(1);
    await store.close();
  });

  it('starts no sync for a transaction that changed nothing (a status read with no expiry due)', async () => {
    const { store, held } = storeWithHeldSync();
    const reservation = newReservation();
    const created = store.createReservation(reservation);
    await settle();
    held[0]!.go();
    await created;
    const read = await store.readReservation({
      reservationId: reservation.id,
      tokenHash: reservation.tokenHash,
      now: T0 + 1000,
    });
    expect(read.ok).toBe(true);
    expect(held).toHaveLength(1);
    // The same read once the 24 hours are up expires it: a change, so it waits for a sync.
    const expiring = pending(
      store.readReservation({
        reservationId: reservation.id,
        tokenHash: reservation.tokenHash,
        now: T0 + DAY,
      }),
    );
    await settle();
    expect(expiring.done).toBe(false);
    held[1]!.go();
    await expect.poll(() => expiring.done).toBe(true);
    await store.close();
  });

  it('makes twenty concurrent writes durable with two real fsyncs of the log', async () => {
    const db = openDatabase(file);
    const wal = new WalFileSync(db.name);
    const commits = new GroupCommit(wal.sync);
    const store = new SqliteReservationStore(db, commits, () => wal.close());
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.createReservation(newReservation())),
    );
    expect(results).toHaveLength(20);
    // The first write's sync starts at once; the other nineteen committed meanwhile and share one.
    expect(commits.syncCount).toBe(2);
    await store.close();
    const reopened = SqliteReservationStore.open(file);
    expect(reopened.database.prepare('SELECT count(*) AS n FROM reservations').get()).toEqual({ n: 20 });
    await reopened.close();
  });

  it('refuses everything after a failed sync, readiness included', async () => {
    const { store, held } = storeWithHeldSync();
    const created = pending(store.createReservation(newReservation()));
    await settle();
    held[0]!.fail(new Error('EIO: i/o error, fsync'));
    await expect.poll(() => created.failed).toBeInstanceOf(StoreDurabilityError);
    await expect(store.createReservation(newReservation())).rejects.toBeInstanceOf(StoreDurabilityError);
    await expect(store.listKiosks()).rejects.toBeInstanceOf(StoreDurabilityError);
    await expect(store.ping()).rejects.toBeInstanceOf(StoreDurabilityError);
    await store.close();
  });
});

describe('SQLite store in memory', () => {
  it('has nothing to sync and answers writes', async () => {
    const store = SqliteReservationStore.open(':memory:');
    const { reservation } = await store.createReservation(newReservation());
    expect(reservation.status).toBe('active');
    await store.close();
  });
});

describe('WalFileSync', () => {
  it('syncs the log through its own handle and follows a replaced log file', async () => {
    const wal = new WalFileSync(file);
    await expect(wal.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    writeFileSync(`${file}-wal`, 'frames');
    await wal.sync();
    const first = statSync(`${file}-wal`).ino;
    writeFileSync(join(dir, 'replacement'), 'other frames');
    renameSync(join(dir, 'replacement'), `${file}-wal`);
    expect(statSync(`${file}-wal`).ino).not.toBe(first);
    await wal.sync();
    // The handle now is the new file, not the unlinked old one (Linux names each open descriptor).
    const open = readdirSync('/proc/self/fd').map(safeLink);
    expect(open).toContain(`${file}-wal`);
    expect(open).not.toContain(`${file}-wal (deleted)`);
    await wal.close();
    expect(readdirSync('/proc/self/fd').some((fd) => safeLink(fd) === `${file}-wal`)).toBe(false);
  });
});

function safeLink(fd: string): string {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return '';
  }
}
