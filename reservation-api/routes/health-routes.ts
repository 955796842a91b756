import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { API_PATHS } from '../contract';
import { ApiError } from '../server/api-error';
import type { ApiMetrics } from '../server/metrics';
import type { ReservationStore } from '../store/reservation-store';
import { responses } from './schemas';

export interface HealthRoutesOptions {
  store: ReservationStore;
  metrics: ApiMetrics;
}

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false });

/** Liveness, readiness (the database answers) and Prometheus metrics. */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (
  app,
  { store, metrics },
) => {
  app.get(
    API_PATHS.healthz,
    { schema: { tags: ['health'], summary: 'The process is alive', response: responses(200, Status) } },
    async () => ({ status: 'ok' }),
  );

  app.get(
    API_PATHS.readyz,
    { schema: { tags: ['health'], summary: 'The database answers', response: responses(200, Status) } },
    async () => {
      try {
        await store.ping();
      } catch {
        throw new ApiError('SERVICE_UNAVAILABLE');
      }
      return { status: 'ready' };
    },
  );

  app.get(
    API_PATHS.metrics,
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: { ...responses(200, Status), 200: Type.String() },
      },
    },
    async (_request, reply) => {
      void reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
};
