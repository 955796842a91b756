import { type ChainId, type HeartbeatRequest, PREFECTURES, proceduresOfChain } from '../contract';
import { PostgresReservationStore } from '../store/postgres/postgres-store';
import { inTransaction } from '../store/postgres/transaction';
import type { ReservationStore } from '../store/reservation-store';
import { SqliteReservationStore } from '../store/sqlite/sqlite-store';

/**
 * A national fleet in the database in seconds (tests and `npm run bench`): kiosks spread over the
 * chains and the 47 prefectures as the real ones are (by store count and population), each with a
 * latest heartbeat — most idle, some serving a customer, a few out of service, silent or never
 * heard from. Rows go in by bulk insert, one transaction, not through registration one by one (56,000
 * registrations with their audit rows take minutes); the keys are placeholders: these kiosks are
 * looked at, never signed in as.
 */

/** Stores per chain in Japan (2025, rounded): Seven-Eleven ≈ 21,000, FamilyMart ≈ 16,000, Lawson ≈ 14,000. */
export const NATIONAL_CHAIN_SHARE: Record<ChainId, number> = {
  'seven-eleven': 21_000,
  familymart: 16_000,
  lawson: 14_000,
  ministop: 1_800,
  aeon: 3_200,
};

/** Population by prefecture, ten-thousands (2020 census, rounded), in code order: stores follow people. */
const POPULATION = [
  522, 124, 121, 230, 96, 107, 183, 287, 193, 194, 734, 628, 1405, 924, 220, 103, 113, 77, 81, 205, 198, 363,
  754, 177, 141, 258, 884, 547, 132, 92, 55, 67, 189, 280, 134, 72, 95, 133, 69, 514, 81, 131, 174, 112, 107,
  159, 147,
];

const CHAIN_JA: Record<ChainId, string> = {
  'seven-eleven': 'セブン-イレブン',
  familymart: 'ファミリーマート',
  lawson: 'ローソン',
  ministop: 'ミニストップ',
  aeon: 'イオン',
};

/** Parts of store names (station fronts, districts, roads), combined per store. */
const PLACES = ['駅前', '中央', '本町', '東口', '西口', '南', '北', '大通', '緑町', '港', '新町', '旭町'];

/** Heartbeat screens of a kiosk serving someone. */
const SESSION_SCREENS = ['place-card', 'reading', 'enter-current-pin', 'enter-new-pin', 'resetting'];

export interface SeededKiosk {
  kioskId: string;
  chain: ChainId;
  storeId: string;
  storeName: string;
  prefecture: string;
  /** null: never heard from. */
  heartbeat: (HeartbeatRequest & { receivedAt: number }) | null;
}

export interface SeedOptions {
  count: number;
  /** Server time of "now": online kiosks were heard within the last 10 s before it. */
  now: number;
  /** Same seed, same fleet. */
  seed?: number;
  /** Heartbeats older than this are stale (the API's alertHeartbeatStaleMs). */
  staleMs?: number;
}

/** A small, fast, seedable generator (mulberry32): the same fleet every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(items: readonly T[], weights: readonly number[], rnd: () => number): T {
  const total = weights.reduce((sum, w) => sum + w, 0);
  let pick = rnd() * total;
  for (let i = 0; i < items.length; i += 1) {
    pick -= weights[i] ?? 0;
    if (pick < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** The fleet to insert (pure: tests compare the database's answers with it). */
