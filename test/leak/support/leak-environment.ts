import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SimulatedClock } from 'xstate';
import { loadIssuerMasterKey } from '../../../hardware/pki/pki-layout';
import { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { type KioskRuntime, startKioskRuntime } from '../../../kiosk/runtime/kiosk-runtime';
import { PhoneApiClient } from '../../../reservation-api/phone/phone-api-client';
import { build, type ReservationApi } from '../../../reservation-api/server/app';
import {
  ensureDevFaceProviderKey,
  type FaceSigningKey,
  faceJwksPath,
  loadDevFaceSigningKey,
  loadFaceProviderKeys,
} from '../../../reservation-api/server/face-provider-keys';
import { createApiLogger } from '../../../reservation-api/server/logger';
import { enrolKiosk } from '../../../reservation-api/services/kiosk-registry';
import { SqliteReservationStore } from '../../../reservation-api/store/sqlite/sqlite-store';
import { DataDirTrust } from '../../../reservation-api/verification/data-dir-trust';
import { benchClock, issueCardPool, type PooledCard } from './card-pool';
import { plugDriverReader } from './kiosk-session-driver';
import { RecordingProxy } from './recording-proxy';
import { SseRecorder } from './sse-recorder';

/**
 * Everything the PIN-leak scan runs against, on loopback: the reservation API (real app, SQLite
 * store, pino at trace level writing to a file), a recording TCP proxy in front of it that the
 * phone simulator and the kiosk both go through, and a real kiosk runtime (session machine, actors,
 * journal, UI server) whose view-model stream is recorded.
 */
export interface LeakEnvironment {
  root: string;
  /** The API's data directory (PKI, database, cards/ — the cards are the cards, not scanned). */
  apiDir: string;
  /** The kiosk's data directory (journal). */
  kioskDir: string;
  logFile: string;
  now: () => number;
  api: ReservationApi;
  store: SqliteReservationStore;
  proxy: RecordingProxy;
  phone: PhoneApiClient;
  faceKey: FaceSigningKey;
  kiosk: KioskRuntime;
  viewModels: SseRecorder;
  cards: PooledCard[];
  close(): Promise<void>;
}

export async function startLeakEnvironment(options: {
  cards: number;
  pinsFor: (index: number) => { auth: string; sign: string };
}): Promise<LeakEnvironment> {
  const root = mkdtempSync(join(tmpdir(), 'pin-leak-'));
  const apiDir = join(root, 'api');
  const kioskDir = join(root, 'kiosk');
  mkdirSync(kioskDir, { recursive: true });
  const logFile = join(root, 'api.log');
  const now = benchClock();
  const { cards } = await issueCardPool(apiDir, options.cards, now, options.pinsFor);
  ensureDevFaceProviderKey(apiDir);

  const store = SqliteReservationStore.open(join(apiDir, 'reservation-api.sqlite'));
  const api = await build({
    store,
    now,
    masterKey: loadIssuerMasterKey(apiDir),
    faceProviderKeys: loadFaceProviderKeys(faceJwksPath(apiDir)),
    trust: new DataDirTrust(apiDir),
    logger: createApiLogger({ level: 'trace', destination: pino.destination({ dest: logFile, sync: true }) }),
    policy: { phoneRequestsPerMinute: 100_000, cardAttemptsPerWindow: 100_000 },
  });
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  if (address === null || typeof address === 'string') throw new Error('API has no TCP address');
  const proxy = await RecordingProxy.start({ host: '127.0.0.1', port: address.port });

  const credentials = await enrolKiosk(store, {
    chain: 'seven-eleven',
    storeId: 'LEAK1',
    actor: 'operator:leak-scan',
    now: now(),
  });
  const kiosk = await startKioskRuntime({
    api: KioskApiClient.fromCredentials(credentials, { baseUrl: proxy.url, now }),
    procedures: credentials.procedures,
    dataDir: kioskDir,
    now,
    timers: new SimulatedClock(),
    // Heartbeats and outbox deliveries several times a second, so many go through the proxy.
    tickMs: 250,
  });
  plugDriverReader(kiosk);
  const viewModels = new SseRecorder();
  await viewModels.start(kiosk.ui.url);

  return {
    root,
    apiDir,
    kioskDir,
    logFile,
    now,
    api,
    store,
    proxy,
    phone: new PhoneApiClient(proxy.url),
    faceKey: loadDevFaceSigningKey(apiDir),
    kiosk,
    viewModels,
    cards,
    async close() {
      await viewModels.stop();
      await kiosk.close();
      await proxy.close();
      await api.close();
      await store.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
