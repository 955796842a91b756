import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fid } from '../../hardware/jpki/constants';
import { parseIssuerRecord } from '../../hardware/pki/issuer-record';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../testing/test-api';

/**
 * The reset key is bound to the proven card (DESIGN §3, issue 12): the API takes the token serial
 * from the issuer record of the certificate whose PIN was proven, never from the request. A request
 * stating another card's serial — or pairing certificates of two cards — is refused CARD_MISMATCH,
 * audited and raised to operators as a `card-mismatch` alert.
 */

let api: TestApi;
let kiosk: TestKiosk;

beforeAll(async () => {
  api = await testApi({ policy: { cardAttemptsPerWindow: 10_000, phoneRequestsPerMinute: 10_000 } });
  kiosk = await addKiosk(api, 'seven-eleven');
});
afterAll(async () => api.close());

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

async function auditOutcomes(): Promise<{ actor: string; action: string; outcome: string }[]> {
  const entries = await api.store.auditEntries({ limit: 1000 });
  return entries.map(({ actor, action, outcome }) => ({ actor, action, outcome }));
}

async function kioskLookup(body: ReturnType<typeof lookupBody>) {
  return kioskPost(api, kiosk, '/v1/kiosk/lookup', body);
}

async function kioskNonce(): Promise<string> {
  const response = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
  return (response.json() as { nonce: string }).nonce;
}

describe('phone: the stated token serial must be the proven card’s', () => {
  it("refuses card A's certificate and proof with card B's token serial, audits it, alerts operators", async () => {
    const { healthy: a, other: b } = api.pki;
    const response = await reserve(api, a, 'signature-pin', (body) => ({
      ...body,
      tokenSerial: b.tokenSerial,
    }));
    expect(codeOf(response)).toEqual({ status: 422, code: 'CARD_MISMATCH' });
    expect(await auditOutcomes()).toContainEqual({
      actor: 'phone',
      action: 'create-reservation',
      outcome: 'CARD_MISMATCH',
    });

    await api.app.ops.tick();
    const alerts = await api.store.ops.openAlerts();
    expect(alerts.find((alert) => alert.kind === 'card-mismatch')).toMatchObject({
      severity: 'critical',
      kioskId: null,
      detailKey: 'card-mismatch',
    });
  });

  it('refuses auth-pin with the signature certificate of one card and the authentication certificate of another', async () => {
    const { healthy: a, other: b } = api.pki;
    // A's signature PIN proven over A's signature certificate; B's authentication certificate and serial.
    const response = await reserve(api, a, 'auth-pin', (body) => ({
      ...body,
      authCertificate: b.authDer.toString('base64'),
      tokenSerial: b.tokenSerial,
    }));
    expect(codeOf(response)).toEqual({ status: 422, code: 'CARD_MISMATCH' });
  });

  it('refuses a certificate the issuer has no record of (CERT_UNTRUSTED)', async () => {
    const record = api.pki.trust.issuerRecord;
    // An issuer record that knows nothing: the chain is valid, the card unknown to the issuer.
    (api.pki.trust as { issuerRecord: typeof record }).issuerRecord = parseIssuerRecord('');
    try {
      expect(codeOf(await reserve(api, api.pki.healthy))).toEqual({ status: 422, code: 'CERT_UNTRUSTED' });
    } finally {
      (api.pki.trust as { issuerRecord: typeof record }).issuerRecord = record;
    }
  });

  it('accepts the same card with its own serial (both procedures)', async () => {
    expect((await reserve(api, api.pki.healthy, 'signature-pin')).statusCode).toBe(201);
    expect((await reserve(api, api.pki.healthy, 'auth-pin')).statusCode).toBe(201);
  });
});

describe('kiosk: lookup with another card’s serial', () => {
  it('is refused CARD_MISMATCH, audited with the kiosk, and no cryptogram can follow', async () => {
    const { healthy: a, other: b } = api.pki;
    expect((await reserve(api, a, 'signature-pin')).statusCode).toBe(201);
    const body = { ...lookupBody(a, await kioskNonce()), tokenSerial: b.tokenSerial };
    expect(codeOf(await kioskLookup(body))).toEqual({ status: 422, code: 'CARD_MISMATCH' });
    expect(await auditOutcomes()).toContainEqual({
      actor: `kiosk:${kiosk.kioskId}`,
      action: 'lookup',
      outcome: 'CARD_MISMATCH',
    });
    // The honest lookup of the same card still works, and its claim answers with A's key.
    const honest = await kioskLookup(lookupBody(a, await kioskNonce()));
    expect(honest.statusCode).toBe(200);
    const claim = await kioskPost(api, kiosk, '/v1/kiosk/claim', {
      lookupId: (honest.json() as { lookupId: string }).lookupId,
      pinFile: Fid.signPin,
      cardChallenge: Buffer.alloc(8, 1).toString('base64'),
    });
    expect(claim.statusCode).toBe(200);
  });

  it('a reservation stored with a forged serial (before the fix) cannot be looked up with it', async () => {
    const { healthy: a, other: b } = api.pki;
    expect((await reserve(api, a, 'auth-pin')).statusCode).toBe(201);
    const body = { ...lookupBody(a, await kioskNonce(), 'auth-pin'), tokenSerial: b.tokenSerial };
    expect(codeOf(await kioskLookup(body))).toEqual({ status: 422, code: 'CARD_MISMATCH' });
  });
});
