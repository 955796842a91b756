import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signKioskRequest } from '../../kiosk/api-client/request-signer';
import { API_ERRORS, API_PATHS, isApiErrorCode } from '../../reservation-api/contract';
import {
  addKiosk,
  addOperator,
  lookupBody,
  phoneChallenge,
  reservationBody,
  type TestApi,
  type TestKiosk,
  testApi,
} from '../../reservation-api/testing/test-api';
import {
  contentTypes,
  headerSafe,
  hostileHeaders,
  jsonBytes,
  MARKER,
  mutatedBody,
  oddJson,
  rawBodies,
} from './support/json-mutations';

/**
 * Every route of build() under hostile requests (fast-check, fixed seed, bounded runs): malformed
 * and near-valid bodies, odd content types and headers, garbage path parameters and query strings,
 * anonymous and correctly authenticated. The promise: never a 5xx and never a crash — every refusal
 * is `{code, message}` with a code from the error table, its table status, a stable message that
 * repeats no value of the request.
 */

const SEED = 0x5eed_0007;
const RUNS = 150;

let api: TestApi;
let kiosk: TestKiosk;
let adminToken: string;
let reservation: { reservationId: string; reservationToken: string };

beforeAll(async () => {
  api = await testApi({ policy: { phoneRequestsPerMinute: 1_000_000, cardAttemptsPerWindow: 1_000_000 } });
  kiosk = await addKiosk(api, 'seven-eleven');
  adminToken = await addOperator(api, 'admin');
  const nonce = await phoneChallenge(api);
  const created = await api.app.inject({
    method: 'POST',
    url: API_PATHS.reservations,
    payload: await reservationBody(api, api.pki.healthy, nonce),
  });
  expect(created.statusCode).toBe(201);
  reservation = created.json();
});
afterAll(async () => api?.close());

/** The promise every answer keeps; returns the code (or undefined for a success). */
function expectCodedAnswer(response: LightMyRequestResponse, context: string): string | undefined {
  expect(response.statusCode, context).toBeLessThan(500);
  if (response.statusCode < 400) return undefined;
  const body = response.json() as Record<string, unknown>;
  expect(Object.keys(body).sort(), context).toEqual(['code', 'message']);
  const { code, message } = body as { code: unknown; message: unknown };
  expect(isApiErrorCode(code), `${context}: code ${String(code)}`).toBe(true);
  const entry = API_ERRORS[code as keyof typeof API_ERRORS];
  expect(response.statusCode, context).toBe(entry.status);
  if (code === 'VALIDATION_FAILED') {
    expect(message, context).toMatch(/^The request does not match the schema of this endpoint\b/);
  } else expect(message, context).toBe(entry.message);
  expect(String(message), context).not.toContain(MARKER);
  return code as string;
}

/** A route's path with each `:param` replaced by `value` (URL-encoded). */
function pathWith(url: string, value: string): string {
  return url.replace(/:([A-Za-z]+)/g, () => encodeURIComponent(value));
}

async function signedKioskPost(path: string, body: Buffer): Promise<LightMyRequestResponse> {
  const signature = await signKioskRequest(
    { kioskId: kiosk.kioskId, privateKey: kiosk.privateKey },
    { method: 'POST', url: `http://api.test${path}`, body, now: api.clock.now() },
  );
  return api.app.inject({
    method: 'POST',
    url: path,
    payload: body,
    headers: { 'content-type': 'application/json', ...signature },
  });
}

async function kioskNonce(): Promise<string> {
  const response = await signedKioskPost(API_PATHS.kioskChallenge, Buffer.from('{}'));
  return (response.json() as { nonce: string }).nonce;
}

/** Numbers at the edges: beyond Date (8.64e15), beyond SQLite INTEGER (2^63), beyond doubles' integers. */
const EDGE_NUMBERS = [-1, -0, 0.5, 2 ** 53 + 2, 8.64e15 + 1, 2 ** 63, 2 ** 64, 1e300, Number.MAX_VALUE];

/** Every path to a number inside `value`. */
function numberPathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'number') return [prefix];
  if (Array.isArray(value)) return value.flatMap((item, i) => numberPathsOf(item, [...prefix, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => numberPathsOf(item, [...prefix, key]));
  }
  return [];
}

