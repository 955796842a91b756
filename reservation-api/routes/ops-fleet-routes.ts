import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  AlertIdParams,
  AlertListQuery,
  AlertListResponse,
  API_PATHS,
  EmptyRequest,
  FleetAlert,
  FleetResponse,
  FleetSummaryResponse,
  KioskListPageQuery,
  KioskListPageResponse,
  OpsStatsResponse,
  SessionSeriesQuery,
  SessionSeriesResponse,
} from '../contract';
import type { OperatorAuthenticator } from '../auth/operator-auth';
import type { FleetMonitor } from '../fleet/fleet-monitor';
import type { FleetSummaryFeed } from '../fleet/fleet-summary-feed';
import type { OpsEventStream } from '../fleet/ops-event-stream';
import { MINUTE_MS } from '../fleet/session-facts';
import { ApiError } from '../server/api-error';
import { HOUR_MS, seriesRange, sessionSeries } from '../fleet/session-series';
import type { ReservationStore } from '../store/reservation-store';
import { noStore, opsSecurity as security } from './ops-common';
import { responses } from './schemas';

export interface OpsFleetRoutesOptions {
  store: ReservationStore;
  now: () => number;
  auth: OperatorAuthenticator;
  monitor: FleetMonitor;
  stream: OpsEventStream;
  summary: FleetSummaryFeed;
  /** How far back the session series reaches (retention). */
  retentionMs: number;
}

/** Fleet monitoring for operators: kiosks, alerts (acknowledge: admin), statistics, series, live stream. */
export const opsFleetRoutes: FastifyPluginAsyncTypebox<OpsFleetRoutesOptions> = async (app, options) => {
  const { store, now, auth, monitor, stream } = options;
  noStore(app);

  app.get(
    API_PATHS.opsFleet,
    {
      schema: {
        tags: ['ops'],
        summary:
          'Every kiosk: status, state, reader, card present, version, last seen, clock skew, open alerts',
        security,
        response: responses(200, FleetResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const kiosks = await monitor.fleet();
      return { serverTime: now(), kiosks };
    },
  );

  app.get(
    API_PATHS.opsFleetSummary,
    {
      schema: {
        tags: ['ops'],
        summary:
          'Kiosks counted by condition: the whole fleet, each chain, each prefecture (at most 1 s old)',
        security,
        response: responses(200, FleetSummaryResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      return options.summary.current();
    },
  );

  app.get(
    API_PATHS.opsFleetKiosks,
    {
      schema: {
        tags: ['ops'],
        summary:
          'One page of kiosks in kiosk id order, filtered by chain, prefecture, condition and a search of store name, store id or kiosk id',
        security,
        querystring: KioskListPageQuery,
        response: responses(200, KioskListPageResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const { chain, prefecture, condition, q } = request.query;
      const offset = request.query.offset ?? 0;
      const limit = request.query.limit ?? 50;
      const at = now();
      const page = await store.fleetOverview.kioskPage({
        chain,
        prefecture,
        condition,
        search: q,
        onlineSince: monitor.onlineSince(at),
        offset,
        limit,
      });
      return { serverTime: at, total: page.total, offset, limit, kiosks: page.kiosks };
    },
  );

  app.get(
    API_PATHS.opsAlerts,
    {
      schema: {
        tags: ['ops'],
        summary:
          'Open alerts (state=open, default) or open and recently resolved ones (state=all), newest first',
        security,
        querystring: AlertListQuery,
        response: responses(200, AlertListResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const limit = request.query.limit ?? 100;
      const alerts =
        request.query.state === 'all'
          ? await store.ops.recentAlerts(limit)
          : (await store.ops.openAlerts()).slice(0, limit);
      return { alerts };
    },
  );

  app.post(
    API_PATHS.opsAlertAcknowledge,
    {
      schema: {
        tags: ['ops'],
        summary: 'Acknowledge an alert (admin): records who and when, in the audit trail too',
        security,
        params: AlertIdParams,
        body: EmptyRequest,
        response: responses(200, FleetAlert),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      return monitor.acknowledge(request.params.alertId, operator.name);
    },
  );

  app.get(
    API_PATHS.opsStats,
    {
      schema: {
        tags: ['ops'],
        summary: 'Reservations by status, kiosks by fleet status, open alerts',
        security,
        response: responses(200, OpsStatsResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      return monitor.stats();
    },
  );

  app.get(
    API_PATHS.opsSessionSeries,
    {
      schema: {
        tags: ['ops'],
        summary: 'Ended kiosk sessions per minute or hour (completed = PIN reset), failures by cause',
        security,
        querystring: SessionSeriesQuery,
        response: responses(200, SessionSeriesResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const bucketMs = request.query.bucket === 'hour' ? HOUR_MS : MINUTE_MS;
      const maxPoints = Math.max(1, Math.floor(Math.min(options.retentionMs, 1440 * bucketMs) / bucketMs));
      const points = Math.min(request.query.points ?? 60, maxPoints);
      const range = seriesRange(now(), bucketMs, points);
      return sessionSeries(await store.ops.sessionRollup(range), range, bucketMs);
    },
  );

  app.get(
    API_PATHS.opsStream,
    {
      schema: {
        tags: ['ops'],
        summary: 'Live updates (Server-Sent Events): hello, kiosk, alert, stats, session; `: ping` comments',
        description: 'See docs/operators.md for the event names and payloads.',
        security,
        produces: ['text/event-stream'],
        response: {
          ...responses(200, Type.String()),
          200: Type.String({ description: 'text/event-stream' }),
        },
      },
    },
    async (request, reply) => {
      const authenticated = await auth.authenticate(request, 'viewer');
      const { operator } = authenticated;
      // EventSource always asks for the stream; anything else would hang on an answer that never ends.
      if (!(request.headers.accept ?? '').includes('text/event-stream')) throw new ApiError('NOT_ACCEPTABLE');
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies must pass events on as they come.
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
      const remove = stream.add(
        {
          write: (chunk) => raw.write(chunk),
          bufferedBytes: () => raw.writableLength,
          end: () => raw.end(),
        },
        // Re-checked on every keep-alive ping: a revocation by the CLI (another process) ends it.
        { sessionHash: authenticated.sessionHash, stillValid: () => auth.stillValid(authenticated) },
        { event: 'hello', data: { name: operator.name, role: operator.role, serverTime: now() } },
      );
      request.raw.on('close', remove);
    },
  );
};
