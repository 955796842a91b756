import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fid } from '../../hardware/jpki/constants';
import {
  API_PATHS,
  type AuditEntry,
  fillPath,
  type FunnelResponse,
  type HeartbeatResponse,
  type KioskControlView,
  type KioskPageResponse,
} from '../../reservation-api/contract';
import { newKioskKeyPair } from '../../reservation-api/services/kiosk-registry';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  reserve,
  type TestKiosk,
} from '../../reservation-api/testing/test-api';
import { createPrivateKey } from 'node:crypto';
import {
  alertEvent,
  heartbeat,
  loginAs,
  opsGet,
  type OpsTestApi,
  opsTestApi,
  SAME_ORIGIN,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let api: OpsTestApi;
let admin: { name: string; cookie: string };
let viewer: { cookie: string };

beforeEach(async () => {
  api = await opsTestApi();
  admin = await loginAs(api, 'admin');
  viewer = await loginAs(api, 'viewer');
});

afterEach(async () => {
  await api.close();
});

function opsPost(path: string, cookie: string, payload: Record<string, string> = {}) {
  return api.app.inject({ method: 'POST', url: path, headers: { ...SAME_ORIGIN, cookie }, payload });
}

async function page(kiosk: TestKiosk): Promise<KioskPageResponse> {
  const response = await opsGet(
    api,
    fillPath(API_PATHS.opsKioskPage, { kioskId: kiosk.kioskId }),
    viewer.cookie,
  );
  expect(response.statusCode).toBe(200);
  return response.json() as KioskPageResponse;
}

async function audit(query: string): Promise<AuditEntry[]> {
  const response = await opsGet(api, `${API_PATHS.opsAuditSearch}?${query}`, viewer.cookie);
  expect(response.statusCode).toBe(200);
  return (response.json() as { entries: AuditEntry[] }).entries;
}

describe('remote actions', () => {
  it('puts a kiosk out of service at its next heartbeat and back, audited with operator and time', async () => {
    const kiosk = await addKiosk(api);
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toBeUndefined();
    const path = fillPath(API_PATHS.opsKioskOutOfService, { kioskId: kiosk.kioskId });

    const refused = await opsPost(path, viewer.cookie, { reason: 'reader replacement' });
    expect(refused.statusCode).toBe(403);
    expect((refused.json() as { code: string }).code).toBe('OPERATOR_FORBIDDEN');
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toBeUndefined();

    const done = await opsPost(path, admin.cookie, { reason: 'reader replacement' });
    expect(done.statusCode).toBe(200);
    expect((done.json() as KioskControlView).maintenance).toEqual({
      reason: 'reader replacement',
      since: api.clock.now(),
      by: admin.name,
    });
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toEqual({
      maintenance: true,
      selfTestId: null,
    });

    api.clock.advance(MINUTE);
    const back = await opsPost(
      fillPath(API_PATHS.opsKioskInService, { kioskId: kiosk.kioskId }),
      admin.cookie,
    );
    expect((back.json() as KioskControlView).maintenance).toBeNull();
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toBeUndefined();

    const trail = await audit(`kioskId=${kiosk.kioskId}`);
    expect(trail.filter((e) => e.action.startsWith('kiosk-') && e.action !== 'kiosk-register')).toMatchObject(
      [
        { action: 'kiosk-out-of-service', actor: `operator:${admin.name}`, at: api.clock.now() - MINUTE },
        { action: 'kiosk-in-service', actor: `operator:${admin.name}`, at: api.clock.now() },
      ],
    );
  });

  it('asks for a reader self-test; the kiosk reports it once and the page shows the result', async () => {
    const kiosk = await addKiosk(api);
    const asked = await opsPost(
      fillPath(API_PATHS.opsKioskSelfTest, { kioskId: kiosk.kioskId }),
      admin.cookie,
    );
    const testId = (asked.json() as KioskControlView).selfTest!.testId;
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toEqual({
      maintenance: false,
      selfTestId: testId,
    });
    const report = {
      id: 'evt-selftest-000001',
      type: 'reader.self-test',
      at: api.clock.now(),
      data: { testId, result: 'passed', detail: 'reader ready' },
    };
    await sendEvents(api, kiosk, [report]);
    await sendEvents(api, kiosk, [{ ...report, id: 'evt-selftest-000002' }]);
    expect(((await heartbeat(api, kiosk)).json() as HeartbeatResponse).control).toBeUndefined();
    const shown = await page(kiosk);
    expect(shown.control.selfTest).toMatchObject({ testId, result: 'passed', requestedBy: admin.name });
    expect(shown.readerEvents[0]).toMatchObject({
      kind: 'self-test',
      name: 'passed',
      detail: 'reader ready',
    });
    const trail = await audit(`kioskId=${kiosk.kioskId}`);
    expect(trail.filter((e) => e.action === 'kiosk-self-test')).toMatchObject([
      { actor: `kiosk:${kiosk.kioskId}`, outcome: 'passed' },
    ]);
  });

  it("rotates a kiosk's key: the old key is refused from then on, the new one accepted; viewers cannot", async () => {
    const kiosk = await addKiosk(api);
    const keys = newKioskKeyPair();
    const path = fillPath(API_PATHS.opsKioskCredentials, { kioskId: kiosk.kioskId });
    expect((await opsPost(path, viewer.cookie, { publicKey: keys.publicKey })).statusCode).toBe(403);
    expect((await opsPost(path, admin.cookie, { publicKey: keys.publicKey })).statusCode).toBe(200);
    const old = await kioskPost(api, kiosk, API_PATHS.kioskChallenge, {});
    expect((old.json() as { code: string }).code).toBe('KIOSK_UNAUTHENTICATED');
    const renewed = { ...kiosk, privateKey: createPrivateKey(keys.privateKeyPem) };
    expect((await kioskPost(api, renewed, API_PATHS.kioskChallenge, {})).statusCode).toBe(200);
    expect((await audit(`kioskId=${kiosk.kioskId}`)).map((e) => e.action)).toContain('kiosk-rotate-key');
  });

  it('counts each action done on /metrics under its own name; a refused one is not counted', async () => {
    const kiosk = await addKiosk(api);
    const at = (path: string) => fillPath(path, { kioskId: kiosk.kioskId });
    expect(
      (await opsPost(at(API_PATHS.opsKioskOutOfService), viewer.cookie, { reason: 'x' })).statusCode,
    ).toBe(403);
    expect(
      (await opsPost(at(API_PATHS.opsKioskOutOfService), admin.cookie, { reason: 'x' })).statusCode,
    ).toBe(200);
    expect((await opsPost(at(API_PATHS.opsKioskInService), admin.cookie)).statusCode).toBe(200);
    expect(
      (await opsPost(at(API_PATHS.opsKioskOutOfService), admin.cookie, { reason: 'y' })).statusCode,
    ).toBe(200);
    expect((await opsPost(at(API_PATHS.opsKioskSelfTest), admin.cookie)).statusCode).toBe(200);
    const keys = newKioskKeyPair();
    expect(
      (await opsPost(at(API_PATHS.opsKioskCredentials), admin.cookie, { publicKey: keys.publicKey }))
        .statusCode,
    ).toBe(200);
    const text = (await api.app.inject({ method: 'GET', url: API_PATHS.metrics })).body;
    const counted = Object.fromEntries(
      [...text.matchAll(/^reservation_api_ops_actions_total\{action="([^"]+)"\} (\d+)$/gm)].map((m) => [
        m[1],
        Number(m[2]),
      ]),
    );
    expect(counted).toEqual({ 'out-of-service': 2, 'in-service': 1, 'self-test': 1, 'rotate-key': 1 });
  });
});

