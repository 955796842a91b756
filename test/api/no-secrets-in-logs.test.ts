import { readFileSync } from 'node:fs';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newId, newToken } from '../../reservation-api/auth/tokens';
import { loadCardFile } from '../../hardware/virtual-card/card-file';
import { KioskApiError } from '../../kiosk/api-client/kiosk-api-error';
import { PhoneApiError } from '../../reservation-api/phone/phone-api-client';
import { type ApiHarness, startApiHarness, T0 } from './support/api-harness';
import { kioskClaim, kioskLookup, kioskResetAndComplete } from './support/kiosk-step';

/**
 * After full sessions — both procedures, refusals, status and cancel, operator calls — no PIN,
 * reservation or operator token, certificate, card signature, nonce or cryptogram appears in any
 * log line the API wrote (at trace level) or in any audit row.
 */

const PINS = { auth: '4826', sign: 'QZ7KW4R9', newSign: 'XJ5VN8TB', newAuth: '7391' };

let api: ApiHarness;
const secrets: { name: string; value: string }[] = [];
const remember = (name: string, value: string) => secrets.push({ name, value });

beforeAll(async () => {
  api = await startApiHarness({ logLevel: 'trace' });
  api.clock.set(T0);
  const signPath = await api.issueCard('sign-pin-blocked', { authPin: PINS.auth, signPin: PINS.sign });
  const authPath = await api.issueCard('auth-pin-blocked', { authPin: PINS.auth, signPin: PINS.sign });
  const revokedPath = await api.issueCard('auth-cert-revoked', { authPin: PINS.auth, signPin: PINS.sign });
  for (const path of [signPath, authPath, revokedPath]) {
    const jpki = loadCardFile(path).jpki!;
    for (const der of [jpki.authCertificate, jpki.signCertificate]) {
      remember('certificate', der);
      remember('certificate (middle slice)', der.slice(400, 464));
    }
  }

  const capture = async <T>(promise: Promise<T>) =>
    promise.catch((error: unknown) => {
      if (error instanceof PhoneApiError || error instanceof KioskApiError) return error.code;
      throw error;
    });

  // Step 1 for both procedures, plus a refused one; the card bodies' signatures and nonces too.
  const signBody = await api.reservationBody(signPath, 'signature-pin', PINS.auth);
  remember('nonce', signBody.nonce);
  remember('card signature', signBody.proof.signature);
  remember('face attestation', signBody.faceAttestation);
  const signReservation = await api.phone.createReservation(signBody);
  const authReservation = await api.reserve(authPath, 'auth-pin', PINS.sign);
  await capture(api.reserve(revokedPath, 'signature-pin', PINS.auth));
  for (const r of [signReservation, authReservation]) remember('reservation token', r.reservationToken);
  await api.phone.status(signReservation.reservationId, signReservation.reservationToken);
  await capture(api.phone.status(signReservation.reservationId, newToken()));

  // Step 2 for both, with a release and a refusal on the way.
  const sevenEleven = await api.addKiosk('seven-eleven');
  for (const [path, procedure, proven, next] of [
    [signPath, 'signature-pin', PINS.auth, PINS.newSign],
    [authPath, 'auth-pin', PINS.sign, PINS.newAuth],
  ] as const) {
    const card = api.openCard(path);
    const lookup = await kioskLookup(sevenEleven.client, card, procedure, proven);
    const released = await kioskClaim(sevenEleven.client, card, procedure, lookup);
    remember('cryptogram', released.cryptogram);
    await sevenEleven.client.release({ claimId: released.claimId, reason: 'card-removed' });
    const again = await kioskLookup(sevenEleven.client, card, procedure, proven);
    const claim = await kioskClaim(sevenEleven.client, card, procedure, again);
    remember('cryptogram', claim.cryptogram);
    await kioskResetAndComplete(sevenEleven.client, card, procedure, claim, next);
  }
  await capture(kioskLookup(sevenEleven.client, api.openCard(revokedPath), 'signature-pin', PINS.auth));

  // The cancel route, and an operator.
  const toCancel = await api.reserve(signPath, 'signature-pin', PINS.auth);
  remember('reservation token', toCancel.reservationToken);
  await api.phone.cancel(toCancel.reservationId, toCancel.reservationToken);
  const operatorToken = newToken();
  remember('operator token', operatorToken);
  await api.store.createOperator({
    id: newId('op'),
    name: 'auditor',
    role: 'viewer',
    createdAt: api.clock.now(),
    tokenHash: hashToken(operatorToken),
    actor: 'test',
  });
  await axios.get(`${api.baseUrl}/v1/ops/kiosks`, { headers: { authorization: `Bearer ${operatorToken}` } });

  const faceKeyJwk = readFileSync(`${api.dataDir}/face-provider/dev-private.jwk`, 'utf8');
  remember('face provider private key', (JSON.parse(faceKeyJwk) as { d: string }).d);
}, 60_000);
afterAll(async () => api.close());

/** True when `text` contains `secret`; 4-digit PINs only as a whole number (timestamps are digits too). */
function leaks(text: string, secret: string): boolean {
  if (/^\d{4}$/.test(secret)) return new RegExp(`(^|[^0-9])${secret}([^0-9]|$)`).test(text);
  return text.includes(secret);
}

describe('no secrets in logs or audit', () => {
  it('captured a real log of the sessions (so the scan below means something)', () => {
    const all = api.logLines.join('');
    // One line per request (app.ts), ~30 requests above.
    expect(api.logLines.length).toBeGreaterThan(25);
    for (const route of ['/v1/reservations', '/v1/kiosk/lookup', '/v1/kiosk/claim', '/v1/kiosk/complete']) {
      expect(all).toContain(route);
    }
    expect(secrets.filter((s) => s.name === 'reservation token')).toHaveLength(3);
  });

  it('no log line contains a PIN, token, certificate, signature, nonce or cryptogram', () => {
    for (const line of api.logLines) {
      for (const [name, pin] of Object.entries(PINS))
        expect(leaks(line, pin), `PIN ${name} in: ${line}`).toBe(false);
      for (const secret of secrets)
        expect(leaks(line, secret.value), `${secret.name} in: ${line}`).toBe(false);
    }
  });

  it('no audit row contains one either, and the audit saw the sessions', async () => {
    const rows = api.store.database.prepare('SELECT * FROM audit').all() as Record<string, unknown>[];
    expect(rows.map((r) => r['action'])).toEqual(
      expect.arrayContaining(['create', 'claim', 'release', 'complete']),
    );
    for (const row of rows) {
      const text = JSON.stringify(row);
      for (const pin of Object.values(PINS)) expect(leaks(text, pin), text).toBe(false);
      for (const secret of secrets) expect(leaks(text, secret.value), `${secret.name} in audit`).toBe(false);
    }
  });
});
