import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { UiEvent as SessionUiEvent } from '../../state-machines/session/session-events';
import type { UiEvent } from './ui-events';
import { type UiServer, type ViewModelSource, createUiServer } from './ui-server';

interface TestViewModel {
  screen: string;
  n: number;
}

/** A tiny in-test view-model source standing in for the session machine. */
function testSource(initial: TestViewModel): ViewModelSource<TestViewModel> & {
  push(vm: TestViewModel): void;
  listeners: number;
} {
  let current = initial;
  const listeners = new Set<(vm: TestViewModel) => void>();
  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    push(vm) {
      current = vm;
      for (const listener of listeners) listener(vm);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

let server: UiServer;
let cookie: string;
const source = testSource({ screen: 'idle', n: 0 });
const received: UiEvent[] = [];
const logLines: string[] = [];
const logger = pino(
  { level: 'trace' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString());
      done();
    },
  }),
);

beforeAll(async () => {
  server = await createUiServer({
    host: '127.0.0.1',
    port: 0,
    viewModels: source,
    onEvent: (event) => received.push(event),
    logger,
  });
  const launch = await fetch(server.url, { redirect: 'manual' });
  cookie = (launch.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});

afterAll(async () => {
  await server.close();
});

const at = (path: string): string => `${server.origin}${path}`;

function postEvent(body: string, contentType = 'application/json'): Promise<Response> {
  return fetch(at('/events'), { method: 'POST', headers: { cookie, 'content-type': contentType }, body });
}

/** Reads SSE `data:` payloads from an open stream until `count` have arrived. */
async function readEvents(body: ReadableStream<Uint8Array>, count: number): Promise<unknown[]> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const events: unknown[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').find((line) => line.startsWith('data: '));
      if (data) events.push(JSON.parse(data.slice('data: '.length)));
    }
  }
  reader.releaseLock();
  return events;
}

describe('launch secret', () => {
  it('is a long random value in the launch URL, on loopback', () => {
    const url = new URL(server.url);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.searchParams.get('k')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is traded for an HttpOnly, SameSite=Strict cookie and a redirect that drops it from the address', async () => {
    const launch = await fetch(server.url, { redirect: 'manual' });
    expect(launch.status).toBe(303);
    expect(launch.headers.get('location')).toBe('/');
    const setCookie = launch.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toContain(new URL(server.url).searchParams.get('k'));
  });

  it.each(['/', '/app.js', '/styles.css', '/messages.json', '/view-model/stream'])(
    'GET %s without the secret → 401 and no data',
    async (path) => {
      const response = await fetch(at(path));
      expect(response.status).toBe(401);
      expect(await response.text()).not.toContain('idle');
    },
  );

  it('refuses a wrong secret, in the launch URL or the cookie', async () => {
    expect((await fetch(at('/?k=wrong'), { redirect: 'manual' })).status).toBe(401);
    const name = cookie.split('=')[0];
    expect((await fetch(at('/messages.json'), { headers: { cookie: `${name}=wrong` } })).status).toBe(401);
  });

  it('refuses POST /events without the secret, and does not forward the event', async () => {
    const before = received.length;
    const response = await fetch(at('/events'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'pin.key', key: '1' }),
    });
    expect(response.status).toBe(401);
    expect(received.length).toBe(before);
  });

  it('refuses a request whose Host is not the loopback address (DNS rebinding)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const url = new URL(at('/'));
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: '/',
          headers: { host: `evil.example:${url.port}`, cookie },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});

