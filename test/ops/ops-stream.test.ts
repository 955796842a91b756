import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOps } from '../../reservation-api/admin/ops-commands';
import {
  API_PATHS,
  type FleetAlert,
  type FleetKiosk,
  type StreamSession,
} from '../../reservation-api/contract';
import { addKiosk, addOperator } from '../../reservation-api/testing/test-api';
import { heartbeat, type OpsTestApi, opsTestApi, sendEvents, sessionEnded } from './support/ops-harness';
import { SseClient } from './support/sse-client';

/** The live stream over a real loopback socket, with fetch as the client (as a browser's EventSource would). */

let api: OpsTestApi;
let base: string;
const clients: SseClient[] = [];

beforeEach(async () => {
  api = await opsTestApi();
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await api.close();
});

async function login(role: 'admin' | 'viewer'): Promise<{ name: string; cookie: string }> {
  const name = `${role}-op`;
  const token = await addOperator(api, role, name);
  const response = await fetch(`${base}${API_PATHS.opsSession}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ops-request': '1' },
    body: JSON.stringify({ name, token }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie()[0]?.split(';')[0] ?? '';
  return { name, cookie };
}

async function openStream(headers: Record<string, string>): Promise<SseClient> {
  const client = await SseClient.open(`${base}${API_PATHS.opsStream}`, {
    accept: 'text/event-stream',
    ...headers,
  });
  clients.push(client);
  return client;
}

const parsed = <T>(message: { data: string }): T => JSON.parse(message.data) as T;

describe('GET /v1/ops/stream (Server-Sent Events on loopback)', () => {
  it('greets a logged-in operator, then pushes kiosk, alert, session and stats changes and pings', async () => {
    const { name, cookie } = await login('viewer');
    const stream = await openStream({ cookie });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-store');
    const hello = await stream.next((m) => m.event === 'hello');
    expect(parsed(hello)).toEqual({ name, role: 'viewer', serverTime: api.clock.now() });

    const kiosk = await addKiosk(api);
    await heartbeat(api, kiosk, { reader: 'unavailable' });
    const kioskMessage = await stream.next((m) => m.event === 'kiosk');
    expect(parsed<FleetKiosk>(kioskMessage)).toMatchObject({
      kioskId: kiosk.kioskId,
      status: 'online',
      reader: 'unavailable',
      alerts: ['reader-unavailable'],
    });
    const alert = await stream.next((m) => m.event === 'alert');
    expect(parsed<FleetAlert>(alert)).toMatchObject({ kind: 'reader-unavailable', kioskId: kiosk.kioskId });

    await sendEvents(api, kiosk, [sessionEnded(api, 'completed')]);
    const session = await stream.next((m) => m.event === 'session');
    expect(parsed<StreamSession>(session)).toEqual({
      kioskId: kiosk.kioskId,
      at: api.clock.now(),
      outcome: 'completed',
      cause: 'none',
    });

    await api.tick();
    const stats = await stream.next((m) => m.event === 'stats');
    expect(parsed(stats)).toMatchObject({ kiosks: { online: 1 }, openAlerts: 1 });

    api.app.ops.stream.ping();
    expect(await stream.next((m) => m.event === 'comment')).toEqual({ event: 'comment', data: 'ping' });
    expect(stream.done).toBe(false);
  });

  it('accepts the bearer token too', async () => {
    const token = await addOperator(api, 'admin', 'cli');
    const stream = await openStream({ authorization: `Bearer ${token}` });
    expect(parsed(await stream.next((m) => m.event === 'hello'))).toMatchObject({
      name: 'cli',
      role: 'admin',
    });
  });

  it('ends the stream when its operator logs out', async () => {
    const { cookie } = await login('viewer');
    const stream = await openStream({ cookie });
    await stream.next((m) => m.event === 'hello');
    const other = await openStream({ authorization: `Bearer ${await addOperator(api, 'viewer', 'cli')}` });
    await other.next((m) => m.event === 'hello');

    const logout = await fetch(`${base}${API_PATHS.opsSession}`, {
      method: 'DELETE',
      headers: { cookie, 'x-ops-request': '1' },
    });
    expect(logout.status).toBe(200);
    await stream.untilEnded();
    expect(other.done).toBe(false);
    expect(api.app.ops.stream.size).toBe(2); // the other client and the harness's recorder
  });

  it('ends the stream of a revoked operator on the next tick', async () => {
    const { name, cookie } = await login('viewer');
    const stream = await openStream({ cookie });
    await stream.next((m) => m.event === 'hello');
    await api.store.ops.revokeOperator({ name, actor: 'test', now: api.clock.now() });
    await api.tick();
    await stream.untilEnded();
  });

  it('ends the bearer and login streams of an operator revoked by the CLI (another connection) at the next ping', async () => {
    const { name, cookie } = await login('viewer');
    const token = await addOperator(api, 'admin', 'to-revoke');
    const byToken = await openStream({ authorization: `Bearer ${token}` });
    const byLogin = await openStream({ cookie });
    const other = await openStream({ authorization: `Bearer ${await addOperator(api, 'viewer', 'cli')}` });
    for (const stream of [byToken, byLogin, other]) await stream.next((m) => m.event === 'hello');

    // A ping before the revocation keeps every stream open.
    api.app.ops.stream.ping();
    await api.app.ops.stream.recheckCredentials();
    expect(api.app.ops.stream.size).toBe(4); // three clients and the harness's recorder

    // The CLI writes the API's database file through its own connection: the API is not told.
    const io = {
      lines: [] as string[],
      out: (l: string) => io.lines.push(l),
      err: (l: string) => io.lines.push(l),
    };
    const database = api.store.database.name;
    expect(await runOps(['operator', 'revoke', '--name', 'to-revoke', '--database', database], io)).toBe(0);
    expect(await runOps(['operator', 'revoke', '--name', name, '--database', database], io)).toBe(0);
    expect(api.app.ops.stream.size).toBe(4);

    api.app.ops.stream.ping();
    await byToken.untilEnded();
    await byLogin.untilEnded();
    await api.app.ops.stream.recheckCredentials();
    expect(other.done).toBe(false);
    expect(api.app.ops.stream.size).toBe(2); // the other operator's stream and the recorder
  });

  it('ends the stream on the first tick after its login went idle', async () => {
    const { cookie } = await login('viewer');
    const stream = await openStream({ cookie });
    await stream.next((m) => m.event === 'hello');
    api.clock.advance(29 * 60_000);
    await api.tick();
    expect(stream.done).toBe(false);
    api.clock.advance(60_000);
    await api.tick();
    await stream.untilEnded();
  });

  it('refuses without a login (401 with code) and without Accept: text/event-stream (406)', async () => {
    const anonymous = await fetch(`${base}${API_PATHS.opsStream}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: 'OPERATOR_UNAUTHENTICATED' });

    const { cookie } = await login('viewer');
    const response = await fetch(`${base}${API_PATHS.opsStream}`, { headers: { cookie } });
    expect(response.status).toBe(406);
    expect(await response.json()).toMatchObject({ code: 'NOT_ACCEPTABLE' });
  });

  it('lets the server close while streams are open', async () => {
    const { cookie } = await login('viewer');
    const stream = await openStream({ cookie });
    await stream.next((m) => m.event === 'hello');
    await api.app.close();
    await stream.untilEnded();
  });
});