export function nationalFleet(options: SeedOptions): SeededKiosk[] {
  const rnd = random(options.seed ?? 1);
  const staleMs = options.staleMs ?? 35_000;
  const chains = Object.keys(NATIONAL_CHAIN_SHARE) as ChainId[];
  const chainWeights = chains.map((c) => NATIONAL_CHAIN_SHARE[c]);
  const kiosks: SeededKiosk[] = [];
  const perStore = new Map<string, number>();
  for (let i = 0; i < options.count; i += 1) {
    const chain = weighted(chains, chainWeights, rnd);
    const prefecture = weighted(PREFECTURES, POPULATION, rnd);
    const n = (perStore.get(`${chain}${prefecture.code}`) ?? 0) + 1;
    perStore.set(`${chain}${prefecture.code}`, n);
    const storeId = `${prefecture.code}-${String(n).padStart(5, '0')}`;
    const place = PLACES[Math.floor(rnd() * PLACES.length)] ?? '';
    const storeName = `${CHAIN_JA[chain]} ${prefecture.ja.replace(/[都府県]$/, '')}${place}${n}号店`;
    const roll = rnd();
    const receivedAt =
      roll < 0.02
        ? null
        : roll < 0.04
          ? options.now - staleMs - 60_000
          : options.now - Math.floor(rnd() * 10_000);
    const screenRoll = rnd();
    const state =
      screenRoll < 0.01
        ? 'out-of-service'
        : screenRoll < 0.11
          ? (SESSION_SCREENS[Math.floor(rnd() * SESSION_SCREENS.length)] ?? 'reading')
          : 'idle';
    kiosks.push({
      kioskId: `${chain}-${prefecture.code}-${String(n).padStart(5, '0')}-k${i.toString(16).padStart(5, '0')}`,
      chain,
      storeId,
      storeName,
      prefecture: prefecture.code,
      heartbeat:
        receivedAt === null
          ? null
          : {
              state,
              reader: state === 'out-of-service' ? 'unavailable' : 'ready',
              cardPresent: state !== 'idle' && state !== 'out-of-service',
              version: '1.4.2',
              clock: receivedAt,
              counters: {},
              receivedAt,
            },
    });
  }
  return kiosks;
}

/** A placeholder public key: seeded kiosks never sign a request. */
const PLACEHOLDER_KEY = Buffer.alloc(32, 7).toString('base64');
const BATCH = 5_000;

/** Inserts `kiosks` and their heartbeats into the store's database in one transaction. */
export async function insertFleet(
  store: ReservationStore,
  kiosks: readonly SeededKiosk[],
  now: number,
): Promise<void> {
  const kioskRow = (k: SeededKiosk) => [
    k.kioskId,
    k.chain,
    k.storeId,
    k.prefecture,
    k.storeName,
    JSON.stringify(proceduresOfChain(k.chain)),
    PLACEHOLDER_KEY,
    now,
  ];
  const heartbeatRow = (k: SeededKiosk) => {
    if (!k.heartbeat) return undefined;
    const { receivedAt, ...heartbeat } = k.heartbeat;
    return [k.kioskId, receivedAt, JSON.stringify(heartbeat)];
  };
  if (store instanceof SqliteReservationStore) {
    const db = store.database;
    const insertKiosk = db.prepare(
      `INSERT INTO kiosks (id, chain, store_id, prefecture, store_name, procedures, public_key, registered_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertHeartbeat = db.prepare(
      'INSERT INTO kiosk_heartbeats (kiosk_id, received_at, heartbeat) VALUES (?, ?, ?)',
    );
    db.transaction(() => {
      for (const k of kiosks) {
        insertKiosk.run(...kioskRow(k));
        const hb = heartbeatRow(k);
        if (hb) insertHeartbeat.run(...hb);
      }
    }).immediate();
    return;
  }
  if (store instanceof PostgresReservationStore) {
    await inTransaction(store.database, async (tx) => {
      for (let from = 0; from < kiosks.length; from += BATCH) {
        const batch = kiosks.slice(from, from + BATCH);
        await tx.query(
          `INSERT INTO kiosks (id, chain, store_id, prefecture, store_name, procedures, public_key, registered_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])`,
          transpose(batch.map(kioskRow)),
        );
        const heartbeats = batch.flatMap((k) => {
          const row = heartbeatRow(k);
          return row ? [row] : [];
        });
        if (heartbeats.length > 0) {
          await tx.query(
            `INSERT INTO kiosk_heartbeats (kiosk_id, received_at, heartbeat)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])`,
            transpose(heartbeats),
          );
        }
      }
    });
    return;
  }
  throw new Error('insertFleet: a SQLite or PostgreSQL store');
}

function transpose(rows: readonly unknown[][]): unknown[][] {
  const width = rows[0]?.length ?? 0;
  return Array.from({ length: width }, (_, column) => rows.map((row) => row[column]));
}

/** Seeds `options.count` kiosks; returns them. */
export async function seedNationalFleet(
  store: ReservationStore,
  options: SeedOptions,
): Promise<SeededKiosk[]> {
  const kiosks = nationalFleet(options);
  await insertFleet(store, kiosks, options.now);
  return kiosks;
}