/** A copy of `value` with `replacement` at `path`. */
function withValueAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>(
      (node, key) => node[key] as Record<string | number, unknown>,
      copy,
    );
  parent[path[path.length - 1]!] = replacement;
  return copy;
}

const settings = (offset: number) => ({ seed: SEED + offset, numRuns: RUNS, endOnFailure: true });

describe('every route, anonymous garbage', () => {
  it('fuzzes every documented operation: each path and method of the OpenAPI document is a registered route', () => {
    const registered = new Set(api.app.registeredRoutes.map((route) => `${route.method} ${route.url}`));
    const documented = Object.entries((api.app.swagger() as { paths: Record<string, object> }).paths).flatMap(
      ([path, operations]) =>
        Object.keys(operations).map(
          (method) => `${method.toUpperCase()} ${path.replace(/\{([A-Za-z]+)\}/g, ':$1')}`,
        ),
    );
    expect(documented.length).toBeGreaterThan(15);
    for (const operation of documented) expect(registered, operation).toContain(operation);
  });

  it('answers any method-correct request with any body, content type, headers and path values with a coded 4xx (or a 2xx)', async () => {
    const routes = api.app.registeredRoutes;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(rawBodies, oddJson.map(jsonBytes)),
        contentTypes,
        hostileHeaders,
        fc.string({ maxLength: 30 }),
        async (route, body, contentType, headers, parameter) => {
          const url = pathWith(route.url, parameter);
          const response = await api.app.inject({
            method: route.method as 'GET',
            url,
            payload: body,
            headers: headerSafe({ ...headers, 'content-type': contentType }),
          });
          expectCodedAnswer(response, `${route.method} ${route.url} ${contentType} ${body.length}B`);
        },
      ),
      settings(1),
    );
  });

  it('answers garbage query strings on the GET routes with a coded 4xx (or a 2xx)', async () => {
    const routes = api.app.registeredRoutes.filter((route) => route.method === 'GET');
    const queryPart = fc.tuple(
      fc.constantFrom('limit', 'afterSeq', 'reservationId', 'limit[]', '__proto__', 'x'),
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('-1', '0', '1e3', '1001', '99999999999999999999'),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.array(queryPart, { maxLength: 4 }),
        async (route, parts) => {
          const query = parts.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
          const response = await api.app.inject({
            method: 'GET',
            url: `${pathWith(route.url, 'r')}?${query}`,
            headers: { authorization: `Bearer ${adminToken}` },
          });
          expectCodedAnswer(response, `GET ${route.url}?${query}`);
        },
      ),
      settings(2),
    );
  });
});

describe('phone routes, near-valid requests', () => {
  it('refuses a create body with one field broken, on a fresh challenge, with a coded 4xx', async () => {
    const template = await reservationBody(api, api.pki.other, 'A'.repeat(43));
    await fc.assert(
      fc.asyncProperty(mutatedBody(template), async (body) => {
        const nonce = await phoneChallenge(api);
        // The mutation may have replaced the nonce; where it did not, use the fresh one.
        const withNonce =
          body && typeof body === 'object' && (body as { nonce?: unknown }).nonce === template.nonce
            ? { ...(body as object), nonce }
            : body;
        const response = await api.app.inject({
          method: 'POST',
          url: API_PATHS.reservations,
          payload: jsonBytes(withNonce),
          headers: { 'content-type': 'application/json' },
        });
        const code = expectCodedAnswer(response, 'POST /v1/reservations');
        // One field broken can never yield a reservation.
        expect(code).toBeDefined();
      }),
      settings(3),
    );
  });

  it('answers status and cancel with odd ids and tokens with a coded 4xx, never another reservation', async () => {
    const ids = fc.oneof(fc.constant(reservation.reservationId), fc.string({ maxLength: 70 }));
    const tokens = fc.oneof(
      fc.constant(`Bearer ${reservation.reservationToken}x`),
      fc.string({ maxLength: 70 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 70 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'DELETE'), ids, tokens, async (method, id, authorization) => {
        const response = await api.app.inject({
          method: method as 'GET',
          url: pathWith(API_PATHS.reservation, id),
          headers: headerSafe({ authorization }),
        });
        expect(expectCodedAnswer(response, `${method} reservation`)).toBeDefined();
      }),
      settings(4),
    );
    const status = await api.app.inject({
      method: 'GET',
      url: pathWith(API_PATHS.reservation, reservation.reservationId),
      headers: { authorization: `Bearer ${reservation.reservationToken}` },
    });
    expect(status.json()).toMatchObject({ status: 'active' });
  });
});

