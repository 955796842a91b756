import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
import {
  API_PATHS,
  type FleetAlert,
  type FleetKiosk,
  type FleetKioskRow,
  kioskCondition,
  type OperatorRole,
  type OpsStreamEvent,
} from '../../../reservation-api/contract';
import { dashboardPlugin } from '../../../reservation-api/dashboard/dashboard-plugin';
import { summaryGroups } from '../../../reservation-api/store/fleet-overview-store';
import { FIXTURE_ALERTS, FIXTURE_KIOSKS, FIXTURE_NOW, FIXTURE_STATS, fixtureSeries } from './fleet-fixtures';

/**
 * A stand-in for the operator API that answers from the typed fixtures, with the dashboard plugin
 * on the same origin. It lets layout, language and reconnection tests drive the page into states
 * (a large unhealthy fleet, a dropped stream) that real kiosks reach only slowly. Operators:
 * `hanako` (admin) and `yuki` (viewer), token FIXTURE_TOKEN. Behaviour the real API must have is
 * tested against the real API (live-fleet.test.ts), not here.
 */

export const FIXTURE_TOKEN = 'fixture-token-0123456789abcdefghijklmnopqrstu';
const OPERATORS: Record<string, OperatorRole> = { hanako: 'admin', yuki: 'viewer' };

export interface FixtureOpsApi {
  url: string;
  /** Sends one event to every open stream. */
  push(event: OpsStreamEvent): void;
  /** Ends every open stream (the page should reconnect). */
  dropStreams(): void;
  /** How many times the stream was opened. */
  streamOpens(): number;
  /** How many times a page of the kiosk table was loaded. */
  fleetLoads(): number;
  close(): Promise<void>;
}

function sessionRole(cookie: string | undefined): OperatorRole | undefined {
  const match = /(?:^|;\s*)ops_session=(\w+)/.exec(cookie ?? '');
  return match?.[1] === undefined ? undefined : OPERATORS[match[1]];
}

export async function startFixtureOpsApi(
  fleet: { kiosks?: FleetKiosk[]; alerts?: FleetAlert[] } = {},
): Promise<FixtureOpsApi> {
  const kiosks = fleet.kiosks ?? FIXTURE_KIOSKS;
  const app = Fastify({ forceCloseConnections: true });
  const alerts = new Map<string, FleetAlert>(
    (fleet.alerts ?? FIXTURE_ALERTS).map((alert) => [alert.alertId, { ...alert }]),
  );
  const streams = new Set<ServerResponse>();
  let opens = 0;
  let fleetLoads = 0;
  await app.register(dashboardPlugin, { defaultLanguage: 'ja' });

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/ops/') || request.url === API_PATHS.opsSession) return;
    if (!sessionRole(request.headers.cookie)) {
      await reply.code(401).send({ code: 'OPERATOR_UNAUTHENTICATED', message: 'log in' });
    }
  });

  app.post<{ Body: { name: string; token: string } }>(API_PATHS.opsSession, async (request, reply) => {
    const { name, token } = request.body;
    const role = OPERATORS[name];
    if (!role || token !== FIXTURE_TOKEN) {
      return reply.code(401).send({ code: 'OPERATOR_LOGIN_FAILED', message: 'no' });
    }
    reply.header('set-cookie', `ops_session=${name}; Path=/; HttpOnly; SameSite=Strict`);
    return { name, role, idleExpiresAt: FIXTURE_NOW + 1_800_000, expiresAt: FIXTURE_NOW + 43_200_000 };
  });
  app.delete(API_PATHS.opsSession, async (_request, reply) => {
    reply.header('set-cookie', 'ops_session=; Path=/; Max-Age=0');
    return { loggedOut: true };
  });
  app.get(API_PATHS.opsWhoAmI, async (request) => {
    const name = /ops_session=(\w+)/.exec(request.headers.cookie ?? '')?.[1] ?? '';
    return { name, role: OPERATORS[name] };
  });
  app.get(API_PATHS.opsFleet, async () => ({ serverTime: FIXTURE_NOW, kiosks }));
  // The overview as the real API computes it, from the fixture kiosks (no prefecture: `00`).
  const rows = (): FleetKioskRow[] =>
    kiosks.map((kiosk) => ({
      ...kiosk,
      prefecture: null,
      storeName: null,
      condition: kioskCondition(kiosk),
    }));
  app.get(API_PATHS.opsFleetSummary, async () => ({
    serverTime: FIXTURE_NOW,
    groups: summaryGroups(
      rows().map((row) => ({ chain: row.chain, prefecture: '00', condition: row.condition, n: 1 })),
    ),
  }));
  app.get<{ Querystring: Record<string, string | undefined> }>(API_PATHS.opsFleetKiosks, async (request) => {
    fleetLoads += 1;
    const { chain, condition, q } = request.query;
    const offset = Number(request.query.offset ?? 0);
    const limit = Number(request.query.limit ?? 50);
    const matching = rows()
      .filter(
        (row) =>
          (!chain || row.chain === chain) &&
          (!condition || row.condition === condition) &&
          (!q || `${row.kioskId} ${row.storeId}`.toLowerCase().includes(q.toLowerCase())),
      )
      .sort((a, b) => (a.kioskId < b.kioskId ? -1 : 1));
    return {
      serverTime: FIXTURE_NOW,
      total: matching.length,
      offset,
      limit,
      kiosks: matching.slice(offset, offset + limit),
    };
  });
  app.get(API_PATHS.opsAlerts, async () => ({ alerts: [...alerts.values()] }));
  app.get(API_PATHS.opsStats, async () => FIXTURE_STATS);
  app.get<{ Querystring: { bucket?: 'minute' | 'hour'; points?: string } }>(
    API_PATHS.opsSessionSeries,
    async (request) => fixtureSeries(request.query.bucket ?? 'hour', Number(request.query.points ?? 24)),
  );
  app.post<{ Params: { alertId: string } }>(API_PATHS.opsAlertAcknowledge, async (request, reply) => {
    if (sessionRole(request.headers.cookie) !== 'admin') {
      return reply.code(403).send({ code: 'OPERATOR_FORBIDDEN', message: 'no' });
    }
    const alert = alerts.get(request.params.alertId);
    if (!alert) return reply.code(404).send({ code: 'ALERT_NOT_FOUND', message: 'no' });
    const name = /ops_session=(\w+)/.exec(request.headers.cookie ?? '')?.[1] ?? '';
    Object.assign(alert, { acknowledgedAt: FIXTURE_NOW, acknowledgedBy: name });
    return alert;
  });
  app.get(API_PATHS.opsStream, (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' });
    opens += 1;
    const role = sessionRole(request.headers.cookie) ?? 'viewer';
    raw.write(
      `retry: 200\n\nevent: hello\ndata: ${JSON.stringify({ name: 'x', role, serverTime: FIXTURE_NOW })}\n\n`,
    );
    streams.add(raw);
    request.raw.on('close', () => streams.delete(raw));
  });

  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    push(event) {
      if (event.event === 'alert') alerts.set(event.data.alertId, event.data);
      for (const raw of streams) raw.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
    },
    dropStreams() {
      for (const raw of streams) raw.destroy();
      streams.clear();
    },
    streamOpens: () => opens,
    fleetLoads: () => fleetLoads,
    close: () => app.close(),
  };
}
