import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS, API_PATHS, isApiErrorCode } from '../contract';
import { newKioskKeyPair } from '../services/kiosk-registry';
import {
  addKiosk,
  addOperator,
  kioskPostRaw,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../testing/test-api';

let api: TestApi;
let kiosk: TestKiosk;
let admin: string;
let viewer: string;

beforeAll(async () => {
  api = await testApi();
  kiosk = await addKiosk(api, 'seven-eleven');
  admin = await addOperator(api, 'admin');
  viewer = await addOperator(api, 'viewer');
});
afterAll(async () => api.close());

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

async function openApi(): Promise<OpenApiDocument> {
  const response = await api.app.inject({ method: 'GET', url: API_PATHS.openapi });
  expect(response.statusCode).toBe(200);
  return response.json() as OpenApiDocument;
}

/** `/v1/reservations/:reservationId` → `/v1/reservations/{reservationId}` */
const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('OpenAPI document', () => {
  it('is served and lists exactly the registered routes (except itself)', async () => {
    const document = await openApi();
    expect(document.openapi).toBe('3.1.0');
    const documented = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const registered = api.app.registeredRoutes
      .filter((route) => route.url !== API_PATHS.openapi)
      .map((route) => `${route.method} ${toOpenApiPath(route.url)}`)
      .sort();
    expect(documented).toEqual(registered);
    expect(registered.length).toBeGreaterThanOrEqual(17);
  });

  it('documents the error body for 4xx and 5xx on every route', async () => {
    const document = await openApi();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(['4XX', '5XX']),
        );
      }
    }
  });
});

