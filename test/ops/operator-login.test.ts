import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken, newId, newToken } from '../../reservation-api/auth/tokens';
import { API_PATHS, OPS_SESSION_COOKIE } from '../../reservation-api/contract';
import { build } from '../../reservation-api/server/app';
import { SqliteReservationStore } from '../../reservation-api/store/sqlite/sqlite-store';
import { fixturePki } from '../../reservation-api/testing/fixture-pki';
import { addOperator, T0, TestClock } from '../../reservation-api/testing/test-api';
import { staticTrust } from '../../reservation-api/verification/trust-material';
import { loginAs, opsGet, type OpsTestApi, opsTestApi, SAME_ORIGIN } from './support/ops-harness';

let api: OpsTestApi;

beforeEach(async () => {
  api = await opsTestApi();
});

afterEach(async () => {
  await api.close();
});

const MINUTE = 60_000;

describe('operator login (dashboard)', () => {
  it('exchanges name and token for an HttpOnly, SameSite=Strict session cookie the ops endpoints accept', async () => {
    const { name, cookie, response } = await loginAs(api, 'viewer');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      name,
      role: 'viewer',
      idleExpiresAt: api.clock.now() + 30 * MINUTE,
      expiresAt: api.clock.now() + 12 * 60 * MINUTE,
    });
    const setCookie = String(response.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${OPS_SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).not.toContain('Secure'); // plain HTTP here; HTTPS adds it
    expect(response.headers['cache-control']).toBe('no-store');

    const whoami = await opsGet(api, API_PATHS.opsWhoAmI, cookie);
    expect(whoami.statusCode).toBe(200);
    expect(whoami.json()).toEqual({ name, role: 'viewer' });
    expect((await opsGet(api, API_PATHS.opsFleet, cookie)).statusCode).toBe(200);
  });

  it('stores only a hash of the session secret', async () => {
    const { cookie } = await loginAs(api, 'viewer');
    const secret = cookie.split('=')[1] ?? '';
    const rows = api.store.database.prepare('SELECT * FROM operator_sessions').all();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('refuses a wrong token or a wrong name alike, without setting a cookie', async () => {
    const token = await addOperator(api, 'admin', 'hanako');
    const other = await addOperator(api, 'viewer', 'taro');
    for (const payload of [
      { name: 'hanako', token: other },
      { name: 'hanako', token: 'A'.repeat(43) },
      { name: 'nobody', token },
    ]) {
      const response = await api.app.inject({
        method: 'POST',
        url: API_PATHS.opsSession,
        headers: SAME_ORIGIN,
        payload,
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'OPERATOR_LOGIN_FAILED' });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it('refuses a login without the X-Ops-Request header or from another origin (login CSRF)', async () => {
    const token = await addOperator(api, 'admin', 'hanako');
    const cases: Record<string, string>[] = [
      {},
      { ...SAME_ORIGIN, origin: 'https://evil.example' },
      { ...SAME_ORIGIN, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of cases) {
      const response = await api.app.inject({
        method: 'POST',
        url: API_PATHS.opsSession,
        headers,
        payload: { name: 'hanako', token },
      });
      expect(response.statusCode, JSON.stringify(headers)).toBe(403);
      expect(response.json()).toMatchObject({ code: 'OPERATOR_CSRF_REJECTED' });
    }
    const sameOrigin = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsSession,
      headers: { ...SAME_ORIGIN, origin: 'http://localhost:80', 'sec-fetch-site': 'same-origin' },
      payload: { name: 'hanako', token },
    });
    expect(sameOrigin.statusCode).toBe(200);
  });

  it('ends a session idle for 30 minutes; requests keep it alive up to 12 hours', async () => {
    const { cookie } = await loginAs(api, 'viewer');
    for (let i = 0; i < 24; i += 1) {
      api.clock.advance(29 * MINUTE);
      expect((await opsGet(api, API_PATHS.opsWhoAmI, cookie)).statusCode, `after ${i + 1} steps`).toBe(200);
    }
    api.clock.advance(29 * MINUTE); // 12 h 25 min after login
    const expired = await opsGet(api, API_PATHS.opsWhoAmI, cookie);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'OPERATOR_UNAUTHENTICATED' });

    const second = await loginAs(api, 'viewer');
    api.clock.advance(30 * MINUTE);
    expect((await opsGet(api, API_PATHS.opsWhoAmI, second.cookie)).statusCode).toBe(401);
  });

  it('logs out: the session is gone and the cookie cleared; logout needs the header too', async () => {
    const { cookie } = await loginAs(api, 'admin');
    const refused = await api.app.inject({
      method: 'DELETE',
      url: API_PATHS.opsSession,
      headers: { cookie },
    });
    expect(refused.statusCode).toBe(403);
    expect((await opsGet(api, API_PATHS.opsWhoAmI, cookie)).statusCode).toBe(200);

    const response = await api.app.inject({
      method: 'DELETE',
      url: API_PATHS.opsSession,
      headers: { cookie, ...SAME_ORIGIN },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ loggedOut: true });
    expect(String(response.headers['set-cookie'])).toMatch(/^ops_session=;.*Expires=Thu, 01 Jan 1970/);
    expect((await opsGet(api, API_PATHS.opsWhoAmI, cookie)).statusCode).toBe(401);
  });
});

describe('operator authentication on the ops endpoints', () => {
  const readPaths = [
    API_PATHS.opsWhoAmI,
    API_PATHS.opsKiosks,
    API_PATHS.opsAudit,
    API_PATHS.opsFleet,
    API_PATHS.opsAlerts,
    API_PATHS.opsStats,
    API_PATHS.opsSessionSeries,
    API_PATHS.opsStream,
  ];

  it('refuses every ops read without credentials, with a garbage cookie or a wrong bearer token (401 with code)', async () => {
    for (const url of readPaths) {
      for (const headers of [
        {},
        { cookie: `${OPS_SESSION_COOKIE}=${'x'.repeat(43)}` },
        { cookie: `${OPS_SESSION_COOKIE}=not a session` },
        { authorization: `Bearer ${'B'.repeat(43)}` },
        { authorization: 'Basic aGFuYWtvOnB3' },
      ]) {
        const response = await api.app.inject({ method: 'GET', url, headers });
        expect(response.statusCode, `${url} ${JSON.stringify(headers)}`).toBe(401);
        expect(response.json()).toMatchObject({ code: 'OPERATOR_UNAUTHENTICATED' });
      }
    }
  });

  it('keeps bearer tokens working for the CLI (no CSRF header needed: not ambient)', async () => {
    const token = await addOperator(api, 'admin', 'cli-admin');
    const response = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: { authorization: `Bearer ${token}` },
      payload: { chain: 'Lawson', storeId: '0042', publicKey: `${'A'.repeat(42)}E=` },
    });
    expect(response.statusCode).toBe(201);
  });

  it('lets a viewer read but not act: 403 OPERATOR_FORBIDDEN on admin actions', async () => {
    const { cookie } = await loginAs(api, 'viewer');
    const register = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: { cookie, ...SAME_ORIGIN },
      payload: { chain: 'Lawson', storeId: '0042', publicKey: `${'A'.repeat(42)}E=` },
    });
    expect(register.statusCode).toBe(403);
    expect(register.json()).toMatchObject({ code: 'OPERATOR_FORBIDDEN' });
    const acknowledge = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsAlertAcknowledge.replace(':alertId', 'alr_000000000000'),
      headers: { cookie, ...SAME_ORIGIN },
      payload: {},
    });
    expect(acknowledge.statusCode).toBe(403);
    expect(acknowledge.json()).toMatchObject({ code: 'OPERATOR_FORBIDDEN' });
  });

  it('refuses a cookie-borne admin action without the CSRF header or from another origin', async () => {
    const { cookie } = await loginAs(api, 'admin');
    const payload = { chain: 'Lawson', storeId: '0042', publicKey: `${'A'.repeat(42)}E=` };
    for (const headers of [{ cookie }, { cookie, ...SAME_ORIGIN, origin: 'http://evil.example' }]) {
      const response = await api.app.inject({ method: 'POST', url: API_PATHS.opsKiosks, headers, payload });
      expect(response.statusCode).toBe(403);
      expect(response.json()).toMatchObject({ code: 'OPERATOR_CSRF_REJECTED' });
    }
    const allowed = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: { cookie, ...SAME_ORIGIN },
      payload,
    });
    expect(allowed.statusCode).toBe(201);
  });
});

