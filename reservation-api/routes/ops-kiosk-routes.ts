import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static, type TSchema } from 'typebox';
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

/** What a remote action may call. */
type RemoteActionDeps = Pick<OpsKioskRoutesOptions, 'controls' | 'monitor'>;

/**
 * One remote action on a kiosk: a POST on `path` with `body`, admin only, counted under `metric`
 * on reservation_api_ops_actions_total; `call` does it (the control store writes the audit row)
 * and resolves to the answer, sent as `response`.
 */
interface RemoteAction<Body extends TSchema = TSchema> {
  path: string;
  summary: string;
  body: Body;
  response: TSchema;
  metric: string;
  call(
    deps: RemoteActionDeps,
    input: { kioskId: string; body: Static<Body>; operator: string },
  ): Promise<unknown>;
}

/**
 * Infers `call`'s body from the entry's own schema, then keeps the entry as a plain RemoteAction
 * for the table. TypeScript allows that widening because `call` is a method; it is safe because
 * the route validates the body against that same schema before `call` runs.
 */
function remoteAction<Body extends TSchema>(action: RemoteAction<Body>): RemoteAction {
  return action;
}

/** The remote actions, registered in this order (the OpenAPI document lists them so). */
const REMOTE_ACTIONS: readonly RemoteAction[] = [
  remoteAction({
    path: API_PATHS.opsKioskOutOfService,
    summary: 'Put a kiosk out of service (admin): it shows maintenance and starts no new session',
    body: OutOfServiceRequest,
    response: KioskControlView,
    metric: 'out-of-service',
    call: ({ controls }, { kioskId, body, operator }) =>
      controls.outOfService(kioskId, body.reason, operator),
  }),
  remoteAction({
    path: API_PATHS.opsKioskInService,
    summary: 'Bring a kiosk back into service (admin)',
    body: EmptyRequest,
    response: KioskControlView,
    metric: 'in-service',
    call: ({ controls }, { kioskId, operator }) => controls.inService(kioskId, operator),
  }),
  remoteAction({
    path: API_PATHS.opsKioskSelfTest,
    summary: 'Ask a kiosk for a reader self-test (admin): it runs it when idle and reports',
    body: EmptyRequest,
    response: KioskControlView,
    metric: 'self-test',
    call: ({ controls }, { kioskId, operator }) => controls.requestSelfTest(kioskId, operator),
  }),
  remoteAction({
    path: API_PATHS.opsKioskCredentials,
    summary: "Rotate a kiosk's key (admin): requests signed with the old key are refused from now on",
    body: RotateKeyRequest,
    response: KioskView,
    metric: 'rotate-key',
    call: async ({ controls, monitor }, { kioskId, body, operator }) => {
      const kiosk = await controls.rotateKey(kioskId, body.publicKey, operator);
      await monitor.onKioskChanged();
      return kioskView(kiosk);
    },
  }),
];

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

  const deps: RemoteActionDeps = { controls, monitor };
  for (const action of REMOTE_ACTIONS) {
    app.post(
      action.path,
      {
        schema: {
          tags: ['ops'],
          summary: action.summary,
          security,
          params: KioskIdParams,
          body: action.body,
          response: responses(200, action.response),
        },
      },
      async (request) => {
        const { operator } = await auth.authenticate(request, 'admin');
        metrics.opsActions.inc({ action: action.metric });
        return action.call(deps, {
          kioskId: request.params.kioskId,
          body: request.body,
          operator: operator.name,
        });
      },
    );
  }

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