describe('kiosk routes, signed by a registered kiosk', () => {
  const samples = (): Record<string, unknown> => ({
    [API_PATHS.kioskChallenge]: {},
    [API_PATHS.kioskClaim]: {
      lookupId: 'lk_AAAAAAAAAAAA',
      pinFile: 0x1b,
      cardChallenge: randomBytes(8).toString('base64'),
    },
    [API_PATHS.kioskComplete]: { claimId: 'cl_AAAAAAAAAAAA' },
    [API_PATHS.kioskRelease]: { claimId: 'cl_AAAAAAAAAAAA', reason: 'card-removed' },
    [API_PATHS.kioskHeartbeat]: {
      state: 'idle',
      reader: 'ready',
      cardPresent: false,
      version: '0.1.0',
      clock: api.clock.now(),
      counters: { sessions: 1 },
      alerts: ['none'],
    },
    [API_PATHS.kioskEvents]: {
      events: [
        { id: 'evt-00000001', type: 'session.started', at: api.clock.now(), data: { step: 'x', ms: 12 } },
      ],
    },
  });

  it('answers a correctly signed body with one field broken with a coded 4xx (or a 2xx)', async () => {
    const entries = Object.entries(samples());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...entries).chain(([path, body]) => fc.tuple(fc.constant(path), mutatedBody(body))),
        async ([path, body]) => {
          const response = await signedKioskPost(path, jsonBytes(body));
          expectCodedAnswer(response, `POST ${path}`);
        },
      ),
      settings(5),
    );
  });

  it('answers every number of every kiosk body at the edges of JSON, IEEE 754, SQLite and Date with a 2xx or a coded 4xx', async () => {
    // Exhaustive, not sampled: each numeric field of each sample body, with each edge value.
    for (const [path, body] of Object.entries(samples())) {
      for (const numberPath of numberPathsOf(body)) {
        for (const edge of EDGE_NUMBERS) {
          const response = await signedKioskPost(path, jsonBytes(withValueAt(body, numberPath, edge)));
          expectCodedAnswer(response, `POST ${path} ${numberPath.join('.')}=${edge}`);
        }
      }
    }
  });

  it('answers a correctly signed lookup with one field broken, on a fresh challenge, with a coded 4xx', async () => {
    const template = lookupBody(api.pki.healthy, 'B'.repeat(43));
    await fc.assert(
      fc.asyncProperty(mutatedBody(template), async (body) => {
        const nonce = await kioskNonce();
        const withNonce =
          body && typeof body === 'object' && (body as { nonce?: unknown }).nonce === template.nonce
            ? { ...(body as object), nonce }
            : body;
        const response = await signedKioskPost(API_PATHS.kioskLookup, jsonBytes(withNonce));
        expect(expectCodedAnswer(response, 'POST lookup')).toBeDefined();
      }),
      settings(6),
    );
  });

  it('answers correctly signed garbage (any bytes, any JSON) with a coded 4xx (or a 2xx)', async () => {
    const kioskPaths = Object.keys(samples());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...kioskPaths),
        fc.oneof(rawBodies, oddJson.map(jsonBytes)),
        async (path, body) => {
          const response = await signedKioskPost(path, body);
          expectCodedAnswer(response, `POST ${path} ${body.length}B`);
        },
      ),
      settings(7),
    );
  });
});

describe('operator routes, as an admin', () => {
  it('answers a register body with one field broken and odd kiosk ids with a coded 4xx (or a 2xx)', async () => {
    const template = { chain: 'lawson', storeId: '0042', publicKey: randomBytes(32).toString('base64') };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutatedBody(template).map((body) => ({ url: API_PATHS.opsKiosks, body })),
          fc.tuple(fc.string({ maxLength: 80 }), mutatedBody({})).map(([id, body]) => ({
            url: pathWith(API_PATHS.opsKioskRevoke, id),
            body,
          })),
        ),
        async ({ url, body }) => {
          const response = await api.app.inject({
            method: 'POST',
            url,
            payload: jsonBytes(body),
            headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
          });
          expectCodedAnswer(response, `POST ${url}`);
        },
      ),
      settings(8),
    );
  });
});
