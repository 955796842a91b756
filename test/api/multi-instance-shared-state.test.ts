import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_PATHS, type FleetKiosk, type StreamSession } from '../../reservation-api/contract';
import { OPS_CHANNEL } from '../../reservation-api/store/postgres/postgres-instance-channel';
import { postgresUnavailable } from '../../reservation-api/testing/postgres-database';
import {
  listenOnLoopback,
  type PostgresInstances,
  postgresApiInstances,
  type PostgresTestApi,
} from '../../reservation-api/testing/postgres-instances';
import { addKiosk, addOperator } from '../../reservation-api/testing/test-api';
import { SseClient, type SseMessage } from '../ops/support/sse-client';
import { heartbeat, SAME_ORIGIN, sendEvents, sessionEnded } from '../ops/support/ops-harness';

/**
 * What must hold across API instances on one PostgreSQL beyond the reservations themselves: the
 * per-client rate limits (counted in the database), and the operators' live stream (an event that
 * reached one instance is pushed by every instance, over LISTEN/NOTIFY). Real instances on real
 * loopback sockets; no timers of their own (ticks by hand), so only the relay can be what carries
 * a change from one instance to another.
 */

const RELAY_DEADLINE_MS = 2_000;
const PHONE_LIMIT = 3;
const LOGIN_LIMIT = 2;

const unavailable = postgresUnavailable();
let deployment: PostgresInstances;
let a: PostgresTestApi;
let b: PostgresTestApi;
let baseA: string;
const clients: SseClient[] = [];

/** `promise`, or a failure naming `what` if it takes longer than `ms` (wall-clock: a delivery deadline). */
async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function streamOnA(): Promise<SseClient> {
  const token = await addOperator(a, 'viewer');
  const client = await SseClient.open(`${baseA}${API_PATHS.opsStream}`, {
    accept: 'text/event-stream',
    authorization: `Bearer ${token}`,
  });
  clients.push(client);
  expect(client.response.status).toBe(200);
  await client.next((m) => m.event === 'hello');
  return client;
}

const about =
  (event: string, kioskId: string) =>
  (message: SseMessage): boolean =>
    message.event === event && (JSON.parse(message.data) as { kioskId?: string }).kioskId === kioskId;

