import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApi, testApi } from '../testing/test-api';

/**
 * Slow clients (issue 12, part 4): a connection whose headers or body never finish, or that idles
 * after a request, is closed; one client IP holds at most `maxConnectionsPerClient` connections.
 * Short timeouts here so the test is fast; the defaults are in policy.ts.
 */

const HEADERS_MS = 300;
const REQUEST_MS = 600;
const KEEP_ALIVE_MS = 300;
const CHECK_MS = 100;
const CAP = 4;
/** Longest a connection may outlive its timeout here (checking interval + slack for a busy box). */
const SLACK_MS = 1_500;

let api: TestApi;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  api = await testApi({
    policy: {
      httpHeadersTimeoutMs: HEADERS_MS,
      httpRequestTimeoutMs: REQUEST_MS,
      httpKeepAliveTimeoutMs: KEEP_ALIVE_MS,
      httpTimeoutCheckMs: CHECK_MS,
      maxConnectionsPerClient: CAP,
    },
  });
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const address = api.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  port = address.port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await api.close();
});

/** A raw connection; resolves once connected. */
async function open(): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => {});
  socket.setEncoding('latin1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Milliseconds until the server closes `socket` (rejects after `withinMs`), and what it sent. */
function closedWithin(socket: Socket, withinMs: number): Promise<{ afterMs: number; received: string }> {
  const started = Date.now();
  let received = '';
  socket.on('data', (chunk: string) => (received += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still open after ${withinMs} ms`)), withinMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ afterMs: Date.now() - started, received });
    });
  });
}

describe('slow clients', () => {
  it('closes a connection whose headers never finish', async () => {
    const socket = await open();
    socket.write('POST /v1/phone/challenge HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\n');
    const closed = await closedWithin(socket, HEADERS_MS + SLACK_MS);
    expect(closed.afterMs).toBeGreaterThanOrEqual(HEADERS_MS - CHECK_MS);
  });

  it('closes a connection that sends nothing at all', async () => {
    const socket = await open();
    await closedWithin(socket, HEADERS_MS + SLACK_MS);
  });

  it('closes a connection whose body never finishes', async () => {
    const socket = await open();
    socket.write(
      'POST /v1/phone/challenge HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    // Trickle a byte now and then: activity must not keep the request alive past its deadline.
    const trickle = setInterval(() => socket.write(' '), 100);
    try {
      await closedWithin(socket, REQUEST_MS + SLACK_MS);
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a kept-alive connection idle after its request', async () => {
    const socket = await open();
    const closed = closedWithin(socket, KEEP_ALIVE_MS + SLACK_MS);
    socket.write(
      'POST /v1/phone/challenge HTTP/1.1\r\nHost: api.test\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}',
    );
    const { received } = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 200/);
  });

  it(`holds at most ${CAP} connections per client IP`, async () => {
    const held = await Promise.all(Array.from({ length: CAP }, open));
    for (const socket of held) socket.write('GET /healthz HTTP/1.1\r\n'); // unfinished: kept open for now
    const extra = await open();
    const refused = await closedWithin(extra, 500);
    expect(refused.received).toBe('');
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Once they are gone, the client is served again.
    const again = await open();
    const answered = closedWithin(again, 2_000);
    again.write('GET /healthz HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n');
    expect((await answered).received).toMatch(/^HTTP\/1\.1 200/);
  });
});
