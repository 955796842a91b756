import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  API_PATHS,
  ClaimRequest,
  ClaimResponse,
  CompleteRequest,
  CompleteResponse,
  EmptyRequest,
  EventBatchRequest,
  EventBatchResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  KioskChallengeResponse,
  LookupRequest,
  LookupResponse,
  ReleaseRequest,
  ReleaseResponse,
  ReservationCheckRequest,
  ReservationCheckResponse,
} from '../contract';
import type { KioskAuthenticator } from '../auth/kiosk-authenticator';
import { ApiError } from '../server/api-error';
import type { ApiMetrics } from '../server/metrics';
import type { KioskOperations } from '../services/kiosk-operations';
import type { KioskRecord } from '../store/reservation-store';
import { responses } from './schemas';

declare module 'fastify' {
  interface FastifyRequest {
    /** The kiosk that signed this request (kiosk routes only). */
    kiosk: KioskRecord | null;
  }
}

export interface KioskRoutesOptions {
  kiosks: KioskOperations;
  authenticator: KioskAuthenticator;
  now: () => number;
  metrics: ApiMetrics;
  /** Operators' remote actions for a kiosk's heartbeat answer (fleet/kiosk-controls.ts). */
  controlFor?: (kioskId: string) => HeartbeatResponse['control'];
  eventsBodyLimitBytes: number;
}

const security = [{ kioskSignature: [] }];

/**
 * Step 2 endpoints. Every request must be signed by a registered, non-revoked kiosk (RFC 9421);
 * authentication runs before the body is validated, so an unsigned request learns nothing.
 */
export const kioskRoutes: FastifyPluginAsyncTypebox<KioskRoutesOptions> = async (app, options) => {
  const { kiosks, authenticator, now, metrics } = options;
  app.decorateRequest('kiosk', null);

  app.addHook('preValidation', async (request) => {
    const outcome = await authenticator.authenticate(
      {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.rawBody ?? Buffer.alloc(0),
      },
      now(),
    );
    if (!outcome.ok) {
      metrics.refusals.inc({ operation: 'kiosk-authentication', code: outcome.code });
      throw new ApiError(outcome.code);
    }
    request.kiosk = outcome.value;
  });

  const kioskOf = (request: FastifyRequest): KioskRecord => {
    if (!request.kiosk) throw new ApiError('KIOSK_UNAUTHENTICATED');
    return request.kiosk;
  };

  app.post(
    API_PATHS.kioskChallenge,
    {
      schema: {
        tags: ['kiosk'],
        summary: 'A fresh nonce for the card to sign, bound to this kiosk (5 minutes, single use)',
        security,
        body: EmptyRequest,
        response: responses(200, KioskChallengeResponse),
      },
    },
    async (request) => kiosks.challenge(kioskOf(request), now()),
  );

  app.post(
    API_PATHS.kioskReservationCheck,
    {
      schema: {
        tags: ['kiosk'],
        summary: "Before any PIN: is there a usable reservation for the card's authentication certificate?",
        description:
          'Checked in order: procedure offered here, service window (server clock, Japan time), certificate chain, validity, revocation, the reservation of the certificate (issuer + serial) for the procedure. Coarse: usable, or the refusal the kiosk screen shows (RESERVATION_NOT_FOUND also covers cancelled, superseded and another card). A usable answer admits the session (its claim is honoured through the grace after closing) and grants nothing else.',
        security,
        body: ReservationCheckRequest,
        response: responses(200, ReservationCheckResponse),
      },
    },
    async (request) => kiosks.checkReservation(kioskOf(request), request.body, now()),
  );

  app.post(
    API_PATHS.kioskLookup,
    {
      schema: {
        tags: ['kiosk'],
        summary: "Find the card's reservation from its proof over the kiosk challenge",
        description:
          'Checked in order: procedure offered here, challenge, certificate chain, validity, revocation, card proof, reservation state. RESERVATION_NOT_FOUND also covers a reservation made with another card.',
        security,
        body: LookupRequest,
        response: responses(200, LookupResponse),
      },
    },
    async (request) => kiosks.lookup(kioskOf(request), request.body, now()),
  );

  app.post(
    API_PATHS.kioskClaim,
    {
      schema: {
        tags: ['kiosk'],
        summary: "Claim the looked-up reservation and get the reset cryptogram for the card's challenge",
        description:
          'Only after a lookup by this kiosk within the lookup lifetime (once). Checked in order: PIN file, procedure offered, service window (server clock, Japan time), lookup, reservation state. Atomic: one claim wins.',
        security,
        body: ClaimRequest,
        response: responses(200, ClaimResponse),
      },
    },
    async (request) => kiosks.claim(kioskOf(request), request.body, now()),
  );

  app.post(
    API_PATHS.kioskComplete,
    {
      schema: {
        tags: ['kiosk'],
        summary: 'The reset is done (idempotent for the same claim; one completion per reservation ever)',
        security,
        body: CompleteRequest,
        response: responses(200, CompleteResponse),
      },
    },
    async (request) => kiosks.complete(kioskOf(request), request.body.claimId, now()),
  );

  app.post(
    API_PATHS.kioskRelease,
    {
      schema: {
        tags: ['kiosk'],
        summary: 'Hand the claim back (the reset was not done)',
        security,
        body: ReleaseRequest,
        response: responses(200, ReleaseResponse),
      },
    },
    async (request) => kiosks.release(kioskOf(request), request.body, now()),
  );

  app.post(
    API_PATHS.kioskHeartbeat,
    {
      schema: {
        tags: ['kiosk'],
        summary: "The kiosk's current state (the latest is kept per kiosk)",
        security,
        body: HeartbeatRequest,
        response: responses(200, HeartbeatResponse),
      },
    },
    async (request) => {
      const kiosk = kioskOf(request);
      const answer = await kiosks.heartbeat(kiosk, request.body, now());
      // What operators ask of this kiosk rides on the answer (memory only: no extra read).
      const control = options.controlFor?.(kiosk.id);
      return control ? { ...answer, control } : answer;
    },
  );

  app.post(
    API_PATHS.kioskEvents,
    {
      bodyLimit: options.eventsBodyLimitBytes,
      schema: {
        tags: ['kiosk'],
        summary: "A batch of the kiosk's outbox events (idempotent by event id)",
        security,
        body: EventBatchRequest,
        response: responses(200, EventBatchResponse),
      },
    },
    async (request) => kiosks.events(kioskOf(request), request.body, now()),
  );
};
