import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { API_PATHS } from '../contract';
import { KioskAuthenticator } from '../auth/kiosk-authenticator';
import { healthRoutes } from '../routes/health-routes';
import { kioskRoutes } from '../routes/kiosk-routes';
import { opsRoutes } from '../routes/ops-routes';
import { phoneRoutes } from '../routes/phone-routes';
import { KioskOperations } from '../services/kiosk-operations';
import { PhoneReservations } from '../services/phone-reservations';
import type { ReservationStore } from '../store/reservation-store';
import { CardCertificateVerifier } from '../verification/certificate-verifier';
import { FaceAttestationVerifier, type FaceProviderKey } from '../verification/face-attestation-verifier';
import type { TrustSource } from '../verification/trust-material';
import { ApiError } from './api-error';
import { installErrorHandling } from './error-handler';
import { acceptJsonBodiesOnly } from './json-body';
import { ApiMetrics } from './metrics';
import { type ApiPolicy, DEFAULT_POLICY } from './policy';

/**
 * Builds the reservation API — phone, kiosk and operator endpoints, health, metrics, OpenAPI —
 * without listening: tests inject requests or listen on a loopback port themselves; the entry
 * point (main.ts) listens. Everything with a side or a clock comes in through the options.
 */

export interface BuildOptions {
  store: ReservationStore;
  /** The server clock, epoch ms: every business time check uses it. */
  now: () => number;
  policy?: Partial<ApiPolicy>;
  /** The issuer master key card reset keys derive from. */
  masterKey: Uint8Array;
  faceProviderKeys: readonly FaceProviderKey[];
  trust: TrustSource;
  /** A pino logger (see logger.ts), or false for none. */
  logger?: Logger | false;
  /** Honour X-Forwarded-For (behind a reverse proxy) for the client IP rate limits. */
  trustProxy?: boolean;
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

export type ReservationApi = FastifyInstance & {
  metrics: ApiMetrics;
  /** Every route registered (HEAD twins of GET routes left out), e.g. to check the OpenAPI document. */
  registeredRoutes: readonly RegisteredRoute[];
};

export async function build(options: BuildOptions): Promise<ReservationApi> {
  const policy: ApiPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const { store, now } = options;
  const metrics = new ApiMetrics();

  // Typed as Fastify's logger so the instance has the plain FastifyInstance type the helpers take.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger || undefined;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    bodyLimit: policy.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);

  acceptJsonBodiesOnly(app);
  installErrorHandling(app);
  app.decorate('metrics', metrics);
  const registeredRoutes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', registeredRoutes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') registeredRoutes.push({ method, url: route.url });
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
  });

  await app.register(rateLimit, { global: false, errorResponseBuilder: () => new ApiError('RATE_LIMITED') });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'JPKI PIN reset — reservation API',
        version: '1.0.0',
        description:
          'Phone reservations (step 1), kiosk authorisation (step 2) and operator administration. Errors are {code, message}; see docs/api.md for the error table.',
      },
      tags: [
        { name: 'phone', description: 'Step 1: the phone app (anonymous, rate limited)' },
        { name: 'kiosk', description: 'Step 2: kiosks, each request signed per RFC 9421 (Ed25519)' },
        { name: 'ops', description: 'Operators (bearer token, roles admin and viewer)' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          reservationToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'The reservation token from create',
          },
          operatorToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'An operator token (npm run ops -- operator create)',
          },
          kioskSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'Signature',
            description:
              'RFC 9421 HTTP message signature, label "kiosk", Ed25519, keyid = kiosk id, covering ("@method" "@path" "content-digest") with created, keyid, alg and nonce; plus Signature-Input and an RFC 9530 Content-Digest (sha-256).',
          },
        },
      },
    },
  });

  const certificates = new CardCertificateVerifier(options.trust, { crlGraceMs: policy.crlGraceMs });
  const face = new FaceAttestationVerifier(options.faceProviderKeys, {
    threshold: policy.faceScoreThreshold,
    maxAgeMs: policy.faceMaxAgeMs,
    futureSkewMs: policy.faceFutureSkewMs,
  });
  const phone = new PhoneReservations({ store, certificates, face, policy });
  const kiosks = new KioskOperations({
    store,
    certificates,
    policy,
    masterKey: options.masterKey,
    onOutcome: (operation, _procedure, code) => {
      if (code === 'ok') metrics.kioskOperations.inc({ operation });
      else metrics.refusals.inc({ operation: `kiosk-${operation}`, code });
    },
  });
  const authenticator = new KioskAuthenticator(store, { clockSkewMs: policy.kioskClockSkewMs });

  await app.register(phoneRoutes, { phone, now, metrics, requestsPerMinute: policy.phoneRequestsPerMinute });
  await app.register(kioskRoutes, {
    kiosks,
    authenticator,
    now,
    metrics,
    eventsBodyLimitBytes: policy.eventsBodyLimitBytes,
  });
  await app.register(opsRoutes, { store, now });
  await app.register(healthRoutes, { store, metrics });
  app.get(API_PATHS.openapi, { schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return app as unknown as ReservationApi;
}
