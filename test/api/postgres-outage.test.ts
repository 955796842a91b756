import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresReservationStore } from '../../reservation-api/store/postgres/postgres-store';
import { isDatabaseUnavailable } from '../../reservation-api/store/postgres/unavailable';
import {
  type PostgresServer,
  postgresUnavailableReason,
  startPostgresServer,
} from '../../reservation-api/testing/postgres-server';
import { addKiosk, kioskPost, type TestApi, testApiInstances } from '../../reservation-api/testing/test-api';

/**
 * The API on a PostgreSQL that crashes: requests are answered 503 SERVICE_UNAVAILABLE promptly (not
 * 500, never a hang), /readyz is down, and once the server is back the API serves again by itself.
 * This file stops its database server, so it starts a server of its own instead of the run's.
 */

const unavailable = postgresUnavailableReason();

describe('isDatabaseUnavailable', () => {
  it('tells an unreachable database from a wrong statement', () => {
    const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    expect(isDatabaseUnavailable(coded('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(coded('57P01', 'terminating connection due to administrator command'))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(coded('08006'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new AggregateError([coded('ECONNREFUSED')]))).toBe(true);
    expect(isDatabaseUnavailable(coded('23505', 'duplicate key value'))).toBe(false);
    expect(isDatabaseUnavailable(coded('42601', 'syntax error'))).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});

describe('the API when PostgreSQL goes down and comes back', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  let server: PostgresServer;
  let api: TestApi<PostgresReservationStore>;
  beforeAll(async () => {
    server = await startPostgresServer();
    [api] = (await testApiInstances([await PostgresReservationStore.open(server.adminUrl)])) as [
      TestApi<PostgresReservationStore>,
    ];
  });
  afterAll(async () => {
    await api?.close();
    server?.stop();
  });

  it('answers 503 while the server is down, /readyz too, and serves again once it is back', async () => {
    const kiosk = await addKiosk(api);
    expect((await kioskPost(api, kiosk, '/v1/kiosk/challenge', {})).statusCode).toBe(200);

    server.halt('immediate');
    const started = Date.now();
    const refused = await kioskPost(api, kiosk, '/v1/kiosk/challenge', {});
    expect({ status: refused.statusCode, code: (refused.json() as { code: string }).code }).toEqual({
      status: 503,
      code: 'SERVICE_UNAVAILABLE',
    });
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    // Refused at once (connection refused), well within the pool's 5 s connect timeout.
    expect(Date.now() - started).toBeLessThan(5_000);

    server.restart();
    const back = Date.now();
    let ready = 0;
    while (Date.now() - back < 5_000) {
      ready = (await api.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
      if (ready === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(ready).toBe(200);
    expect((await kioskPost(api, kiosk, '/v1/kiosk/challenge', {})).statusCode).toBe(200);
  });
});
