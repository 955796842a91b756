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
  WhoAmIResponse,
} from '../contract';
import { requireOperator } from '../auth/operator-auth';
import { unwrap } from '../server/api-error';
import { kioskView, registerKiosk } from '../services/kiosk-registry';
import type { ReservationStore } from '../store/reservation-store';
import { responses } from './schemas';

export interface OpsRoutesOptions {
  store: ReservationStore;
  now: () => number;
}

const security = [{ operatorToken: [] }];

/** Operator endpoints: viewers read the fleet and the audit trail; admins register and revoke kiosks. */
export const opsRoutes: FastifyPluginAsyncTypebox<OpsRoutesOptions> = async (app, { store, now }) => {
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
      const operator = await requireOperator(store, request.headers.authorization, 'viewer');
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
      await requireOperator(store, request.headers.authorization, 'viewer');
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
      const operator = await requireOperator(store, request.headers.authorization, 'admin');
      const kiosk = await registerKiosk(store, {
        ...request.body,
        actor: `operator:${operator.name}`,
        now: now(),
      });
      return reply.status(201).send(kioskView(kiosk));
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
      const operator = await requireOperator(store, request.headers.authorization, 'admin');
      const kiosk = unwrap(
        await store.revokeKiosk({
          kioskId: request.params.kioskId,
          actor: `operator:${operator.name}`,
          now: now(),
        }),
      );
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
      await requireOperator(store, request.headers.authorization, 'viewer');
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
