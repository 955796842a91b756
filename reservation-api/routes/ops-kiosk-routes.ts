import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import {
  API_PATHS,
  AuditResponse,
  AuditSearchQuery,
  EmptyRequest,
  FunnelQuery,
  FunnelResponse,
  KioskControlView,
  KioskIdParams,
  KioskPageResponse,
  KioskView,
  OutOfServiceRequest,
  RotateKeyRequest,
} from '../contract';
import type { OperatorAuthenticator } from '../auth/operator-auth';
import type { FleetMonitor } from '../fleet/fleet-monitor';
import type { KioskControls } from '../fleet/kiosk-controls';
import { kioskPage } from '../fleet/kiosk-page';
import { funnelView, japanDayRange } from '../fleet/funnel';
import { ApiError } from '../server/api-error';
import type { ApiMetrics } from '../server/metrics';
import { kioskView } from '../services/kiosk-registry';
import type { ReservationStore } from '../store/reservation-store';
import { noStore, opsSecurity as security } from './ops-common';
import { responses } from './schemas';

export interface OpsKioskRoutesOptions {
  store: ReservationStore;
  now: () => number;
  auth: OperatorAuthenticator;
  monitor: FleetMonitor;
  controls: KioskControls;
  metrics: ApiMetrics;
}

const AUDIT_EXPORT_PAGE = 1_000;

/**
 * One kiosk for operators (its page; remote actions, admin only, audited), the reservation funnel
 * and audit search with its JSON-lines export (docs/operators.md).
 */
export const opsKioskRoutes: FastifyPluginAsyncTypebox<OpsKioskRoutesOptions> = async (app, options) => {
  const { store, now, auth, monitor, controls, metrics } = options;
  noStore(app);

  app.get(
    API_PATHS.opsKioskPage,
    {
      schema: {
        tags: ['ops'],
        summary: "One kiosk's page: identity, the last 24 hours, alerts, remote actions",
        security,
        params: KioskIdParams,
        response: responses(200, KioskPageResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      return kioskPage({ store, monitor, now }, request.params.kioskId);
    },
  );

  app.post(
    API_PATHS.opsKioskOutOfService,
    {
      schema: {
        tags: ['ops'],
        summary: 'Put a kiosk out of service (admin): it shows maintenance and starts no new session',
        security,
        params: KioskIdParams,
        body: OutOfServiceRequest,
        response: responses(200, KioskControlView),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      metrics.opsActions.inc({ action: 'out-of-service' });
      return controls.outOfService(request.params.kioskId, request.body.reason, operator.name);
    },
  );

  app.post(
    API_PATHS.opsKioskInService,
    {
      schema: {
        tags: ['ops'],
        summary: 'Bring a kiosk back into service (admin)',
        security,
        params: KioskIdParams,
        body: EmptyRequest,
        response: responses(200, KioskControlView),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      metrics.opsActions.inc({ action: 'in-service' });
      return controls.inService(request.params.kioskId, operator.name);
    },
  );

  app.post(
    API_PATHS.opsKioskSelfTest,
    {
      schema: {
        tags: ['ops'],
        summary: 'Ask a kiosk for a reader self-test (admin): it runs it when idle and reports',
        security,
        params: KioskIdParams,
        body: EmptyRequest,
        response: responses(200, KioskControlView),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      metrics.opsActions.inc({ action: 'self-test' });
      return controls.requestSelfTest(request.params.kioskId, operator.name);
    },
  );

  app.post(
    API_PATHS.opsKioskCredentials,
    {
      schema: {
        tags: ['ops'],
        summary: "Rotate a kiosk's key (admin): requests signed with the old key are refused from now on",
        security,
        params: KioskIdParams,
        body: RotateKeyRequest,
        response: responses(200, KioskView),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      metrics.opsActions.inc({ action: 'rotate-key' });
      const kiosk = await controls.rotateKey(request.params.kioskId, request.body.publicKey, operator.name);
      await monitor.onKioskChanged();
      return kioskView(kiosk);
    },
  );

  app.get(
    API_PATHS.opsFunnel,
    {
      schema: {
        tags: ['ops'],
        summary:
          'Reservations made → looked up at a kiosk → verified → reset, and expired unused, per day, procedure and chain',
        security,
        querystring: FunnelQuery,
        response: responses(200, FunnelResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const at = now();
      const range = japanDayRange(request.query.from, request.query.to, at);
      if (!range) throw new ApiError('VALIDATION_FAILED');
      const rows = await store.controls.funnel({ from: range.fromMs, to: range.toMs, now: at });
      return { serverTime: at, from: range.from, to: range.to, rows: rows.map(funnelView) };
    },
  );

  app.get(
    API_PATHS.opsAuditExport,
    {
      schema: {
        tags: ['ops'],
        summary: 'Audit search as JSON lines (application/x-ndjson): one reservation, one kiosk, a period',
        security,
        querystring: AuditSearchQuery,
        response: responses(200, Type.String({ description: 'one AuditEntry as JSON per line' })),
      },
    },
    async (request, reply) => {
      await auth.authenticate(request, 'viewer');
      const { limit, afterSeq, ...criteria } = request.query;
      // Paged by seq so a long period never holds the store for long.
      const lines: string[] = [];
      let after = afterSeq ?? 0;
      const max = limit ?? 10_000;
      while (lines.length < max) {
        const page = await store.controls.searchAudit({
          ...criteria,
          afterSeq: after,
          limit: Math.min(AUDIT_EXPORT_PAGE, max - lines.length),
        });
        for (const entry of page) lines.push(JSON.stringify(entry));
        if (page.length < AUDIT_EXPORT_PAGE) break;
        after = page[page.length - 1]!.seq;
      }
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .send(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
    },
  );

  app.get(
    API_PATHS.opsAuditSearch,
    {
      schema: {
        tags: ['ops'],
        summary: 'Audit search: everything about one reservation or one kiosk over a period',
        security,
        querystring: AuditSearchQuery,
        response: responses(200, AuditResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const { limit, ...criteria } = request.query;
      return {
        entries: await store.controls.searchAudit({ ...criteria, limit: Math.min(limit ?? 100, 1000) }),
      };
    },
  );
};
