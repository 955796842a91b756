import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { signKioskRequest } from '../../kiosk/api-client/request-signer';
import { hashToken, newId, newToken } from '../auth/tokens';
import {
  type ChainId,
  type CreateReservationRequest,
  type FaceAttestationPayload,
  type Procedure,
  proceduresOfChain,
} from '../contract';
import { signFaceAttestation } from '../phone/face-attestation-signer';
import { build, type ReservationApi } from '../server/app';
import type { ApiPolicy } from '../server/policy';
import { newKioskKeyPair } from '../services/kiosk-registry';
import type { ReservationStore } from '../store/reservation-store';
import { SqliteReservationStore } from '../store/sqlite/sqlite-store';
import { staticTrust } from '../verification/trust-material';
import { cardProofSignature, type FixtureCard, type FixturePki, fixturePki } from './fixture-pki';

/** A built API on a temporary SQLite file with the fixture PKI, a dev face key and a movable clock. */

/** Monday 2026-11-23 10:00 JST: inside the service window. */
export const T0 = Date.parse('2026-11-23T10:00:00+09:00');

export class TestClock {
  constructor(public current: number = T0) {}
  readonly now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
  set(epochMs: number): void {
    this.current = epochMs;
  }
}

export interface TestKiosk {
  kioskId: string;
  privateKey: KeyObject;
  procedures: Procedure[];
}

export interface TestApi<S extends ReservationStore = SqliteReservationStore> {
  app: ReservationApi;
  store: S;
  clock: TestClock;
  pki: FixturePki;
  masterKey: Buffer;
  face: { kid: string; alg: 'EdDSA'; privateKey: KeyObject };
  close(): Promise<void>;
}

/** A test API on any store (the helpers below need only the interface). */
export type AnyTestApi = TestApi<ReservationStore>;

const faceKeys = generateKeyPairSync('ed25519');

