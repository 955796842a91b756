import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPki } from '../../hardware/pki/test-pki';
import { saveCardFile } from '../../hardware/virtual-card/card-file';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { loadKioskPrivateKey, signKioskRequest } from '../../kiosk/api-client/request-signer';
import type { CreateReservationRequest, FaceAttestationPayload } from '../../reservation-api/contract';
import { signFaceAttestation } from '../../reservation-api/phone/face-attestation-signer';
import { PhoneApiError } from '../../reservation-api/phone/phone-api-client';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { type ApiHarness, startApiHarness, T0 } from './support/api-harness';
import { kioskClaim, kioskLookup } from './support/kiosk-step';

/**
 * Every refusal of the issue, over a real loopback server with real virtual cards, each with its
 * code: phone creation in its checking order, kiosk lookups and claims, kiosk authentication.
 */

let api: ApiHarness;
const cards: Record<string, string> = {};

beforeAll(async () => {
  api = await startApiHarness();
  for (const persona of [
    'healthy',
    'sign-pin-blocked',
    'auth-cert-expired',
    'auth-cert-revoked',
    'sign-cert-revoked',
  ]) {
    cards[persona] = await api.issueCard(persona);
  }
  // A card from another issuer: well-formed, but not chaining to the configured JPKI anchors.
  const foreignDir = mkdtempSync(join(tmpdir(), 'foreign-pki-'));
  const foreign = await openTestPki({ dataDir: foreignDir, now: api.clock.now });
  cards['foreign'] = join(api.dataDir, 'cards', 'foreign.json');
  saveCardFile(cards['foreign'], await foreign.issueCard({ persona: 'healthy' }));
  rmSync(foreignDir, { recursive: true, force: true });
});
afterAll(async () => api.close());

async function phoneRefusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PhoneApiError || error instanceof KioskApiError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

const card = (persona: string) => cards[persona] as string;

describe('phone: create refusals, one code per check', () => {
  const create = (body: CreateReservationRequest) => phoneRefusal(api.phone.createReservation(body));

  it('challenge: unknown, used, expired', async () => {
    api.clock.set(T0);
    expect(
      await create(await api.reservationBody(card('healthy'), 'signature-pin', '1234', 'Z'.repeat(43))),
    ).toBe('CHALLENGE_UNKNOWN');
    const body = await api.reservationBody(card('healthy'), 'signature-pin', '1234');
    await api.phone.createReservation(body);
    expect(await create(body)).toBe('CHALLENGE_USED');
    const late = await api.reservationBody(card('healthy'), 'signature-pin', '1234');
    api.clock.advance(5 * 60 * 1000);
    expect(await create(late)).toBe('CHALLENGE_EXPIRED');
  });

  it('certificate: untrusted issuer, expired (code 21), revoked (code 23), signature certificate revoked', async () => {
    api.clock.set(T0);
    expect(await phoneRefusal(api.reserve(card('foreign'), 'signature-pin', '1234'))).toBe('CERT_UNTRUSTED');
    expect(await phoneRefusal(api.reserve(card('auth-cert-expired'), 'signature-pin', '1234'))).toBe(
      'CERT_EXPIRED',
    );
    expect(await phoneRefusal(api.reserve(card('auth-cert-revoked'), 'signature-pin', '1234'))).toBe(
      'CERT_REVOKED',
    );
    expect(await phoneRefusal(api.reserve(card('sign-cert-revoked'), 'auth-pin', 'ABC123'))).toBe(
      'SIGN_CERT_REVOKED',
    );
  });

  it('proof: a signature that does not verify over this challenge', async () => {
    api.clock.set(T0);
    const body = await api.reservationBody(card('healthy'), 'signature-pin', '1234');
    const signature = Buffer.from(body.proof.signature, 'base64');
    signature[10] = (signature[10] ?? 0) ^ 0xff;
    expect(await create({ ...body, proof: { ...body.proof, signature: signature.toString('base64') } })).toBe(
      'PROOF_INVALID',
    );
  });

  it('face attestation: forged, stale, not matched, no liveness, low score', async () => {
    api.clock.set(T0);
    const withFace = async (statement: Partial<FaceAttestationPayload>, key = api.faceKey) => {
      const body = await api.reservationBody(card('healthy'), 'signature-pin', '1234');
      const faceAttestation = await signFaceAttestation(key, {
        nonce: body.nonce,
        match: true,
        liveness: true,
        score: 0.97,
        iat: Math.floor(api.clock.now() / 1000),
        ...statement,
      });
      return create({ ...body, faceAttestation });
    };
    const impostor = { ...api.faceKey, privateKey: generateKeyPairSync('ed25519').privateKey };
    expect(await withFace({}, impostor)).toBe('FACE_ATTESTATION_INVALID');
    expect(await withFace({ iat: Math.floor(T0 / 1000) - 11 * 60 })).toBe('FACE_ATTESTATION_STALE');
    expect(await withFace({ match: false })).toBe('FACE_NOT_MATCHED');
    expect(await withFace({ liveness: false })).toBe('LIVENESS_FAILED');
    expect(await withFace({ score: 0.5 })).toBe('FACE_SCORE_LOW');
  });
});