describe('pages and headers', () => {
  it('serves the page with a restrictive CSP and no caching', async () => {
    const response = await fetch(at('/'), { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<script src="/app.js"');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('serves the bundled renderer as JavaScript', async () => {
    const response = await fetch(at('/app.js'), { headers: { cookie } });
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('serves every message catalogue, Japanese first', async () => {
    const catalogues = (await (await fetch(at('/messages.json'), { headers: { cookie } })).json()) as object;
    expect(Object.keys(catalogues)[0]).toBe('ja');
    expect(Object.keys(catalogues)).toContain('en');
  });
});

describe('view-model stream', () => {
  it('sends the whole view model on connect and again on every change', async () => {
    const controller = new AbortController();
    const response = await fetch(at('/view-model/stream'), {
      headers: { cookie },
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const body = response.body;
    if (!body) throw new Error('no body');
    expect(await readEvents(body, 1)).toEqual([{ screen: 'idle', n: 0 }]);
    source.push({ screen: 'place-card', n: 1 });
    source.push({ screen: 'reading', n: 2 });
    expect(await readEvents(body, 2)).toEqual([
      { screen: 'place-card', n: 1 },
      { screen: 'reading', n: 2 },
    ]);
    controller.abort();
  });
});

describe('POST /events', () => {
  it("admits exactly the session machine's UI events (checked by tsc)", () => {
    expectTypeOf<UiEvent>().toExtend<SessionUiEvent>();
    expectTypeOf<UiEvent['type']>().toEqualTypeOf<SessionUiEvent['type']>();
  });

  it.each<UiEvent>([
    { type: 'pin.key', key: '7' },
    { type: 'pin.key', key: 'Q' },
    { type: 'pin.backspace' },
    { type: 'pin.clear' },
    { type: 'pin.submit' },
    { type: 'session.start' },
    { type: 'procedure.select', procedure: 'signature-pin' },
    { type: 'procedure.select', procedure: 'auth-pin' },
    { type: 'consent.accept' },
    { type: 'session.cancel' },
    { type: 'session.continue' },
    { type: 'language.select', language: 'en' },
  ])('forwards %j', async (event) => {
    const response = await postEvent(JSON.stringify(event));
    expect(response.status).toBe(204);
    expect(received.at(-1)).toEqual(event);
  });

  it.each([
    ['a whole PIN in a key event', { type: 'pin.key', key: 'ABC123' }],
    ['two digits', { type: 'pin.key', key: '12' }],
    ['a lowercase letter', { type: 'pin.key', key: 'a' }],
    ['a symbol', { type: 'pin.key', key: '*' }],
    ['an empty key', { type: 'pin.key', key: '' }],
    ['a number instead of a character', { type: 'pin.key', key: 1 }],
    ['a PIN smuggled in an extra field', { type: 'pin.submit', pin: '1234' }],
    ['an unknown event', { type: 'reset.card' }],
    ['an unknown procedure', { type: 'procedure.select', procedure: 'change-name' }],
    ['no type', { key: '1' }],
    ['an array', [{ type: 'pin.key', key: '1' }]],
  ])('refuses %s with 400 and forwards nothing', async (_name, body) => {
    const before = received.length;
    const response = await postEvent(JSON.stringify(body));
    expect(response.status).toBe(400);
    expect(received.length).toBe(before);
  });

  it('refuses bodies that are not JSON or far larger than an event', async () => {
    expect((await postEvent('type=pin.key&key=1', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await postEvent('{"type":"pin.key","key":"1"}', 'text/plain')).status).toBe(415);
    expect((await postEvent(JSON.stringify({ type: 'pin.submit', pad: 'x'.repeat(1000) }))).status).toBe(413);
  });

  it('never logs key presses, refused payloads or the secret', async () => {
    await postEvent(JSON.stringify({ type: 'pin.key', key: 'Z' }));
    await postEvent(JSON.stringify({ type: 'pin.key', key: 'HUNTER2PIN' }));
    const log = logLines.join('');
    expect(log).toContain('refused a UI event');
    expect(log).not.toContain('HUNTER2PIN');
    expect(log).not.toContain('pin.key');
    expect(log).not.toContain('"Z"');
    expect(log).not.toContain(new URL(server.url).searchParams.get('k'));
    expect(log).not.toContain(cookie);
  });
});

describe('close', () => {
  it('ends open streams, unsubscribes and stops listening', async () => {
    const other = testSource({ screen: 'idle', n: 0 });
    const temporary = await createUiServer({
      host: '127.0.0.1',
      port: 0,
      viewModels: other,
      onEvent: () => {},
    });
    const launch = await fetch(temporary.url, { redirect: 'manual' });
    const tempCookie = (launch.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const stream = await fetch(`${temporary.origin}/view-model/stream`, { headers: { cookie: tempCookie } });
    const body = stream.body;
    if (!body) throw new Error('no body');
    await readEvents(body, 1);
    expect(other.listeners).toBe(1);
    await temporary.close();
    const reader = body.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
    expect(other.listeners).toBe(0);
    await expect(fetch(`${temporary.origin}/`)).rejects.toThrow();
  });
});