describe('the kiosk page', () => {
  it('shows identity, the 24 h timeline by outcome and code, reader events and alerts; its counts are the alert’s', async () => {
    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { os: 'linux 6.1.0', readerModel: 'Virtual PCD 00 00', version: '1.4.0' });
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'completed'),
      sessionEnded(api, 'failed', 'pin-blocked'),
      sessionEnded(api, 'failed', 'no-reservation'),
      ...Array.from({ length: 5 }, () => sessionEnded(api, 'failed', 'reader-unavailable')),
      alertEvent(api, 'card-left-behind'),
    ]);
    const shown = await page(kiosk);
    expect(shown.kiosk).toMatchObject({ kioskId: kiosk.kioskId, chain: 'seven-eleven', storeId: 'T1' });
    expect(shown.kiosk.version).toBe('1.4.0');
    expect(shown.identity).toMatchObject({
      os: 'linux 6.1.0',
      readerModel: 'Virtual PCD 00 00',
      revokedAt: null,
    });
    expect(shown.timeline).toHaveLength(24);
    const totals = shown.timeline.reduce(
      (sum, p) => ({ completed: sum.completed + p.completed, failed: sum.failed + p.failed }),
      { completed: 0, failed: 0 },
    );
    expect(totals).toEqual({ completed: 1, failed: 7 });
    expect(shown.failuresByClass).toEqual({ customer: 2, device: 5, network: 0, service: 0 });
    expect(shown.sessions.find((s) => s.cause === 'pin-blocked')).toMatchObject({
      displayCode: 'E-032',
      failureClass: 'customer',
    });
    expect(shown.readerEvents).toMatchObject([{ kind: 'alert', name: 'card-left-behind' }]);
    // The page and the device alert count the same failures in the same window.
    const alert = shown.alerts.find((a) => a.kind === 'repeated-failures');
    expect(alert?.detailParams['count']).toBe(shown.failuresByClass.device + shown.failuresByClass.service);
    expect(shown.alerts.map((a) => a.kind).sort()).toEqual(['card-left-behind', 'repeated-failures']);
  });

  it('holds no PIN, card serial, certificate or reservation token', async () => {
    const kiosk = await addKiosk(api);
    const card = api.pki.healthy;
    const created = (await reserve(api, card)).json() as { reservationToken: string };
    const { nonce } = (await kioskPost(api, kiosk, API_PATHS.kioskChallenge, {})).json() as { nonce: string };
    await kioskPost(api, kiosk, API_PATHS.kioskLookup, lookupBody(card, nonce));
    const body = JSON.stringify(await page(kiosk));
    for (const secret of [
      created.reservationToken,
      card.tokenSerial,
      card.authDer.toString('base64').slice(0, 40),
    ]) {
      expect(body).not.toContain(secret);
    }
  });

  it('answers 404 for an unknown kiosk and 401 without a login', async () => {
    const path = fillPath(API_PATHS.opsKioskPage, { kioskId: 'seven-eleven-nowhere-k000000' });
    expect((await opsGet(api, path, viewer.cookie)).statusCode).toBe(404);
    expect((await api.app.inject({ method: 'GET', url: path })).statusCode).toBe(401);
  });
});