describe('kiosk: lookup and claim refusals', () => {
  it('no reservation for this card — also when it was made with another card', async () => {
    api.clock.set(T0);
    const kiosk = await api.addKiosk('seven-eleven');
    expect(
      await phoneRefusal(kioskLookup(kiosk.client, api.openCard(card('healthy')), 'auth-pin', 'ABC123')),
    ).toBe('RESERVATION_NOT_FOUND');
    // The person reserved with one card and brings another (say, a renewed one).
    const reservedWith = await api.issueCard('sign-pin-blocked');
    const brought = await api.issueCard('sign-pin-blocked');
    await api.reserve(reservedWith, 'signature-pin', '1234');
    expect(
      await phoneRefusal(kioskLookup(kiosk.client, api.openCard(brought), 'signature-pin', '1234')),
    ).toBe('RESERVATION_NOT_FOUND');
  });

  it('a revoked certificate at the kiosk', async () => {
    const kiosk = await api.addKiosk('lawson');
    expect(
      await phoneRefusal(
        kioskLookup(kiosk.client, api.openCard(card('auth-cert-revoked')), 'signature-pin', '1234'),
      ),
    ).toBe('CERT_REVOKED');
  });

  it('in use at another kiosk; an unknown claim; outside service hours on the server clock', async () => {
    api.clock.set(T0 + 60_000);
    await api.reserve(card('sign-pin-blocked'), 'signature-pin', '1234');
    const first = await api.addKiosk('lawson');
    const second = await api.addKiosk('familymart');
    const cardOne = api.openCard(card('sign-pin-blocked'));
    const lookup = await kioskLookup(first.client, cardOne, 'signature-pin', '1234');
    await kioskClaim(first.client, cardOne, 'signature-pin', lookup);
    expect(
      await phoneRefusal(
        kioskLookup(second.client, api.openCard(card('sign-pin-blocked')), 'signature-pin', '1234'),
      ),
    ).toBe('RESERVATION_IN_USE');
    expect(await phoneRefusal(first.client.complete({ claimId: 'clm_not-a-real-claim-id' }))).toBe(
      'LEASE_INVALID',
    );

    api.clock.set(Date.parse('2026-11-24T23:00:00+09:00') - 60_000);
    await api.reserve(card('healthy'), 'signature-pin', '1234');
    const lateCard = api.openCard(card('healthy'));
    const late = await kioskLookup(second.client, lateCard, 'signature-pin', '1234');
    api.clock.set(Date.parse('2026-11-24T23:00:00+09:00'));
    expect(await phoneRefusal(kioskClaim(second.client, lateCard, 'signature-pin', late))).toBe(
      'OUTSIDE_SERVICE_HOURS',
    );
  });
});

describe('kiosk authentication over HTTP', () => {
  it('refuses an unknown kiosk', async () => {
    const stranger = new KioskApiClient({
      baseUrl: api.baseUrl,
      kioskId: 'not-registered',
      privateKey: generateKeyPairSync('ed25519').privateKey,
      now: api.clock.now,
    });
    expect(await phoneRefusal(stranger.challenge())).toBe('KIOSK_UNAUTHENTICATED');
  });

  it('refuses a revoked kiosk', async () => {
    const kiosk = await api.addKiosk('aeon');
    await kiosk.client.challenge();
    await api.store.revokeKiosk({ kioskId: kiosk.kioskId, actor: 'operator:test', now: api.clock.now() });
    expect(await phoneRefusal(kiosk.client.challenge())).toBe('KIOSK_REVOKED');
  });

  it('refuses a kiosk whose clock is more than a minute off', async () => {
    const credentials = await enrolKiosk(api.store, {
      chain: 'lawson',
      storeId: 'skew',
      actor: 'operator:test',
      now: api.clock.now(),
    });
    const skewed = KioskApiClient.fromCredentials(credentials, {
      baseUrl: api.baseUrl,
      now: () => api.clock.now() + 90_000,
    });
    expect(await phoneRefusal(skewed.challenge())).toBe('KIOSK_CLOCK_SKEW');
  });

  it('refuses a replayed request byte for byte', async () => {
    const credentials = await enrolKiosk(api.store, {
      chain: 'lawson',
      storeId: 'replay',
      actor: 'operator:test',
      now: api.clock.now(),
    });
    const url = `${api.baseUrl}/v1/kiosk/challenge`;
    const body = Buffer.from('{}');
    const headers = {
      'content-type': 'application/json',
      ...(await signKioskRequest(
        { kioskId: credentials.kioskId, privateKey: loadKioskPrivateKey(credentials.privateKeyPem) },
        { method: 'POST', url, body, now: api.clock.now() },
      )),
    };
    const send = () => axios.post(url, body, { headers, validateStatus: () => true });
    expect((await send()).status).toBe(200);
    const replay = await send();
    expect(replay.status).toBe(401);
    expect(replay.data).toMatchObject({ code: 'REQUEST_REPLAYED' });
  });
});
