import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_PATHS, type OpsStatsResponse, type SessionSeriesResponse } from '../../reservation-api/contract';
import { MIGRATIONS } from '../../reservation-api/store/sqlite/migrations';
import { migrate } from '../../reservation-api/store/sqlite/open-database';
import { addKiosk, reserve } from '../../reservation-api/testing/test-api';
import {
  loginAs,
  opsGet,
  type OpsTestApi,
  opsTestApi,
  publishedOf,
  resetThroughKiosk,
  sendEvents,
  sessionEnded,
} from './support/ops-harness';

let api: OpsTestApi;
let cookie: string;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

beforeEach(async () => {
  api = await opsTestApi({ cardAttemptsPerWindow: 1000, phoneRequestsPerMinute: 1000 });
  cookie = (await loginAs(api, 'viewer')).cookie;
});

afterEach(async () => {
  await api.close();
});

async function stats(): Promise<OpsStatsResponse> {
  const response = await opsGet(api, API_PATHS.opsStats, cookie);
  expect(response.statusCode).toBe(200);
  return response.json() as OpsStatsResponse;
}

async function series(query: string): Promise<SessionSeriesResponse> {
  const response = await opsGet(api, `${API_PATHS.opsSessionSeries}?${query}`, cookie);
  expect(response.statusCode).toBe(200);
  return response.json() as SessionSeriesResponse;
}

describe('reservation statistics', () => {
  it('counts reservations by status, an active one past its 24 hours as expired', async () => {
    const kiosk = await addKiosk(api, 'seven-eleven');
    await resetThroughKiosk(api, kiosk, api.pki.healthy);
    const cancelled = (await reserve(api, api.pki.other, 'signature-pin')).json() as {
      reservationId: string;
      reservationToken: string;
    };
    const cancel = await api.app.inject({
      method: 'DELETE',
      url: `/v1/reservations/${cancelled.reservationId}`,
      headers: { authorization: `Bearer ${cancelled.reservationToken}` },
    });
    expect(cancel.statusCode).toBe(200);
    await reserve(api, api.pki.other, 'auth-pin');
    await reserve(api, api.pki.healthy, 'auth-pin');
    await reserve(api, api.pki.healthy, 'auth-pin'); // supersedes the previous one

    expect((await stats()).reservations).toEqual({
      active: 2,
      claimed: 0,
      completed: 1,
      expired: 0,
      cancelled: 1,
      superseded: 1,
      createdLast24h: 5,
    });

    // The trigger-kept counts agree with a full recount.
    const recount = api.store.database
      .prepare('SELECT status, count(*) AS n FROM reservations GROUP BY status ORDER BY status')
      .all() as { status: string; n: number }[];
    const kept = api.store.database
      .prepare('SELECT status, n FROM reservation_counts WHERE n > 0 ORDER BY status')
      .all();
    expect(kept).toEqual(recount);

    api.clock.advance(24 * HOUR);
    cookie = (await loginAs(api, 'viewer')).cookie; // the first login went idle meanwhile
    expect((await stats()).reservations).toMatchObject({ active: 0, expired: 2, createdLast24h: 0 });
  });

  it('publishes stats on a tick only when a number changed', async () => {
    await addKiosk(api);
    await api.tick();
    await api.tick();
    expect(publishedOf(api, 'stats')).toHaveLength(1);
    await reserve(api, api.pki.healthy);
    await api.tick();
    const published = publishedOf(api, 'stats');
    expect(published).toHaveLength(2);
    expect(published[1]).toMatchObject({
      reservations: { active: 1 },
      kiosks: { 'never-seen': 1, online: 0 },
      openAlerts: 0,
    });
  });
});

describe('reservation counts migration', () => {
  it('backfills the counts from the reservations already stored', () => {
    const db = new Database(':memory:');
    migrate(
      db,
      MIGRATIONS.filter((m) => m.version < 3),
    );
    const insert = db.prepare(
      `INSERT INTO reservations (id, token_hash, card_ref, proof_key_ref, token_serial, procedure, status,
                                 created_at, expires_at, updated_at)
       VALUES (?, ?, 'card', 'key', 'SERIAL0123456789', 'signature-pin', ?, 0, 1, 0)`,
    );
    insert.run('r1', 't1', 'completed');
    insert.run('r2', 't2', 'completed');
    insert.run('r3', 't3', 'expired');
    migrate(db);
    expect(db.prepare('SELECT status, n FROM reservation_counts WHERE n > 0 ORDER BY status').all()).toEqual([
      { status: 'completed', n: 2 },
      { status: 'expired', n: 1 },
    ]);
    db.close();
  });
});

describe('session series', () => {
  it('gives dense minute buckets ending now, completed = resets, failures by cause', async () => {
    const kiosk = await addKiosk(api);
    const now = api.clock.now(); // on a whole minute
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'completed', null, now - 3 * MINUTE + 5_000),
      sessionEnded(api, 'failed', 'pin-blocked', now - 3 * MINUTE + 59_999),
      sessionEnded(api, 'failed', 'not-a-known-code', now - MINUTE),
      sessionEnded(api, 'cancelled', null, now),
      sessionEnded(api, 'completed', null, now + 30_000),
      sessionEnded(api, 'completed', null, now - 10 * MINUTE), // before the range
    ]);
    const result = await series('bucket=minute&points=4');
    expect(result.bucketMs).toBe(MINUTE);
    expect(result.points).toEqual([
      { at: now - 3 * MINUTE, completed: 1, cancelled: 0, failed: 1, causes: { 'pin-blocked': 1 } },
      { at: now - 2 * MINUTE, completed: 0, cancelled: 0, failed: 0, causes: {} },
      { at: now - MINUTE, completed: 0, cancelled: 0, failed: 1, causes: { other: 1 } },
      { at: now, completed: 1, cancelled: 1, failed: 0, causes: {} },
    ]);
    expect(result.totals).toEqual({
      completed: 2,
      cancelled: 1,
      failed: 2,
      causes: { 'pin-blocked': 1, other: 1 },
    });
  });

  it('sums minutes into hours, defaults to 60 points and caps the range', async () => {
    const kiosk = await addKiosk(api);
    const now = api.clock.now(); // 10:00 JST = 01:00 UTC, an hour boundary
    await sendEvents(api, kiosk, [
      sessionEnded(api, 'completed', null, now - 59 * MINUTE),
      sessionEnded(api, 'completed', null, now - 1),
      sessionEnded(api, 'failed', 'reset-refused', now - 2 * HOUR),
    ]);
    const hourly = await series('bucket=hour&points=3');
    expect(hourly.bucketMs).toBe(HOUR);
    expect(hourly.points.map((p) => [p.at, p.completed, p.failed])).toEqual([
      [now - 2 * HOUR, 0, 1],
      [now - HOUR, 2, 0],
      [now, 0, 0],
    ]);
    expect((await series('')).points).toHaveLength(60);
    expect((await series('bucket=hour&points=1000')).points).toHaveLength(7 * 24); // retention
    const refused = await opsGet(api, `${API_PATHS.opsSessionSeries}?points=0`, cookie);
    expect(refused.statusCode).toBe(400);
  });

  it('drops minutes past the retention on a tick', async () => {
    const kiosk = await addKiosk(api);
    await sendEvents(api, kiosk, [sessionEnded(api, 'completed')]);
    api.clock.advance(7 * 24 * HOUR + MINUTE);
    await api.tick();
    expect(api.store.database.prepare('SELECT count(*) AS n FROM session_rollup').get()).toEqual({ n: 0 });
  });
});
