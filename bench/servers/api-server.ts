import { join } from 'node:path';
import { loadIssuerMasterKey } from '../../hardware/pki/pki-layout';
import { build } from '../../reservation-api/server/app';
import { faceJwksPath, loadFaceProviderKeys } from '../../reservation-api/server/face-provider-keys';
import { bufferedLogDestination, createApiLogger } from '../../reservation-api/server/logger';
import type { ApiPolicy } from '../../reservation-api/server/policy';
import { openReservationStore } from '../../reservation-api/store/open-store';
import { DataDirTrust } from '../../reservation-api/verification/data-dir-trust';

/**
 * The reservation API as the benchmark runs it: the real app (Fastify, validation, certificate and
 * CRL checks, RFC 9421 kiosk auth, SQLite store with group commit), info-level request logs to
 * a file (buffered like the production logger), in its own process. Its clock is the real clock shifted by OFFSET ms (the parent's bench
 * clock, inside service hours), so both agree.
 * Rate limits are lifted (one client IP, one card, thousands of requests). With a DATABASE_URL it
 * runs on that PostgreSQL instead (several of these processes share one database and one DIR).
 * BENCH_API_POLICY (JSON) overrides more of the policy.
 * Usage: `node --import tsx api-server.ts DIR OFFSET [DATABASE_URL]`; prints {"port":N}.
 */
const [dir, offsetText, databaseUrl] = process.argv.slice(2);
if (!dir || !offsetText) throw new Error('usage: api-server.ts DIR OFFSET [DATABASE_URL]');
const offset = Number(offsetText);
const now = () => Date.now() + offset;
const store = await openReservationStore({ database: join(dir, 'reservation-api.sqlite'), databaseUrl });
const app = await build({
  store,
  now,
  masterKey: loadIssuerMasterKey(dir),
  faceProviderKeys: loadFaceProviderKeys(faceJwksPath(dir)),
  trust: new DataDirTrust(dir),
  logger: createApiLogger({
    level: 'info',
    // Buffered as in production (start-api.ts's default logger).
    destination: bufferedLogDestination(join(dir, 'api.log')),
  }),
  policy: {
    phoneRequestsPerMinute: 1_000_000,
    cardAttemptsPerWindow: 1_000_000,
    ...(JSON.parse(process.env['BENCH_API_POLICY'] ?? '{}') as Partial<ApiPolicy>),
  },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
);
process.on('SIGTERM', () => {
  void app.close().then(async () => {
    await store.close();
    process.exit(0);
  });
});
