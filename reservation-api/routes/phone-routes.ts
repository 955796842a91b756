import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  API_PATHS,
  CreateReservationRequest,
  EmptyRequest,
  PhoneChallengeResponse,
  ReservationCreated,
  ReservationIdParams,
  ReservationView,
} from '../contract';
import { bearerToken } from '../auth/tokens';
import { ApiError } from '../server/api-error';
import type { ApiMetrics } from '../server/metrics';
import type { PhoneReservations } from '../services/phone-reservations';
import { responses } from './schemas';

export interface PhoneRoutesOptions {
  phone: PhoneReservations;
  now: () => number;
  metrics: ApiMetrics;
  requestsPerMinute: number;
}

/** Step 1 endpoints: anonymous, rate limited per client IP (and per card inside create). */
export const phoneRoutes: FastifyPluginAsyncTypebox<PhoneRoutesOptions> = async (app, options) => {
  const { phone, now, metrics } = options;
  const rateLimit = { max: options.requestsPerMinute, timeWindow: 60_000 };
  const tokenOf = (header: string | string[] | undefined) => {
    const token = bearerToken(header);
    if (!token) throw new ApiError('RESERVATION_TOKEN_REQUIRED');
    return token;
  };
  const counted = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) metrics.refusals.inc({ operation, code: error.code });
      throw error;
    }
  };

  app.post(
    API_PATHS.phoneChallenge,
    {
      config: { rateLimit },
      schema: {
        tags: ['phone'],
        summary: 'A fresh nonce for the card to sign (5 minutes, single use)',
        body: EmptyRequest,
        response: responses(200, PhoneChallengeResponse),
      },
    },
    async () => phone.issueChallenge(now()),
  );

  app.post(
    API_PATHS.reservations,
    {
      config: { rateLimit },
      schema: {
        tags: ['phone'],
        summary: 'Reserve a PIN reset with the card proof and the face-match attestation',
        description:
          'Checked in order, each with its own code: challenge, per-card attempts, certificate chain, validity, revocation, card proof, face attestation. Supersedes the active reservation of the same card and procedure.',
        body: CreateReservationRequest,
        response: responses(201, ReservationCreated),
      },
    },
    async (request, reply) => {
      const created = await counted('create-reservation', () => phone.create(request.body, now()));
      metrics.reservationsCreated.inc({ procedure: created.procedure });
      return reply.status(201).send(created);
    },
  );

  app.get(
    API_PATHS.reservation,
    {
      config: { rateLimit },
      schema: {
        tags: ['phone'],
        summary: "The reservation's status (token holder only)",
        security: [{ reservationToken: [] }],
        params: ReservationIdParams,
        response: responses(200, ReservationView),
      },
    },
    async (request) =>
      counted('reservation-status', () =>
        phone.status(request.params.reservationId, tokenOf(request.headers.authorization), now()),
      ),
  );

  app.delete(
    API_PATHS.reservation,
    {
      config: { rateLimit },
      schema: {
        tags: ['phone'],
        summary: 'Cancel the reservation (token holder only; repeating is harmless)',
        security: [{ reservationToken: [] }],
        params: ReservationIdParams,
        response: responses(200, ReservationView),
      },
    },
    async (request) =>
      counted('cancel-reservation', () =>
        phone.cancel(request.params.reservationId, tokenOf(request.headers.authorization), now()),
      ),
  );
};
