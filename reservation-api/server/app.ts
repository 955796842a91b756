import { limitConnectionsPerClient } from './connection-limits';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { type TypeBoxTypeProvider, TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { API_PATHS, type EventBatchRequest, type HeartbeatRequest } from '../contract';
import { KioskAuthenticator } from '../auth/kiosk-authenticator';
import { OperatorAuthenticator } from '../auth/operator-auth';
import { OperatorLogin } from '../auth/operator-login';
import { dashboardPlugin, type DashboardPluginOptions } from '../dashboard/dashboard-plugin';
import { FleetMonitor } from '../fleet/fleet-monitor';
import { FleetSummaryFeed } from '../fleet/fleet-summary-feed';
import { publishFunnelMetrics } from '../fleet/funnel';
import { KioskControls } from '../fleet/kiosk-controls';
import { OpsEventStream } from '../fleet/ops-event-stream';
import { OpsRelay } from '../fleet/ops-relay';
import { healthRoutes } from '../routes/health-routes';
import { kioskRoutes } from '../routes/kiosk-routes';
import { opsFleetRoutes } from '../routes/ops-fleet-routes';
import { opsKioskRoutes } from '../routes/ops-kiosk-routes';
import { opsRoutes } from '../routes/ops-routes';
import { opsSessionRoutes } from '../routes/ops-session-routes';
import { phoneRoutes } from '../routes/phone-routes';
import { KioskOperations } from '../services/kiosk-operations';
import { PhoneReservations } from '../services/phone-reservations';
import type { ReservationStore } from '../store/reservation-store';
import { CardCertificateVerifier } from '../verification/certificate-verifier';
import { FaceAttestationVerifier, type FaceProviderKey } from '../verification/face-attestation-verifier';
import type { TrustSource } from '../verification/trust-material';
import { ApiError } from './api-error';
import { answerClientError, answerFrameworkError, installErrorHandling } from './error-handler';
import { acceptJsonBodiesOnly } from './json-body';
import { ApiMetrics } from './metrics';
import { type ApiPolicy, DEFAULT_POLICY } from './policy';
import { sharedRateLimitStore } from './shared-rate-limit';

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
  /** The operator dashboard at /ops (default: served, in Japanese first); false leaves it out. */
  dashboard?: DashboardPluginOptions | false;
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

/** Operator monitoring of one API instance (tests drive `tick` by hand with policy.opsTickMs = 0). */
export interface OpsRuntime {
  monitor: FleetMonitor;
  stream: OpsEventStream;
  /** The overview's counters (cached summary, `summary` events). */
  summary: FleetSummaryFeed;
  /** Operators' remote actions on kiosks (what heartbeat answers carry). */
  controls: KioskControls;
  /** One monitoring tick now: alert rules over time, statistics, retention, expired logins' streams. */
  tick(): Promise<void>;
}

export type ReservationApi = FastifyInstance & {
  metrics: ApiMetrics;
  ops: OpsRuntime;
  /** Every API route registered (HEAD twins and hidden routes left out), e.g. to check the OpenAPI document. */
  registeredRoutes: readonly RegisteredRoute[];
};

/** The funnel gauges of /metrics are recomputed at most this often (one query over today's reservations). */
const FUNNEL_METRICS_EVERY_MS = 60_000;

export async function build(options: BuildOptions): Promise<ReservationApi> {
  const policy: ApiPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const { store, now } = options;
  const metrics = new ApiMetrics();

  // Typed as Fastify's logger so the instance has the plain FastifyInstance type the helpers take.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger || undefined;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    // One line per request instead of Fastify's two (incoming + completed): see the onResponse hook.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: policy.bodyLimitBytes,
    trustProxy: options.trustProxy ?? false,
    return503OnClosing: true,
    // Slow clients: headers, whole request (body) and idle keep-alive are bounded, and checked
    // often enough that a connection which never finishes its request is closed soon after.
    http: { connectionsCheckingInterval: policy.httpTimeoutCheckMs },
    requestTimeout: policy.httpRequestTimeoutMs,
    keepAliveTimeout: policy.httpKeepAliveTimeoutMs,
    // Requests refused before routing (Node's parser, bad percent-encoding) answer {code, message} too.
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  })
    .withTypeProvider<TypeBoxTypeProvider>()
    .setValidatorCompiler(TypeBoxValidatorCompiler);
  // Node's default ties headersTimeout to requestTimeout; ours is shorter (a request must start soon).
  app.server.headersTimeout = Math.min(policy.httpHeadersTimeoutMs, policy.httpRequestTimeoutMs);
  if (!options.trustProxy) limitConnectionsPerClient(app.server, policy.maxConnectionsPerClient);

  acceptJsonBodiesOnly(app);
  installErrorHandling(app);
  app.decorate('metrics', metrics);
  const registeredRoutes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', registeredRoutes);
  app.addHook('onRoute', (route) => {
    // Hidden routes (the dashboard's page and assets) are not API: the OpenAPI document leaves them out too.
    if ((route.schema as { hide?: boolean } | undefined)?.hide === true) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') registeredRoutes.push({ method, url: route.url });
    }
  });

  // The request line's fields are scalars the API itself produced (method, route template, status,
  // duration), so no secret can be in them: it skips redaction, ~18 µs a line (docs/benchmarks.md).
  // Every other line, and anything logged through request.log, is still redacted.
  const requestLines = loggerInstance?.child({}, { redact: { paths: [] } });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status_code: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
    // The request's one log line: method, route template (never the raw URL with its ids),
    // status and duration — no headers, no bodies, so no token or signature can reach it.
    requestLines?.info(
      {
        reqId: request.id,
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        statusCode: reply.statusCode,
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
  });

  await app.register(rateLimit, {
    global: false,
    // Counted in the database, so a limit holds across every instance (docs/decisions.md).
    store: sharedRateLimitStore(store.rateLimits, now),
    errorResponseBuilder: () => new ApiError('RATE_LIMITED'),
  });
  await app.register(cookie);
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
        {
          name: 'ops',
          description: 'Operators (bearer token or dashboard session cookie; roles admin and viewer)',
        },
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
          operatorSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'ops_session',
            description:
              'The dashboard login (POST /v1/ops/session); state-changing requests also need X-Ops-Request: 1',
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

  const stream = new OpsEventStream({
    onCountChange: (count) => metrics.opsStreamClients.set(count),
    onPublish: (message) => summary.observe(message),
  });
  // Live changes between instances on one database (PostgreSQL LISTEN/NOTIFY; silent on SQLite).
  const relay = new OpsRelay({
    channel: store.openInstanceChannel(),
    stream,
    onError: (error) =>
      app.log.warn({ err: { type: error.name, message: error.message } }, 'ops relay failed'),
  });
  app.addHook('onClose', () => relay.close());
  const monitor = new FleetMonitor({ store, now, policy, metrics, publish: relay.publish });
  // The summary is computed by each instance from the shared database: sent to its own clients only.
  const summary = new FleetSummaryFeed({
    compute: async () => {
      const at = now();
      return {
        serverTime: at,
        groups: await store.fleetOverview.summary({ onlineSince: monitor.onlineSince(at) }),
      };
    },
    publish: (message) => stream.publish(message),
    watched: () => stream.size > 0,
    now,
  });
  await monitor.start();
  await relay.start(monitor);
  const operatorAuth = new OperatorAuthenticator(store, now, policy);
  const controls = new KioskControls(store, now);
  await controls.refresh();
  let funnelPublishedAt = Number.NEGATIVE_INFINITY;
  const ops: OpsRuntime = {
    monitor,
    stream,
    summary,
    controls,
    async tick() {
      await monitor.tick();
      await store.rateLimits.prune(now());
      await summary.flush();
      // Remote actions made by the CLI or another instance reach their kiosk's next heartbeat.
      await controls.refresh();
      metrics.kiosksInMaintenance.set(controls.inMaintenance());
      const at = now();
      if (at - funnelPublishedAt >= FUNNEL_METRICS_EVERY_MS || at < funnelPublishedAt) {
        funnelPublishedAt = at;
        await publishFunnelMetrics(store, metrics, at);
      }
      // Logins past their expiry and operators revoked by the CLI (another process) lose their
      // live streams within a tick, whatever the ping interval.
      await stream.recheckCredentials();
    },
  };
  app.decorate('ops', ops);
  observeKioskReports(app, monitor, relay, controls, now);

  await app.register(phoneRoutes, { phone, now, metrics, requestsPerMinute: policy.phoneRequestsPerMinute });
  await app.register(kioskRoutes, {
    kiosks,
    authenticator,
    now,
    metrics,
    eventsBodyLimitBytes: policy.eventsBodyLimitBytes,
    controlFor: (kioskId) => controls.controlFor(kioskId),
  });
  await app.register(opsKioskRoutes, { store, now, auth: operatorAuth, monitor, controls, metrics });
  await app.register(opsRoutes, { store, now, auth: operatorAuth, monitor });
  await app.register(opsSessionRoutes, {
    login: new OperatorLogin(store, now, policy),
    loginsPerMinute: policy.opsLoginsPerMinute,
    onLogout: (sessionHash) => void stream.closeSessions(async (candidate) => candidate !== sessionHash),
  });
  await app.register(opsFleetRoutes, {
    store,
    now,
    auth: operatorAuth,
    monitor,
    stream,
    summary,
    retentionMs: policy.opsRetentionMs,
  });
  await app.register(healthRoutes, { store, metrics });
  if (options.dashboard !== false) await app.register(dashboardPlugin, options.dashboard ?? {});
  app.get(API_PATHS.openapi, { schema: { hide: true } }, async () => app.swagger());

  scheduleOpsTimers(app, ops, stream, policy);

  await app.ready();
  return app as unknown as ReservationApi;
}

