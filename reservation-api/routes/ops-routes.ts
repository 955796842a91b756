import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  API_PATHS,
  AuditQuery,
  AuditResponse,
  EmptyRequest,
  KioskIdParams,
  KioskListResponse,
  KioskView,
  RegisterKioskRequest,
  RegisterKiosksRequest,
  RegisterKiosksResponse,
  WhoAmIResponse,
} from '../contract';
import type { OperatorAuthenticator } from '../auth/operator-auth';
import type { FleetMonitor } from '../fleet/fleet-monitor';
import { unwrap } from '../server/api-error';
import { kioskView, registerKiosk, registerKiosks } from '../services/kiosk-registry';
import type { ReservationStore } from '../store/reservation-store';
import { noStore, opsSecurity as security } from './ops-common';
import { responses } from './schemas';

export interface OpsRoutesOptions {
  store: ReservationStore;
  now: () => number;
  auth: OperatorAuthenticator;
  /** Told when a kiosk is registered or revoked here, so the fleet view follows at once. */
  monitor: FleetMonitor;
}

/** Operator endpoints: viewers read the fleet and the audit trail; admins register and revoke kiosks. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (
  app,
  { store, now, auth, monitor },
) => {
  noStore(app);

  app.get(
    API_PATHS.opsWhoAmI,
    {
      schema: {
        tags: ['ops'],
        summary: 'The operator behind the token',
        security,
        response: responses(200, WhoAmIResponse),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'viewer');
      return { name: operator.name, role: operator.role };
    },
  );

  app.get(
    API_PATHS.opsKiosks,
    {
      schema: {
        tags: ['ops'],
        summary: 'Every kiosk with its latest heartbeat',
        security,
        response: responses(200, KioskListResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      return { kiosks: (await store.listKiosks()).map(kioskView) };
    },
  );

  app.post(
    API_PATHS.opsKiosks,
    {
      schema: {
        tags: ['ops'],
        summary: 'Register a kiosk (admin): the chain decides the procedures offered',
        security,
        body: RegisterKioskRequest,
        response: responses(201, KioskView),
      },
    },
    async (request, reply) => {
      const { operator } = await auth.authenticate(request, 'admin');
      const kiosk = await registerKiosk(store, {
        ...request.body,
        actor: `operator:${operator.name}`,
        now: now(),
      });
      await monitor.onKioskChanged();
      return reply.status(201).send(kioskView(kiosk));
    },
  );

  app.post(
    API_PATHS.opsKiosksBatch,
    {
      schema: {
        tags: ['ops'],
        summary: 'Register many kiosks at once (admin), all or none: a fleet rollout',
        security,
        body: RegisterKiosksRequest,
        response: responses(201, RegisterKiosksResponse),
      },
    },
    async (request, reply) => {
      const { operator } = await auth.authenticate(request, 'admin');
      const kiosks = await registerKiosks(store, {
        kiosks: request.body.kiosks,
        actor: `operator:${operator.name}`,
        now: now(),
      });
      // Once per batch: the fleet view is refreshed once, not once per kiosk.
      await monitor.onKioskChanged();
      return reply.status(201).send({ kiosks: kiosks.map(kioskView) });
    },
  );

  app.post(
    API_PATHS.opsKioskRevoke,
    {
      schema: {
        tags: ['ops'],
        summary: 'Revoke a kiosk (admin): its requests are refused from now on',
        security,
        params: KioskIdParams,
        body: EmptyRequest,
        response: responses(200, KioskView),
      },
    },
    async (request) => {
      const { operator } = await auth.authenticate(request, 'admin');
      const kiosk = unwrap(
        await store.revokeKiosk({
          kioskId: request.params.kioskId,
          actor: `operator:${operator.name}`,
          now: now(),
        }),
      );
      await monitor.onKioskChanged();
      return kioskView(kiosk);
    },
  );

  app.get(
    API_PATHS.opsAudit,
    {
      schema: {
        tags: ['ops'],
        summary: 'The audit trail (ids, statuses and codes only)',
        security,
        querystring: AuditQuery,
        response: responses(200, AuditResponse),
      },
    },
    async (request) => {
      await auth.authenticate(request, 'viewer');
      const { reservationId, afterSeq, limit } = request.query;
      return {
        entries: await store.auditEntries({
          ...(reservationId === undefined ? {} : { reservationId }),
          ...(afterSeq === undefined ? {} : { afterSeq }),
          limit: limit ?? 100,
        }),
      };
    },
  );
};