describe('the funnel', () => {
  it('matches a scripted day of reservations and sessions exactly', async () => {
    const seven = await addKiosk(api, 'seven-eleven');
    const lawson = await addKiosk(api, 'lawson');
    const { healthy, other } = api.pki;
    const lookup = async (
      kiosk: TestKiosk,
      card: typeof healthy,
      procedure: 'signature-pin' | 'auth-pin',
    ) => {
      const { nonce } = (await kioskPost(api, kiosk, API_PATHS.kioskChallenge, {})).json() as {
        nonce: string;
      };
      const found = await kioskPost(api, kiosk, API_PATHS.kioskLookup, lookupBody(card, nonce, procedure));
      expect(found.statusCode).toBe(200);
      return (found.json() as { lookupId: string }).lookupId;
    };
    const claim = async (kiosk: TestKiosk, lookupId: string, pinFile: number) => {
      const claimed = await kioskPost(api, kiosk, API_PATHS.kioskClaim, {
        lookupId,
        pinFile,
        cardChallenge: Buffer.from('0102030405060708', 'hex').toString('base64'),
      });
      expect(claimed.statusCode).toBe(200);
      return (claimed.json() as { claimId: string }).claimId;
    };
    const start = api.clock.now(); // 2026-11-23 10:00 Japan time
    // The evening before (22:00): a reservation later replaced by a newer one of the same card.
    api.clock.set(start - 12 * HOUR);
    expect((await reserve(api, healthy, 'signature-pin')).statusCode).toBe(201);
    api.clock.set(start);
    // 1. Reserved, found at a Seven-Eleven, reset.
    expect((await reserve(api, healthy, 'signature-pin')).statusCode).toBe(201);
    const done = await claim(seven, await lookup(seven, healthy, 'signature-pin'), Fid.signPin);
    expect((await kioskPost(api, seven, API_PATHS.kioskComplete, { claimId: done })).statusCode).toBe(200);
    // 2. Reserved, found at a Lawson, never reset.
    api.clock.advance(HOUR);
    expect((await reserve(api, other, 'signature-pin')).statusCode).toBe(201);
    await lookup(lawson, other, 'signature-pin');
    // 3. Reserved, never used.
    expect((await reserve(api, healthy, 'auth-pin')).statusCode).toBe(201);
    // 4. Reserved, found and claimed at a Seven-Eleven, released (card taken away).
    expect((await reserve(api, other, 'auth-pin')).statusCode).toBe(201);
    const released = await claim(seven, await lookup(seven, other, 'auth-pin'), Fid.authPin);
    expect(
      (await kioskPost(api, seven, API_PATHS.kioskRelease, { claimId: released, reason: 'card-removed' }))
        .statusCode,
    ).toBe(200);

    // The next day at 12:00, every reservation of the 23rd has had its 24 hours.
    api.clock.set(start + 26 * HOUR);
    viewer = await loginAs(api, 'viewer'); // (yesterday's login has ended)
    const response = await opsGet(api, `${API_PATHS.opsFunnel}?from=2026-11-22&to=2026-11-24`, viewer.cookie);
    expect(response.statusCode).toBe(200);
    const funnel = response.json() as FunnelResponse;
    const row = (day: string, procedure: string, chain: string, n: number[]) => ({
      day,
      procedure,
      chain,
      reservations: n[0],
      lookups: n[1],
      verified: n[2],
      completed: n[3],
      expiredUnused: n[4],
      conversion: n[3]! / n[0]!,
    });
    expect(funnel.rows).toEqual([
      row('2026-11-22', 'signature-pin', 'none', [1, 0, 0, 0, 0]),
      row('2026-11-23', 'auth-pin', 'none', [1, 0, 0, 0, 1]),
      row('2026-11-23', 'auth-pin', 'seven-eleven', [1, 1, 1, 0, 1]),
      row('2026-11-23', 'signature-pin', 'lawson', [1, 1, 0, 0, 1]),
      row('2026-11-23', 'signature-pin', 'seven-eleven', [1, 1, 1, 1, 0]),
    ]);
    expect(
      (await opsGet(api, `${API_PATHS.opsFunnel}?from=2026-11-24&to=2026-11-22`, viewer.cookie)).statusCode,
    ).toBe(400);
  });

  it('publishes today’s funnel in /metrics', async () => {
    const seven = await addKiosk(api, 'seven-eleven');
    expect((await reserve(api, api.pki.healthy, 'signature-pin')).statusCode).toBe(201);
    const { nonce } = (await kioskPost(api, seven, API_PATHS.kioskChallenge, {})).json() as { nonce: string };
    await kioskPost(api, seven, API_PATHS.kioskLookup, lookupBody(api.pki.healthy, nonce));
    await api.tick();
    const text = (await api.app.inject({ method: 'GET', url: API_PATHS.metrics })).body;
    expect(text).toContain(
      'reservation_api_funnel_reservations{procedure="signature-pin",chain="seven-eleven",stage="looked-up"} 1',
    );
    expect(text).toContain(
      'reservation_api_funnel_conversion_ratio{procedure="signature-pin",chain="seven-eleven"} 0',
    );
  });
});