describe('login hardening', () => {
  it('limits login attempts per client IP (10 a minute by default)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const response = await api.app.inject({
        method: 'POST',
        url: API_PATHS.opsSession,
        headers: SAME_ORIGIN,
        payload: { name: 'guess', token: `${'G'.repeat(42)}${i % 10}` },
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);
  });

  it('marks the cookie Secure when the request came over HTTPS through a trusted proxy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-https-'));
    const store = SqliteReservationStore.open(join(dir, 'api.sqlite'));
    const clock = new TestClock();
    const app = await build({
      store,
      now: clock.now,
      masterKey: randomBytes(32),
      faceProviderKeys: [],
      trust: staticTrust((await fixturePki(T0)).trust),
      logger: false,
      trustProxy: true,
      dashboard: false,
      policy: { opsTickMs: 0, opsStreamPingMs: 0 },
    });
    try {
      const token = newToken();
      await store.createOperator({
        id: newId('op'),
        name: 'hanako',
        role: 'admin',
        createdAt: clock.now(),
        tokenHash: hashToken(token),
        actor: 'test',
      });
      const response = await app.inject({
        method: 'POST',
        url: API_PATHS.opsSession,
        headers: {
          ...SAME_ORIGIN,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'ops.example',
          origin: 'https://ops.example',
        },
        payload: { name: 'hanako', token },
      });
      expect(response.statusCode).toBe(200);
      expect(String(response.headers['set-cookie'])).toMatch(/; Secure/);
    } finally {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