export async function testApi(
  options: { policy?: Partial<ApiPolicy>; logger?: Logger } = {},
): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'api-test-'));
  const [api] = await testApiInstances([SqliteReservationStore.open(join(dir, 'api.sqlite'))], options);
  return {
    ...api!,
    async close() {
      await api!.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Several API instances on one shared database (each its own store: its own connections, as
 * separate processes would have), sharing what a deployment shares — the PKI, the issuer master
 * key, the face provider's key — and one test clock. Closing one closes its app and store only.
 */
export async function testApiInstances<S extends ReservationStore>(
  stores: S[],
  options: { policy?: Partial<ApiPolicy>; logger?: Logger } = {},
): Promise<TestApi<S>[]> {
  const clock = new TestClock();
  const pki = await fixturePki(T0);
  const masterKey = randomBytes(32);
  const face = { kid: 'test-face', alg: 'EdDSA' as const, privateKey: faceKeys.privateKey };
  return Promise.all(
    stores.map(async (store) => {
      const app = await build({
        store,
        now: clock.now,
        masterKey,
        faceProviderKeys: [{ kid: face.kid, alg: 'EdDSA', publicKey: faceKeys.publicKey }],
        trust: staticTrust(pki.trust),
        logger: options.logger ?? false,
        ...(options.policy ? { policy: options.policy } : {}),
      });
      return {
        app,
        store,
        clock,
        pki,
        masterKey,
        face,
        async close() {
          await app.close();
          await store.close();
        },
      };
    }),
  );
}

/** A face attestation for `nonce`, issued now, matching; override any field. */
export function faceAttestation(
  api: AnyTestApi,
  nonce: string,
  overrides: Partial<FaceAttestationPayload> = {},
) {
  return signFaceAttestation(api.face, {
    nonce,
    match: true,
    score: 0.97,
    liveness: true,
    iat: Math.floor(api.clock.now() / 1000),
    ...overrides,
  });
}

/** The body the phone app sends for `card` and `procedure`, proving the other PIN over `nonce`. */
export async function reservationBody(
  api: AnyTestApi,
  card: FixtureCard,
  nonce: string,
  procedure: Procedure = 'signature-pin',
): Promise<CreateReservationRequest> {
  const proofCertificate = procedure === 'signature-pin' ? card.authDer : card.signDer;
  const proofKey = procedure === 'signature-pin' ? card.authKey : card.signKey;
  return {
    nonce,
    procedure,
    tokenSerial: card.tokenSerial,
    authCertificate: card.authDer.toString('base64'),
    proof: {
      certificate: proofCertificate.toString('base64'),
      signature: cardProofSignature(proofKey, 'reserve', nonce).toString('base64'),
    },
    faceAttestation: await faceAttestation(api, nonce),
  };
}

export async function phoneChallenge(api: AnyTestApi): Promise<string> {
  const response = await api.app.inject({ method: 'POST', url: '/v1/phone/challenge', payload: {} });
  return (response.json() as { nonce: string }).nonce;
}

/** Challenge + create; returns the response. */
export async function reserve(
  api: AnyTestApi,
  card: FixtureCard,
  procedure: Procedure = 'signature-pin',
  tweak: (body: CreateReservationRequest) => CreateReservationRequest | Promise<CreateReservationRequest> = (
    b,
  ) => b,
): Promise<LightMyRequestResponse> {
  const nonce = await phoneChallenge(api);
  const body = await tweak(await reservationBody(api, card, nonce, procedure));
  return api.app.inject({ method: 'POST', url: '/v1/reservations', payload: body });
}

/** Registers a kiosk of `chain` straight in the store. */
export async function addKiosk(api: AnyTestApi, chain: ChainId = 'seven-eleven'): Promise<TestKiosk> {
  const keys = newKioskKeyPair();
  const kioskId = `${chain}-test-${randomBytes(3).toString('hex')}`;
  const procedures = proceduresOfChain(chain);
  await api.store.registerKiosk(
    {
      id: kioskId,
      chain,
      storeId: 'T1',
      procedures,
      publicKey: keys.publicKey,
      registeredAt: api.clock.now(),
      revokedAt: null,
    },
    'operator:test',
  );
  return { kioskId, privateKey: createPrivateKey(keys.privateKeyPem), procedures };
}

/** A kiosk request signed as `kiosk` at the test clock (or `at`), injected. */
export async function kioskPost(
  api: AnyTestApi,
  kiosk: TestKiosk,
  path: string,
  payload: unknown,
  options: { at?: number; nonce?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const signature = await signKioskRequest(
    { kioskId: kiosk.kioskId, privateKey: kiosk.privateKey },
    {
      method: 'POST',
      url: `http://api.test${path}`,
      body,
      now: options.at ?? api.clock.now(),
      ...(options.nonce ? { nonce: options.nonce } : {}),
    },
  );
  return api.app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: { 'content-type': 'application/json', ...signature, ...options.headers },
  });
}

/** The kiosk's proof body for a lookup of `card`. */
export function lookupBody(card: FixtureCard, nonce: string, procedure: Procedure = 'signature-pin') {
  const proofCertificate = procedure === 'signature-pin' ? card.authDer : card.signDer;
  const proofKey = procedure === 'signature-pin' ? card.authKey : card.signKey;
  return {
    nonce,
    procedure,
    tokenSerial: card.tokenSerial,
    authCertificate: card.authDer.toString('base64'),
    proof: {
      certificate: proofCertificate.toString('base64'),
      signature: cardProofSignature(proofKey, 'kiosk', nonce).toString('base64'),
    },
  };
}

/** Raw bytes to a kiosk route, correctly signed (so the body itself is what gets judged). */
export async function kioskPostRaw(
  api: AnyTestApi,
  kiosk: TestKiosk,
  path: string,
  body: Buffer,
  contentType = 'application/json',
): Promise<LightMyRequestResponse> {
  const signature = await signKioskRequest(
    { kioskId: kiosk.kioskId, privateKey: kiosk.privateKey },
    { method: 'POST', url: `http://api.test${path}`, body, now: api.clock.now() },
  );
  return api.app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: { 'content-type': contentType, ...signature },
  });
}

/** Creates an operator straight in the store and returns its bearer token. */
export async function addOperator(
  api: AnyTestApi,
  role: 'admin' | 'viewer',
  name = `${role}-${randomBytes(3).toString('hex')}`,
) {
  const token = newToken();
  const created = await api.store.createOperator({
    id: newId('op'),
    name,
    role,
    createdAt: api.clock.now(),
    tokenHash: hashToken(token),
    actor: 'test',
  });
  if (!created.ok) throw new Error(created.code);
  return token;
}