/**
 * Tells the fleet monitor about every heartbeat and event batch a kiosk got accepted, and never
 * changes the kiosk's answer: a monitoring failure is logged, not returned. A heartbeat is only
 * noted (the answer does not wait for its evaluation: the stored heartbeat is the durable part, and
 * at thousands a second the monitor coalesces them; tests wait with `monitor.settled()`). An event
 * batch is still followed before the answer. Registered before the kiosk routes to reach them.
 */
function observeKioskReports(
  app: FastifyInstance,
  monitor: FleetMonitor,
  relay: OpsRelay,
  controls: KioskControls,
  now: () => number,
): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (reply.statusCode !== 200 || !request.kiosk) return payload;
    const route = request.routeOptions.url;
    try {
      if (route === API_PATHS.kioskHeartbeat) {
        monitor
          .noteHeartbeat(request.kiosk, request.body as HeartbeatRequest, now())
          .catch((error: unknown) =>
            app.log.error(
              { err: { type: (error as Error).name, stack: (error as Error).stack } },
              'fleet monitor failed',
            ),
          );
      } else if (route === API_PATHS.kioskEvents) {
        await monitor.onKioskEvents();
        relay.feedAdvanced();
        await controls.onKioskEvents(request.kiosk.id, (request.body as EventBatchRequest).events);
      }
    } catch (error) {
      request.log.error(
        { err: { type: (error as Error).name, stack: (error as Error).stack } },
        'fleet monitor failed',
      );
    }
    return payload;
  });
}

const SUMMARY_FLUSH_MS = 1_000;

/** The monitoring tick and the stream's keep-alive, on real timers unless the policy sets them to 0. */
function scheduleOpsTimers(
  app: FastifyInstance,
  ops: OpsRuntime,
  stream: OpsEventStream,
  policy: ApiPolicy,
): void {
  const timers: NodeJS.Timeout[] = [];
  if (policy.opsTickMs > 0) {
    timers.push(
      setInterval(() => {
        ops.tick().catch((error: unknown) => app.log.error({ err: error }, 'ops tick failed'));
      }, policy.opsTickMs),
    );
  }
  if (policy.opsTickMs > 0) {
    // The overview's counters follow the fleet within a second (cheap when nothing changed).
    timers.push(setInterval(() => void ops.summary.flush(), SUMMARY_FLUSH_MS));
  }
  if (policy.opsStreamPingMs > 0) timers.push(setInterval(() => stream.ping(), policy.opsStreamPingMs));
  for (const timer of timers) timer.unref();
  // Open event streams would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const timer of timers) clearInterval(timer);
    stream.closeAll();
  });
}
