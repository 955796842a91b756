import { request as httpRequest } from 'node:http';
import axios from 'axios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PATHS, isApiErrorCode } from '../../reservation-api/contract';
import { type ApiHarness, startApiHarness } from './support/api-harness';

/**
 * The contract as seen on the wire of a real server: the OpenAPI document is served and lists the
 * routes; every route answers garbage with a 4xx and an error code, never a 5xx; the probes work.
 */

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => api.close());

const http = () => axios.create({ baseURL: api.baseUrl, validateStatus: () => true });

/** Raw bytes over a socket, content-length as given (axios would fix it up). */
function raw(method: string, path: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    // A connection of its own: a malformed request must not poison a pooled keep-alive socket.
    const request = httpRequest(`${api.baseUrl}${path}`, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('over HTTP', () => {
  it('serves the OpenAPI document with every route of the contract', async () => {
    const response = await http().get(API_PATHS.openapi);
    expect(response.status).toBe(200);
    const paths = Object.keys((response.data as { paths: Record<string, unknown> }).paths);
    const expected = Object.entries(API_PATHS)
      .filter(([name]) => name !== 'openapi')
      .map(([, path]) => path.replace(/:([A-Za-z]+)/g, '{$1}'));
    expect(paths.sort()).toEqual([...new Set(expected)].sort());
  });

  it('answers garbage on every route with a 4xx and an error code', async () => {
    const bodies: [Buffer, string][] = [
      [Buffer.from('{"broken'), 'application/json'],
      [Buffer.from('<xml/>'), 'application/xml'],
      [Buffer.from('[]'), 'application/json'],
      [Buffer.alloc(3 * 1024 * 1024, 0x61), 'application/json'],
    ];
    for (const route of api.app.registeredRoutes) {
      if (route.method !== 'POST') continue;
      const path = route.url.replace(':kioskId', 'some-kiosk');
      for (const [body, contentType] of bodies) {
        const response = await raw('POST', path, body, {
          'content-type': contentType,
          'content-length': String(body.length),
        });
        const context = `POST ${path} ${contentType} ${body.length}`;
        expect(response.status, context).toBeGreaterThanOrEqual(400);
        expect(response.status, context).toBeLessThan(500);
        expect(isApiErrorCode((JSON.parse(response.body) as { code: unknown }).code), context).toBe(true);
      }
    }
  });

  it('refuses a lying content-length without a 5xx', async () => {
    const response = await raw('POST', API_PATHS.phoneChallenge, Buffer.from('{}'), {
      'content-type': 'application/json',
      'content-length': '1',
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('answers the probes', async () => {
    expect((await http().get('/healthz')).data).toEqual({ status: 'ok' });
    expect((await http().get('/readyz')).data).toEqual({ status: 'ready' });
    const metrics = await http().get('/metrics');
    expect(metrics.data).toContain('# TYPE http_request_duration_seconds histogram');
  });
});
