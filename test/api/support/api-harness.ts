import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JpkiClient } from '../../../hardware/jpki/jpki-client';
import { loadIssuerMasterKey } from '../../../hardware/pki/pki-layout';
import { openTestPki, type TestPki } from '../../../hardware/pki/test-pki';
import { InProcessTransport } from '../../../hardware/transport/in-process-transport';
import { saveCardFile } from '../../../hardware/virtual-card/card-file';
import { VirtualCard } from '../../../hardware/virtual-card/virtual-card';
import { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import {
  type ChainId,
  type CreateReservationRequest,
  type FaceAttestationPayload,
  type Procedure,
  type ReservationCreated,
} from '../../../reservation-api/contract';
import { PhoneApiClient } from '../../../reservation-api/phone/phone-api-client';
import { reserveWithCard } from '../../../reservation-api/phone/reserve-with-card';
import { build, type ReservationApi } from '../../../reservation-api/server/app';
import {
  ensureDevFaceProviderKey,
  type FaceSigningKey,
  faceJwksPath,
  loadDevFaceSigningKey,
  loadFaceProviderKeys,
} from '../../../reservation-api/server/face-provider-keys';
import { createApiLogger } from '../../../reservation-api/server/logger';
import type { ApiPolicy } from '../../../reservation-api/server/policy';
import { enrolKiosk } from '../../../reservation-api/services/kiosk-registry';
import { SqliteReservationStore } from '../../../reservation-api/store/sqlite/sqlite-store';
import { DataDirTrust } from '../../../reservation-api/verification/data-dir-trust';

/**
 * The reservation API on a real loopback port, over a fresh data directory with the product's test
 * PKI (real virtual cards), the dev face key and an injected clock; every log line captured.
 */

/** Monday 2026-11-23 10:00 JST. */
export const T0 = Date.parse('2026-11-23T10:00:00+09:00');

export class Clock {
  constructor(public current = T0) {}
  readonly now = () => this.current;
  set(epochMs: number) {
    this.current = epochMs;
  }
  advance(ms: number) {
    this.current += ms;
  }
}

export interface HarnessKiosk {
  kioskId: string;
  client: KioskApiClient;
  procedures: Procedure[];
}

export interface ApiHarness {
  baseUrl: string;
  dataDir: string;
  clock: Clock;
  pki: TestPki;
  app: ReservationApi;
  store: SqliteReservationStore;
  phone: PhoneApiClient;
  faceKey: FaceSigningKey;
  /** Every log line the API wrote. */
  logLines: string[];
  /** Issues a card for a persona into the data directory; returns its file. */
  issueCard(persona: string, pins?: { authPin?: string; signPin?: string }): Promise<string>;
  /** A JPKI client on the card file (a fresh card session, as when the card is placed anew). */
  openCard(cardPath: string): JpkiClient;
  addKiosk(chain: ChainId): Promise<HarnessKiosk>;
  /** Step 1 through the phone simulator's code path. */
  reserve(
    cardPath: string,
    procedure: Procedure,
    pin: string,
    face?: Partial<Omit<FaceAttestationPayload, 'nonce' | 'iat'>>,
  ): Promise<ReservationCreated>;
  /**
   * The create-reservation body the phone would send (a real challenge from the API unless `nonce`
   * is given), without sending it — to tamper with in refusal tests.
   */
  reservationBody(
    cardPath: string,
    procedure: Procedure,
    pin: string,
    nonce?: string,
  ): Promise<CreateReservationRequest>;
  close(): Promise<void>;
}

export async function startApiHarness(
  options: {
    policy?: Partial<ApiPolicy>;
    logLevel?: string;
  } = {},
): Promise<ApiHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'api-it-'));
  mkdirSync(join(dataDir, 'cards'));
  const clock = new Clock();
  const pki = await openTestPki({ dataDir, now: clock.now });
  ensureDevFaceProviderKey(dataDir);
  const logLines: string[] = [];
  const logger = createApiLogger({
    level: 'info',
    destination: { write: (line: string) => logLines.push(line) },
  });
  const store = SqliteReservationStore.open(join(dataDir, 'reservation-api.sqlite'));
  const app = await build({
    store,
    now: clock.now,
    masterKey: loadIssuerMasterKey(dataDir),
    faceProviderKeys: loadFaceProviderKeys(faceJwksPath(dataDir)),
    trust: new DataDirTrust(dataDir),
    logger,
    policy: { phoneRequestsPerMinute: 10_000, cardAttemptsPerWindow: 10_000, ...options.policy },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const phone = new PhoneApiClient(baseUrl);
  const faceKey = loadDevFaceSigningKey(dataDir);
  let cards = 0;

  const harness: ApiHarness = {
    baseUrl,
    dataDir,
    clock,
    pki,
    app,
    store,
    phone,
    faceKey,
    logLines,
    async issueCard(persona, pins = {}) {
      cards += 1;
      const path = join(dataDir, 'cards', `${cards}-${persona}.json`);
      saveCardFile(path, await pki.issueCard({ persona, ...pins }));
      return path;
    },
    openCard(cardPath) {
      return new JpkiClient(new InProcessTransport(VirtualCard.fromFile(cardPath)));
    },
    async addKiosk(chain) {
      const credentials = await enrolKiosk(store, {
        chain,
        storeId: `S${cards}`,
        actor: 'operator:test',
        now: clock.now(),
      });
      return {
        kioskId: credentials.kioskId,
        procedures: credentials.procedures,
        client: KioskApiClient.fromCredentials(credentials, { baseUrl, now: clock.now }),
      };
    },
    reserve(cardPath, procedure, pin, face = {}) {
      return reserveWithCard({
        card: harness.openCard(cardPath),
        api: phone,
        procedure,
        pin: Buffer.from(pin, 'latin1'),
        face: { key: faceKey, statement: { match: true, liveness: true, score: 0.97, ...face } },
        now: clock.now,
      });
    },
    async reservationBody(cardPath, procedure, pin, nonce) {
      let captured: CreateReservationRequest | undefined;
      await reserveWithCard({
        card: harness.openCard(cardPath),
        api: {
          challenge: async () => (nonce ? { nonce, expiresAt: 0 } : phone.challenge()),
          createReservation: async (body) => {
            captured = body;
            return {} as ReservationCreated;
          },
        },
        procedure,
        pin: Buffer.from(pin, 'latin1'),
        face: { key: faceKey, statement: { match: true, liveness: true, score: 0.97 } },
        now: clock.now,
      });
      if (!captured) throw new Error('no body captured');
      return captured;
    },
    async close() {
      await app.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
