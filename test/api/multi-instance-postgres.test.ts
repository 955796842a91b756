import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fid } from '../../hardware/jpki/constants';
import { signKioskRequest } from '../../kiosk/api-client/request-signer';
import { postgresUnavailable } from '../../reservation-api/testing/postgres-database';
import {
  type PostgresInstances,
  postgresApiInstances,
  type PostgresTestApi,
} from '../../reservation-api/testing/postgres-instances';
import {
  addKiosk,
  kioskPost,
  lookupBody,
  phoneChallenge,
  reservationBody,
  reserve,
  type TestKiosk,
} from '../../reservation-api/testing/test-api';

/**
 * Several API instances on one PostgreSQL database, as production runs them behind a load
 * balancer (testing/postgres-instances.ts): what one instance granted, another must know.
 */

const INSTANCES = 3;
const KIOSKS = 10;
const CLAIMS_PER_KIOSK = 10;

type Api = PostgresTestApi;

const unavailable = postgresUnavailable();
let deployment: PostgresInstances;
let instances: Api[];

function instance(i: number): Api {
  return deployment.instance(i);
}

function codeOf(response: { statusCode: number; json(): unknown }) {
  return { status: response.statusCode, code: (response.json() as { code?: string }).code };
}

async function kioskChallenge(api: Api, kiosk: TestKiosk): Promise<string> {
  const response = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
  expect(response.statusCode).toBe(200);
  return (response.json() as { nonce: string }).nonce;
}

