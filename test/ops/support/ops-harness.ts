import type { LightMyRequestResponse } from 'fastify';
import { Fid } from '../../../hardware/jpki/constants';
import {
  API_PATHS,
  type HeartbeatRequest,
  type KioskEvent,
  OPS_SESSION_COOKIE,
  type OpsStreamEvent,
} from '../../../reservation-api/contract';
import type { ApiPolicy } from '../../../reservation-api/server/policy';
import type { FixtureCard } from '../../../reservation-api/testing/fixture-pki';
import {
  addOperator,
  type AnyTestApi,
  kioskPost,
  lookupBody,
  reserve,
  type TestApi,
  testApi,
  type TestKiosk,
} from '../../../reservation-api/testing/test-api';

/**
 * An API for operator tests: no real timers (ticks by hand, on the test clock), a recorder of
 * everything the live stream publishes, and helpers for logins, heartbeats and kiosk events.
 */

export interface OpsTestApi extends TestApi {
  /** Everything published to the live stream so far. */
  published: OpsStreamEvent[];
  tick(): Promise<void>;
}

export async function opsTestApi(policy: Partial<ApiPolicy> = {}): Promise<OpsTestApi> {
  // Reader alerts open at once unless a test is about their grace period (fleet-alerts.test.ts).
  const api = await testApi({
    policy: { opsTickMs: 0, opsStreamPingMs: 0, alertReaderGraceMs: 0, ...policy },
  });
  const published: OpsStreamEvent[] = [];
  // A sink that parses what the stream writes back into events, as a browser would.
  api.app.ops.stream.add(
    {
      write: (chunk) => {
        const event = /^event: (\w+)\ndata: (.*)\n\n$/s.exec(chunk);
        if (event)
          published.push({ event: event[1], data: JSON.parse(event[2] ?? 'null') } as OpsStreamEvent);
      },
      bufferedBytes: () => 0,
      end: () => undefined,
    },
    { sessionHash: null, stillValid: async () => true },
    { event: 'hello', data: { name: 'recorder', role: 'viewer', serverTime: api.clock.now() } },
  );
  published.length = 0;
  return Object.assign(api, { published, tick: () => api.app.ops.tick() });
}

type StreamData<E extends OpsStreamEvent['event']> = Extract<OpsStreamEvent, { event: E }>['data'];

/** The events of one name published so far. */
export function publishedOf<E extends OpsStreamEvent['event']>(api: OpsTestApi, event: E): StreamData<E>[] {
  return api.published.filter((m) => m.event === event).map((m) => m.data as StreamData<E>);
}

export const SAME_ORIGIN = { 'x-ops-request': '1' };

/** Creates an operator and logs in; returns its name, token and the session cookie header. */
export async function loginAs(
  api: AnyTestApi,
  role: 'admin' | 'viewer',
): Promise<{ name: string; token: string; cookie: string; response: LightMyRequestResponse }> {
  const name = `${role}-${Math.random().toString(36).slice(2, 8)}`;
  const token = await addOperator(api, role, name);
  const response = await api.app.inject({
    method: 'POST',
    url: API_PATHS.opsSession,
    headers: SAME_ORIGIN,
    payload: { name, token },
  });
  const value = response.cookies.find((c) => c.name === OPS_SESSION_COOKIE)?.value ?? '';
  return { name, token, cookie: `${OPS_SESSION_COOKIE}=${value}`, response };
}

/** A GET as the operator behind `cookie`. */
export function opsGet(api: TestApi, url: string, cookie: string): Promise<LightMyRequestResponse> {
  return api.app.inject({ method: 'GET', url, headers: { cookie } });
}

export function healthyHeartbeat(
  api: AnyTestApi,
  overrides: Partial<HeartbeatRequest> = {},
): HeartbeatRequest {
  return {
    state: 'idle',
    reader: 'ready',
    cardPresent: false,
    version: '0.1.0',
    clock: api.clock.now(),
    counters: { outbox_pending: 0 },
    alerts: [],
    ...overrides,
  };
}

export async function heartbeat(
  api: AnyTestApi,
  kiosk: TestKiosk,
  overrides: Partial<HeartbeatRequest> = {},
): Promise<LightMyRequestResponse> {
  const response = await kioskPost(api, kiosk, API_PATHS.kioskHeartbeat, healthyHeartbeat(api, overrides));
  if (response.statusCode !== 200) throw new Error(`heartbeat refused: ${response.body}`);
  // The answer does not wait for the monitor: tests look once it has evaluated the heartbeat.
  await api.app.ops.monitor.settled();
  return response;
}

let eventCounter = 0;

/** A `session.ended` event at the test clock (or `at`). */
export function sessionEnded(
  api: AnyTestApi,
  outcome: 'completed' | 'cancelled' | 'failed',
  error: string | null = null,
  at = api.clock.now(),
): KioskEvent {
  eventCounter += 1;
  return {
    id: `evt-${eventCounter.toString().padStart(8, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    type: 'session.ended',
    at,
    data: { outcome, procedure: 'signature-pin', error },
  };
}

/** An `alert` / `alert.cleared` event as the kiosk journal sends it. */
export function alertEvent(
  api: AnyTestApi,
  alert: string,
  cleared = false,
  at = api.clock.now(),
): KioskEvent {
  eventCounter += 1;
  return {
    id: `evt-${eventCounter.toString().padStart(8, '0')}-${Math.random().toString(36).slice(2, 8)}`,
    type: cleared ? 'alert.cleared' : 'alert',
    at,
    data: { alert },
  };
}

export async function sendEvents(
  api: AnyTestApi,
  kiosk: TestKiosk,
  events: KioskEvent[],
): Promise<LightMyRequestResponse> {
  const response = await kioskPost(api, kiosk, API_PATHS.kioskEvents, { events });
  if (response.statusCode !== 200) throw new Error(`events refused: ${response.body}`);
  return response;
}

/**
 * Step 1 and step 2 for `card` at `kiosk` through the real endpoints (reserve, challenge, lookup,
 * claim, complete); returns what the phone got, so tests can look for it where it must not be.
 */
export async function resetThroughKiosk(
  api: TestApi,
  kiosk: TestKiosk,
  card: FixtureCard,
): Promise<{ reservationId: string; token: string; cryptogram: string }> {
  const created = await reserve(api, card);
  if (created.statusCode !== 201) throw new Error(`reserve refused: ${created.body}`);
  const { reservationId, reservationToken: token } = created.json() as {
    reservationId: string;
    reservationToken: string;
  };
  const { nonce } = (await kioskPost(api, kiosk, API_PATHS.kioskChallenge, {})).json() as { nonce: string };
  const lookup = await kioskPost(api, kiosk, API_PATHS.kioskLookup, lookupBody(card, nonce));
  if (lookup.statusCode !== 200) throw new Error(`lookup refused: ${lookup.body}`);
  const claim = await kioskPost(api, kiosk, API_PATHS.kioskClaim, {
    lookupId: (lookup.json() as { lookupId: string }).lookupId,
    pinFile: Fid.signPin,
    cardChallenge: Buffer.from('0102030405060708', 'hex').toString('base64'),
  });
  if (claim.statusCode !== 200) throw new Error(`claim refused: ${claim.body}`);
  const { claimId, cryptogram } = claim.json() as { claimId: string; cryptogram: string };
  const complete = await kioskPost(api, kiosk, API_PATHS.kioskComplete, { claimId });
  if (complete.statusCode !== 200) throw new Error(`complete refused: ${complete.body}`);
  return { reservationId, token, cryptogram };
}
