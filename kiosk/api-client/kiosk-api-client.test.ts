import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { contentDigest } from '../../reservation-api/contract';
import { KioskApiClient } from './kiosk-api-client';
import { KioskApiError } from './kiosk-api-error';

/** The client against a stand-in server: what it sends, and how every kind of failure is typed. */

const { privateKey } = generateKeyPairSync('ed25519');
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: (request: IncomingMessage, body: Buffer, response: ServerResponse) => void) {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks), response));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

function client(baseUrl: string, timeoutMs = 2_000) {
  return new KioskApiClient({
    baseUrl,
    kioskId: 'kiosk-under-test',
    privateKey,
    now: () => 1_800_000_000_000,
    timeoutMs,
  });
}

async function failure(promise: Promise<unknown>): Promise<KioskApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof KioskApiError) return error;
    throw error;
  }
  throw new Error('expected a KioskApiError');
}

const json = (response: ServerResponse, status: number, body: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
};

describe('KioskApiClient', () => {
  it('POSTs the JSON body signed per RFC 9421 with its Content-Digest, and returns the checked answer', async () => {
    let seen: { headers: IncomingMessage['headers']; body: Buffer; url?: string } | undefined;
    const url = await serve((request, body, response) => {
      seen = { headers: request.headers, body, url: request.url };
      json(response, 200, { nonce: 'n'.repeat(43), expiresAt: 1 });
    });
    expect(await client(url).challenge()).toEqual({ nonce: 'n'.repeat(43), expiresAt: 1 });
    expect(seen?.url).toBe('/v1/kiosk/challenge');
    expect(seen?.body.toString()).toBe('{}');
    expect(seen?.headers['content-digest']).toBe(contentDigest('{}'));
    expect(seen?.headers['signature-input']).toMatch(
      /^kiosk=\("@method" "@path" "content-digest"\);created=1800000000;keyid="kiosk-under-test";alg="ed25519";nonce="[A-Za-z0-9_-]{22}"$/,
    );
    expect(seen?.headers['signature']).toMatch(/^kiosk=:[A-Za-z0-9+/]{86}==:$/);
  });

  it('types an API refusal with its code and status; only 5xx and rate limits are retriable', async () => {
    let status = 409;
    const url = await serve((_request, _body, response) =>
      json(response, status, {
        code: status === 409 ? 'RESERVATION_IN_USE' : 'SERVICE_UNAVAILABLE',
        message: 'm',
      }),
    );
    const inUse = await failure(client(url).challenge());
    expect([inUse.code, inUse.status, inUse.retriable]).toEqual(['RESERVATION_IN_USE', 409, false]);
    status = 503;
    const unavailable = await failure(client(url).challenge());
    expect([unavailable.code, unavailable.retriable]).toEqual(['SERVICE_UNAVAILABLE', true]);
  });

  it('refuses answers that break the contract (BAD_RESPONSE)', async () => {
    let mode: 'wrong-shape' | 'html-error' = 'wrong-shape';
    const url = await serve((_request, _body, response) => {
      if (mode === 'wrong-shape') json(response, 200, { nonce: 42 });
      else {
        response.writeHead(502, { 'content-type': 'text/html' });
        response.end('<h1>Bad gateway</h1>');
      }
    });
    expect((await failure(client(url).challenge())).code).toBe('BAD_RESPONSE');
    mode = 'html-error';
    const gateway = await failure(client(url).challenge());
    expect([gateway.code, gateway.status, gateway.retriable]).toEqual(['BAD_RESPONSE', 502, true]);
  });

  it('reports an unreachable API as NETWORK_ERROR (retriable)', async () => {
    const url = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await failure(client(url).challenge());
    expect([error.code, error.retriable]).toEqual(['NETWORK_ERROR', true]);
  });

  it('gives up at its deadline (TIMEOUT) and when aborted (ABORTED)', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    expect((await failure(client(url, 50).challenge())).code).toBe('TIMEOUT');
    const controller = new AbortController();
    const pending = client(url).challenge({ signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).code).toBe('ABORTED');
  });
});