describe('API instances on one PostgreSQL', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  beforeAll(async () => {
    deployment = await postgresApiInstances(INSTANCES, {
      policy: { cardAttemptsPerWindow: 10_000, phoneRequestsPerMinute: 10_000 },
    });
    instances = deployment.instances;
  });
  afterAll(() => deployment?.close());

  it(`${KIOSKS} kiosks × ${CLAIMS_PER_KIOSK} concurrent claims for one reservation over ${INSTANCES} instances: exactly one granted, exactly one completion`, async () => {
    const card = instance(0).pki.other;
    const created = await reserve(instance(0), card);
    expect(created.statusCode).toBe(201);
    const reservationId = (created.json() as { reservationId: string }).reservationId;

    // Every kiosk looks the card up once per claim it will send, each time on another instance.
    const kiosks = [];
    for (let k = 0; k < KIOSKS; k += 1) kiosks.push(await addKiosk(instance(k), 'seven-eleven'));
    const attempts: { kiosk: TestKiosk; api: Api; lookupId: string }[] = [];
    for (const [k, kiosk] of kiosks.entries()) {
      for (let c = 0; c < CLAIMS_PER_KIOSK; c += 1) {
        const api = instance(k + c);
        const nonce = await kioskChallenge(api, kiosk);
        const lookup = await kioskPost(api, kiosk, '/v1/kiosk/lookup', lookupBody(card, nonce));
        expect(lookup.statusCode).toBe(200);
        attempts.push({
          kiosk,
          api: instance(k + c + 1),
          lookupId: (lookup.json() as { lookupId: string }).lookupId,
        });
      }
    }

    const claims = await Promise.all(
      attempts.map(({ kiosk, api, lookupId }) =>
        kioskPost(api, kiosk, '/v1/kiosk/claim', {
          lookupId,
          pinFile: Fid.signPin,
          cardChallenge: randomBytes(8).toString('base64'),
        }),
      ),
    );
    const granted = claims.filter((response) => response.statusCode === 200);
    expect(granted).toHaveLength(1);
    expect(claims.filter((r) => codeOf(r).code === 'RESERVATION_IN_USE')).toHaveLength(attempts.length - 1);

    const winner = attempts[claims.indexOf(granted[0] as (typeof claims)[number])];
    if (!winner) throw new Error('no winner');
    const { claimId } = granted[0]?.json() as { claimId: string };
    // The winner reports completion to every instance at once (its retries), every kiosk tries too.
    const completions = await Promise.all([
      ...instances.map((api) => kioskPost(api, winner.kiosk, '/v1/kiosk/complete', { claimId })),
      ...kiosks
        .filter((kiosk) => kiosk !== winner.kiosk)
        .map((kiosk, k) => kioskPost(instance(k), kiosk, '/v1/kiosk/complete', { claimId })),
    ]);
    const accepted = completions.filter((response) => response.statusCode === 200);
    expect(accepted).toHaveLength(INSTANCES);
    expect(new Set(accepted.map((response) => response.body)).size).toBe(1);
    expect(completions.filter((r) => codeOf(r).code === 'LEASE_INVALID')).toHaveLength(KIOSKS - 1);

    const audit = await instance(2).store.auditEntries({ reservationId, limit: 10_000 });
    expect(audit.filter((entry) => entry.action === 'claim' && entry.outcome === 'ok')).toHaveLength(1);
    expect(audit.filter((entry) => entry.action === 'complete')).toHaveLength(1);
    const completed = await instance(1).store.database.query(
      "SELECT count(*)::int AS n FROM claims WHERE reservation_id = $1 AND outcome = 'completed'",
      [reservationId],
    );
    expect(completed.rows).toEqual([{ n: 1 }]);
  });

  it('a phone challenge issued by instance A is accepted by instance B exactly once', async () => {
    const [a, b, c] = [instance(0), instance(1), instance(2)];
    const nonce = await phoneChallenge(a);
    const body = await reservationBody(a, a.pki.healthy, nonce);
    // The same create reaches every instance at once, twice over: one wins, the rest see it used.
    const answers = await Promise.all(
      [b, c, a, b, c, a].map((api) =>
        api.app.inject({ method: 'POST', url: '/v1/reservations', payload: body }),
      ),
    );
    expect(answers.filter((response) => response.statusCode === 201)).toHaveLength(1);
    expect(answers.filter((r) => codeOf(r).code === 'CHALLENGE_USED')).toHaveLength(answers.length - 1);
  });

  it('a kiosk challenge issued by instance A is used by a lookup on B once; the same lookup on A is refused', async () => {
    const [a, b] = [instance(0), instance(1)];
    const card = a.pki.healthy;
    expect((await reserve(a, card)).statusCode).toBe(201);
    const kiosk = await addKiosk(a, 'seven-eleven');
    const nonce = await kioskChallenge(a, kiosk);
    const body = lookupBody(card, nonce);
    expect((await kioskPost(b, kiosk, '/v1/kiosk/lookup', body)).statusCode).toBe(200);
    expect(codeOf(await kioskPost(a, kiosk, '/v1/kiosk/lookup', body))).toEqual({
      status: 400,
      code: 'CHALLENGE_USED',
    });
  });

  it('a signed kiosk request replayed to another instance is refused (REQUEST_REPLAYED)', async () => {
    const [a, b, c] = [instance(0), instance(1), instance(2)];
    const kiosk = await addKiosk(a, 'lawson');
    const body = Buffer.from('{}', 'utf8');
    const signed = await signKioskRequest(
      { kioskId: kiosk.kioskId, privateKey: kiosk.privateKey },
      { method: 'POST', url: 'http://api.test/v1/kiosk/challenge', body, now: a.clock.now() },
    );
    const send = (api: Api) =>
      api.app.inject({
        method: 'POST',
        url: '/v1/kiosk/challenge',
        payload: body,
        headers: { 'content-type': 'application/json', ...signed },
      });
    expect((await send(a)).statusCode).toBe(200);
    expect(codeOf(await send(b))).toEqual({ status: 401, code: 'REQUEST_REPLAYED' });
    // The very same bytes sent to two other instances at once: still refused on both.
    const replays = await Promise.all([send(b), send(c)]);
    expect(replays.map(codeOf)).toEqual([
      { status: 401, code: 'REQUEST_REPLAYED' },
      { status: 401, code: 'REQUEST_REPLAYED' },
    ]);
  });

  it('a replayed request racing its original over two instances is accepted once', async () => {
    const [a, b] = [instance(0), instance(1)];
    const kiosk = await addKiosk(a, 'familymart');
    const body = Buffer.from('{}', 'utf8');
    const signed = await signKioskRequest(
      { kioskId: kiosk.kioskId, privateKey: kiosk.privateKey },
      { method: 'POST', url: 'http://api.test/v1/kiosk/challenge', body, now: a.clock.now() },
    );
    const answers = await Promise.all(
      [a, b, a, b].map((api) =>
        api.app.inject({
          method: 'POST',
          url: '/v1/kiosk/challenge',
          payload: body,
          headers: { 'content-type': 'application/json', ...signed },
        }),
      ),
    );
    expect(answers.filter((response) => response.statusCode === 200)).toHaveLength(1);
    expect(answers.filter((r) => codeOf(r).code === 'REQUEST_REPLAYED')).toHaveLength(3);
  });
});