/** Bodies no route accepts. */
const MALFORMED: { name: string; body: Buffer; contentType?: string }[] = [
  { name: 'broken JSON', body: Buffer.from('{"nonce": ') },
  { name: 'empty JSON body', body: Buffer.alloc(0) },
  { name: 'a JSON array', body: Buffer.from('[1,2,3]') },
  { name: 'a JSON string', body: Buffer.from('"hello"') },
  { name: 'null', body: Buffer.from('null') },
  {
    name: 'an object of wrong types',
    body: Buffer.from('{"nonce":42,"procedure":true,"claimId":[],"events":"x"}'),
  },
  { name: 'an unexpected property', body: Buffer.from('{"unexpected":"property"}') },
  { name: 'prototype poisoning', body: Buffer.from('{"__proto__":{"polluted":true}}') },
  { name: 'deep nesting', body: Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`) },
  { name: 'text/plain', body: Buffer.from('hello'), contentType: 'text/plain' },
  { name: 'form data', body: Buffer.from('a=1&b=2'), contentType: 'application/x-www-form-urlencoded' },
  { name: 'a body over the limit', body: Buffer.from(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) })) },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) },
];

function expectCodedClientError(response: { statusCode: number; json(): unknown }, context: string) {
  expect(response.statusCode, context).toBeGreaterThanOrEqual(400);
  expect(response.statusCode, context).toBeLessThan(500);
  const body = response.json() as { code?: unknown; message?: unknown };
  expect(isApiErrorCode(body.code), `${context}: ${String(body.code)}`).toBe(true);
  expect(typeof body.message).toBe('string');
}

describe('malformed requests get 4xx with a code on every route, never 5xx', () => {
  it('for every registered route and every malformed body', async () => {
    let checked = 0;
    for (const route of api.app.registeredRoutes) {
      if (route.url === API_PATHS.openapi) continue;
      const url = route.url
        .replace(':reservationId', 'rsv_0000000000000000000000')
        .replace(':kioskId', kiosk.kioskId);
      for (const malformed of MALFORMED) {
        const contentType = malformed.contentType ?? 'application/json';
        const context = `${route.method} ${route.url} with ${malformed.name}`;
        const response = url.startsWith('/v1/kiosk/')
          ? await kioskPostRaw(api, kiosk, url, malformed.body, contentType)
          : await api.app.inject({
              method: route.method as 'GET',
              url,
              payload: malformed.body,
              headers: { 'content-type': contentType, authorization: `Bearer ${admin}` },
            });
        if (route.method === 'GET' || route.method === 'DELETE') {
          // Bodies are not part of these routes; what matters is that nothing breaks.
          expect(response.statusCode, context).toBeLessThan(500);
        } else {
          expectCodedClientError(response, context);
        }
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('maps each failure to the right code', async () => {
    const post = (payload: Buffer | string, contentType = 'application/json') =>
      api.app.inject({
        method: 'POST',
        url: API_PATHS.phoneChallenge,
        payload,
        headers: { 'content-type': contentType },
      });
    expect((await post('{')).json()).toMatchObject({ code: 'MALFORMED_JSON' });
    expect((await post('x', 'text/plain')).json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect((await post(`{"a":"${'x'.repeat(70 * 1024)}"}`)).statusCode).toBe(413);
    const invalid = await post('{"unexpected":1}');
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((invalid.json() as { message: string }).message).toContain('body/unexpected not allowed');
  });

  it('answers unknown routes with ROUTE_NOT_FOUND', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'ROUTE_NOT_FOUND', message: API_ERRORS.ROUTE_NOT_FOUND.message });
  });
});

describe('health and metrics', () => {
  it('is alive and ready while the database answers', async () => {
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await api.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('exposes Prometheus metrics: default process metrics and the HTTP latency histogram', async () => {
    await api.app.inject({ method: 'GET', url: '/healthz' });
    const response = await api.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.body).toContain('process_cpu_user_seconds_total');
    expect(response.body).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/healthz"[^}]*status_code="200"/,
    );
  });

  it('is not ready when the database is gone', async () => {
    const broken = await testApi();
    await broken.store.close();
    const response = await broken.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await broken.app.close();
  });
});

describe('operator endpoints', () => {
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  it('refuses requests without a valid operator token', async () => {
    const none = await api.app.inject({ method: 'GET', url: API_PATHS.opsKiosks });
    expect(none.json()).toMatchObject({ code: 'OPERATOR_UNAUTHENTICATED' });
    const wrong = await api.app.inject({
      method: 'GET',
      url: API_PATHS.opsKiosks,
      headers: auth('x'.repeat(43)),
    });
    expect(wrong.statusCode).toBe(401);
  });

  it('lets a viewer read but not register or revoke', async () => {
    expect(
      (await api.app.inject({ method: 'GET', url: API_PATHS.opsWhoAmI, headers: auth(viewer) })).json(),
    ).toMatchObject({
      role: 'viewer',
    });
    const list = await api.app.inject({ method: 'GET', url: API_PATHS.opsKiosks, headers: auth(viewer) });
    expect((list.json() as { kiosks: { kioskId: string }[] }).kiosks.map((k) => k.kioskId)).toContain(
      kiosk.kioskId,
    );
    const register = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: auth(viewer),
      payload: { chain: 'Lawson', storeId: 'S-9', publicKey: newKioskKeyPair().publicKey },
    });
    expect(register.statusCode).toBe(403);
    expect(register.json()).toMatchObject({ code: 'OPERATOR_FORBIDDEN' });
  });

  it('lets an admin register a kiosk (procedures from the chain) and revoke it', async () => {
    const register = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: auth(admin),
      payload: { chain: 'Lawson', storeId: 'S-9', publicKey: newKioskKeyPair().publicKey },
    });
    expect(register.statusCode).toBe(201);
    const registered = register.json() as { kioskId: string; chain: string; procedures: string[] };
    expect(registered).toMatchObject({ chain: 'lawson', procedures: ['signature-pin'] });
    const unknownChain = await api.app.inject({
      method: 'POST',
      url: API_PATHS.opsKiosks,
      headers: auth(admin),
      payload: { chain: 'Nowhere Mart', storeId: 'S-9', publicKey: newKioskKeyPair().publicKey },
    });
    expect(unknownChain.json()).toMatchObject({ code: 'UNKNOWN_CHAIN' });
    const revoke = await api.app.inject({
      method: 'POST',
      url: `/v1/ops/kiosks/${registered.kioskId}/revoke`,
      headers: auth(admin),
      payload: {},
    });
    expect(revoke.json()).toMatchObject({ kioskId: registered.kioskId, revokedAt: api.clock.now() });
    const missing = await api.app.inject({
      method: 'POST',
      url: '/v1/ops/kiosks/no-such-kiosk/revoke',
      headers: auth(admin),
      payload: {},
    });
    expect(missing.json()).toMatchObject({ code: 'KIOSK_NOT_FOUND' });
  });

  it('shows the audit trail', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: `${API_PATHS.opsAudit}?limit=5`,
      headers: auth(viewer),
    });
    const entries = (response.json() as { entries: { action: string }[] }).entries;
    expect(entries.map((e) => e.action)).toContain('kiosk-register');
  });
});