describe('audit search', () => {
  it('finds everything about one reservation, or one kiosk over a period, and exports it as JSON lines', async () => {
    const seven = await addKiosk(api, 'seven-eleven');
    const created = (await reserve(api, api.pki.healthy)).json() as { reservationId: string };
    api.clock.advance(MINUTE);
    const { nonce } = (await kioskPost(api, seven, API_PATHS.kioskChallenge, {})).json() as { nonce: string };
    await kioskPost(api, seven, API_PATHS.kioskLookup, lookupBody(api.pki.healthy, nonce));
    const byReservation = await audit(`reservationId=${created.reservationId}`);
    expect(byReservation.map((e) => e.action)).toEqual(['create', 'lookup']);
    const from = api.clock.now();
    const byKiosk = await audit(`kioskId=${seven.kioskId}&from=${from}&to=${from + 1}`);
    expect(byKiosk.map((e) => [e.action, e.reservationId])).toEqual([['lookup', created.reservationId]]);

    const exported = await opsGet(api, `${API_PATHS.opsAuditExport}?kioskId=${seven.kioskId}`, viewer.cookie);
    expect(exported.headers['content-type']).toContain('application/x-ndjson');
    const lines = exported.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditEntry);
    expect(lines.map((e) => e.action)).toEqual(['kiosk-register', 'lookup']);
  });
});