describe('shared state across API instances on one PostgreSQL', () => {
  if (unavailable) {
    // Never skipped in silence: a run without PostgreSQL fails here, saying what to install.
    it('has a PostgreSQL to run on', () => {
      throw new Error(unavailable);
    });
    return;
  }

  beforeAll(async () => {
    deployment = await postgresApiInstances(2, {
      policy: {
        phoneRequestsPerMinute: PHONE_LIMIT,
        opsLoginsPerMinute: LOGIN_LIMIT,
        opsTickMs: 0,
        opsStreamPingMs: 0,
        // Reader alerts open at once (their grace period is fleet-alerts.test.ts's subject).
        alertReaderGraceMs: 0,
      },
    });
    [a, b] = [deployment.instance(0), deployment.instance(1)];
    baseA = await listenOnLoopback(a);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => deployment?.close());

  describe('rate limits', () => {
    const challenge = (api: PostgresTestApi, ip: string) =>
      api.app.inject({ method: 'POST', url: '/v1/phone/challenge', payload: {}, remoteAddress: ip });

    it('the phone per-IP limit holds across two instances (requests alternating between them)', async () => {
      const ip = '203.0.113.10';
      const statuses: number[] = [];
      for (let i = 0; i < PHONE_LIMIT + 2; i += 1)
        statuses.push((await challenge(i % 2 ? b : a, ip)).statusCode);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect((await challenge(b, ip)).json()).toMatchObject({ code: 'RATE_LIMITED' });
      // Another client is counted on its own, on either instance.
      expect((await challenge(b, '203.0.113.11')).statusCode).toBe(200);
      // The window ends on the shared clock, for both instances alike.
      a.clock.advance(60_000);
      expect((await challenge(b, ip)).statusCode).toBe(200);
      expect((await challenge(a, ip)).statusCode).toBe(200);
    });

    it('concurrent requests from one IP over two instances get exactly the limit', async () => {
      const ip = '203.0.113.20';
      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => challenge(i % 2 ? b : a, ip)));
      expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(PHONE_LIMIT);
      expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(10 - PHONE_LIMIT);
    });

    it('operator login attempts per IP are counted across instances', async () => {
      const ip = '198.51.100.5';
      const attempt = (api: PostgresTestApi) =>
        api.app.inject({
          method: 'POST',
          url: API_PATHS.opsSession,
          headers: SAME_ORIGIN,
          payload: { name: 'nobody', token: 'x'.repeat(43) },
          remoteAddress: ip,
        });
      const codes = [];
      for (const api of [a, b, a, b]) codes.push((await attempt(api)).json<{ code: string }>().code);
      expect(codes).toEqual([
        'OPERATOR_LOGIN_FAILED',
        'OPERATOR_LOGIN_FAILED',
        'RATE_LIMITED',
        'RATE_LIMITED',
      ]);
    });
  });

  describe('live operator stream', () => {
    it(`a heartbeat sent to instance B reaches an operator's stream on A within ${RELAY_DEADLINE_MS} ms`, async () => {
      const stream = await streamOnA();
      const kiosk = await addKiosk(b, 'lawson');
      await heartbeat(b, kiosk, { reader: 'unavailable' });
      const message = await within(
        RELAY_DEADLINE_MS,
        'kiosk change from B',
        stream.next(about('kiosk', kiosk.kioskId)),
      );
      expect(JSON.parse(message.data) as FleetKiosk).toMatchObject({
        kioskId: kiosk.kioskId,
        status: 'online',
        reader: 'unavailable',
        alerts: ['reader-unavailable'],
      });
      // The alert B opened for it comes along.
      await within(RELAY_DEADLINE_MS, 'alert from B', stream.next(about('alert', kiosk.kioskId)));
    });

    it(`a session that ended at a kiosk talking to B reaches A's stream within ${RELAY_DEADLINE_MS} ms, once`, async () => {
      const stream = await streamOnA();
      const kiosk = await addKiosk(b, 'familymart');
      await sendEvents(b, kiosk, [sessionEnded(b, 'failed', 'card-removed')]);
      const message = await within(
        RELAY_DEADLINE_MS,
        'session from B',
        stream.next(about('session', kiosk.kioskId)),
      );
      expect(JSON.parse(message.data) as StreamSession).toMatchObject({
        kioskId: kiosk.kioskId,
        outcome: 'failed',
      });
      // Both monitors tick (each reads the shared event feed): nobody gets the session twice.
      await Promise.all([a.app.ops.tick(), b.app.ops.tick()]);
      await heartbeat(a, kiosk);
      await stream.next(about('kiosk', kiosk.kioskId));
      expect(stream.messages.filter(about('session', kiosk.kioskId))).toHaveLength(1);
    });

    it('a kiosk-reported alert opened on B stays open when A ticks, shows on A, and is resolved once', async () => {
      const kiosk = await addKiosk(b, 'lawson');
      await heartbeat(b, kiosk, { alerts: ['card-left-behind'] });
      const openOn = async (api: PostgresTestApi) =>
        (await api.store.ops.openAlerts()).filter((alert) => alert.kioskId === kiosk.kioskId);
      expect((await openOn(b)).map((alert) => alert.kind)).toEqual(['card-left-behind']);
      // A never saw the heartbeat: its tick takes the stored one (and the open alert) from the database.
      await a.app.ops.tick();
      expect((await openOn(a)).map((alert) => alert.kind)).toEqual(['card-left-behind']);
      const fleetOnA = await a.app.ops.monitor.fleet();
      expect(fleetOnA.find((k) => k.kioskId === kiosk.kioskId)?.alerts).toEqual(['card-left-behind']);

      // Cleared in a heartbeat to A: resolved, and B's tick neither reopens it nor fails.
      a.clock.advance(1_000);
      await heartbeat(a, kiosk, { alerts: [] });
      expect(await openOn(a)).toEqual([]);
      await b.app.ops.tick();
      await a.app.ops.tick();
      expect(await openOn(b)).toEqual([]);
      const resolved = (await b.store.ops.recentAlerts(100)).filter(
        (alert) => alert.kioskId === kiosk.kioskId,
      );
      expect(resolved).toHaveLength(1);
      expect(resolved[0]?.resolvedAt).not.toBeNull();
    });

    it("after losing PostgreSQL's connection, A ends its streams (dashboards reload) and relays again", async () => {
      const stream = await streamOnA();
      // Every listening connection of the database is cut, as a PostgreSQL restart would.
      const admin = new pg.Client({ connectionString: deployment.database.url });
      await admin.connect();
      try {
        const cut = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND query = $1`,
          [`LISTEN ${OPS_CHANNEL}`],
        );
        expect(cut.rowCount).toBe(2);
      } finally {
        await admin.end();
      }
      await within(RELAY_DEADLINE_MS, 'streams ended after the gap', stream.untilEnded());

      const again = await streamOnA();
      const kiosk = await addKiosk(b, 'seven-eleven');
      // B's listener may still be reconnecting; what B sends goes out on its pool all the same.
      await heartbeat(b, kiosk);
      await within(
        RELAY_DEADLINE_MS,
        'kiosk change after reconnect',
        again.next(about('kiosk', kiosk.kioskId)),
      );
    });
  });
});
