import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulationAction, SimulationControls, SimulationOutcome } from './simulation-actions';
import { type UiServer, createUiServer } from './ui-server';

/** A stand-in for the simulated kiosk: records actions, pushes states. */
function fakeControls(): SimulationControls<{ n: number }> & {
  actions: SimulationAction[];
  push(n: number): void;
} {
  let state = { n: 0 };
  const listeners = new Set<(state: { n: number }) => void>();
  const actions: SimulationAction[] = [];
  return {
    actions,
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async perform(action): Promise<SimulationOutcome> {
      actions.push(action);
      return { ok: true, message: `did ${action.type}` };
    },
    push(n) {
      state = { n };
      for (const listener of listeners) listener(state);
    },
  };
}

const viewModels = { current: () => ({ screen: 'idle' }), subscribe: () => () => undefined };

async function launchCookie(url: string): Promise<string> {
  const launch = await fetch(url, { redirect: 'manual' });
  return (launch.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

const PANEL_ROUTES = ['/simulation', '/simulation.js', '/simulation.css', '/simulation/stream'];

describe('without simulation controls (a real kiosk)', () => {
  let server: UiServer;
  let cookie: string;
  beforeAll(async () => {
    server = await createUiServer({ host: '127.0.0.1', port: 0, viewModels, onEvent: () => undefined });
    cookie = await launchCookie(server.url);
  });
  afterAll(() => server.close());

  it('has no panel URL and no panel route, even with the launch cookie', async () => {
    expect(server.simulationUrl).toBeUndefined();
    for (const path of PANEL_ROUTES) {
      expect((await fetch(`${server.origin}${path}`, { headers: { cookie } })).status, path).toBe(404);
    }
    const action = await fetch(`${server.origin}/simulation/actions`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'card.insert' }),
    });
    expect(action.status).toBe(404);
  });

  it('does not trade the secret at /simulation', async () => {
    const secret = new URL(server.url).searchParams.get('k') ?? '';
    const response = await fetch(`${server.origin}/simulation?k=${secret}`, { redirect: 'manual' });
    // Not a launch path here: the request needs the cookie like any other, and gets none.
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});

describe('with simulation controls (npm start)', () => {
  let server: UiServer;
  let cookie: string;
  const controls = fakeControls();
  beforeAll(async () => {
    server = await createUiServer({
      host: '127.0.0.1',
      port: 0,
      viewModels,
      onEvent: () => undefined,
      simulation: controls,
    });
    cookie = await launchCookie(server.url);
  });
  afterAll(() => server.close());

  const post = (body: string, contentType = 'application/json', withCookie = cookie) =>
    fetch(`${server.origin}/simulation/actions`, {
      method: 'POST',
      headers: { cookie: withCookie, 'content-type': contentType },
      body,
    });

  it('refuses every panel route without the launch secret', async () => {
    for (const path of PANEL_ROUTES) expect((await fetch(`${server.origin}${path}`)).status, path).toBe(401);
    expect((await post(JSON.stringify({ type: 'card.insert' }), 'application/json', '')).status).toBe(401);
    expect(controls.actions).toEqual([]);
  });

  it('trades the secret at its own launch URL for the same cookie, and refuses a wrong one', async () => {
    expect(server.simulationUrl).toBe(
      `${server.origin}/simulation?k=${new URL(server.url).searchParams.get('k')}`,
    );
    const launch = await fetch(server.simulationUrl ?? '', { redirect: 'manual' });
    expect(launch.status).toBe(303);
    expect(launch.headers.get('location')).toBe('/simulation');
    expect(launch.headers.get('set-cookie')).toContain('HttpOnly; SameSite=Strict');
    expect((await fetch(`${server.origin}/simulation?k=guess`, { redirect: 'manual' })).status).toBe(401);
  });

  it('serves the page and its script under the same CSP as the kiosk', async () => {
    const page = await fetch(`${server.origin}/simulation`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/simulation.js');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const script = await fetch(`${server.origin}/simulation.js`, { headers: { cookie } });
    expect(script.headers.get('content-type')).toContain('text/javascript');
  });

  it('streams the state on connect and on change', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.origin}/simulation/stream`, {
      headers: { cookie },
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value);
    };
    await until('data: {"n":0}');
    controls.push(7);
    await until('data: {"n":7}');
    controller.abort();
  });

  it('performs a valid action and answers its outcome', async () => {
    const response = await post(JSON.stringify({ type: 'clock.set', japanTime: '23:30' }));
    expect(await response.json()).toEqual({ ok: true, message: 'did clock.set' });
    expect(controls.actions.at(-1)).toEqual({ type: 'clock.set', japanTime: '23:30' });
  });

  it.each([
    ['a PIN riding along', { type: 'phone.reserve', procedure: 'signature-pin', pin: '1234' }],
    ['an unknown action', { type: 'card.flip' }],
    ['an unknown procedure', { type: 'phone.reserve', procedure: 'both' }],
    ['a persona that is not a name', { type: 'persona.select', persona: '../../etc/passwd' }],
    ['a time that is not a time of day', { type: 'clock.set', japanTime: '24:00' }],
  ])('refuses %s (400) and performs nothing', async (_name, body) => {
    const before = controls.actions.length;
    expect((await post(JSON.stringify(body))).status).toBe(400);
    expect(controls.actions).toHaveLength(before);
  });

  it('refuses text/plain (what a cross-site form could send)', async () => {
    expect((await post(JSON.stringify({ type: 'card.insert' }), 'text/plain')).status).toBe(415);
  });
});
