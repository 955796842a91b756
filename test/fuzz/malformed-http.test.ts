import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '../../reservation-api/contract';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';

/**
 * HTTP that never reaches a route — refused by Node's parser or by Fastify's URL decoding — still
 * gets `{code, message}` from the real API (build() installs the two handlers of error-handler.ts as
 * Fastify's `clientErrorHandler` and `frameworkErrors`). Over a real socket: `inject` cannot send
 * bytes Node's parser refuses.
 */

let api: ApiHarness;
let port: number;

beforeAll(async () => {
  api = await startApiHarness();
  port = Number(new URL(api.baseUrl).port);
});
afterAll(async () => api?.close());

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
function exchange(raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(raw));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const MALFORMED: [string, string][] = [
  ['a control byte in a header value', 'GET /v1/reservations/x HTTP/1.1\r\nHost: a\r\nX-A: a\x01b\r\n\r\n'],
  ['a garbage request line', 'GARBAGE\r\n\r\n'],
  [
    'Content-Length beside Transfer-Encoding',
    'POST /v1/phone/challenge HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n',
  ],
  [
    'a Content-Length that is not a number',
    'POST /v1/phone/challenge HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n{}',
  ],
  [
    'headers over the size limit',
    `GET /v1/reservations/x HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`,
  ],
  ['a path that is not valid percent-encoding', 'GET /v1/reservations/%E0%A4%A HTTP/1.1\r\nHost: a\r\n\r\n'],
];

describe('malformed HTTP', () => {
  it.each(MALFORMED)('%s: 400 with {code, message}', async (_name, raw) => {
    const answer = await exchange(raw);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as unknown;
    expect(body).toEqual({ code: 'VALIDATION_FAILED', message: API_ERRORS.VALIDATION_FAILED.message });
  });

  it('a well-formed request on the same server is unaffected', async () => {
    const answer = await exchange('GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});
