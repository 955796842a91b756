import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { ensureIssuerMasterKey } from '../../hardware/pki/issuer-master-key';
import { openReservationStore } from '../store/open-store';
import { redactedUrl } from '../store/postgres/pool';
import type { ReservationStore } from '../store/reservation-store';
import { DataDirTrust } from '../verification/data-dir-trust';
import { build, type ReservationApi } from './app';
import type { ApiConfig } from './config';
import { ensureDevFaceProviderKey, faceJwksPath, loadFaceProviderKeys } from './face-provider-keys';
import { acquireInstanceLock } from './instance-lock';
import { createApiLogger } from './logger';

export interface StartApiOptions {
  /** The server clock, epoch ms (default real time; the demo passes its demo clock). */
  now?: () => number;
  /** Default: a pino logger at `config.logLevel` on stdout. */
  logger?: Logger;
}

export interface RunningApi {
  app: ReservationApi;
  store: ReservationStore;
  logger: Logger;
  /** `http://HOST:PORT` with the port actually bound (`port: 0` picks a free one). */
  url: string;
  port: number;
  /** Stops listening, the expiry sweep and the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the reservation API from a configuration: data directory with its dev keys (issuer master
 * key, face-verification provider key pair, created on first start), the store (SQLite, or
 * PostgreSQL when `config.databaseUrl` is set; migrated on open), the Fastify app
 * listening, and the expiry sweep. Used by `npm run api` (main.ts) and `npm start` (one process).
 */
export async function startReservationApi(
  config: ApiConfig,
  options: StartApiOptions = {},
): Promise<RunningApi> {
  const now = options.now ?? Date.now;
  const logger = options.logger ?? createApiLogger({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
  mkdirSync(dirname(config.database), { recursive: true });
  // One API per SQLite database: a second process on the same data directory is refused here.
  // PostgreSQL is made for several instances (every race is settled in the database): no lock.
  const lock =
    config.databaseUrl === undefined ? acquireInstanceLock(config.database) : { release: () => {} };
  try {
    return await startLocked(config, options, now, logger, lock.release);
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLocked(
  config: ApiConfig,
  options: StartApiOptions,
  now: () => number,
  logger: Logger,
  releaseLock: () => void,
): Promise<RunningApi> {
  const masterKey = ensureIssuerMasterKey(config.dataDir);
  if (config.faceJwks === faceJwksPath(config.dataDir) && ensureDevFaceProviderKey(config.dataDir)) {
    logger.info({ jwks: config.faceJwks }, 'created the dev face-verification provider key pair');
  }
  const trust = new DataDirTrust(config.dataDir, (problem) => logger.warn(problem));
  if (!trust.ready) {
    logger.warn(
      `no JPKI trust anchors yet under ${config.dataDir}/pki: issue a card with \`npm run card -- issue --persona healthy --out FILE --data ${config.dataDir}\`; the API picks them up when they appear`,
    );
  }
  const store = await openReservationStore(config, {
    // Nothing after a failed fsync can be trusted: stop at once (no checkpoint, no more answers) so
    // the supervisor restarts the API and SQLite recovers the log.
    onDurabilityFailure: (error) => {
      logger.fatal({ err: { type: error.name, message: error.message } }, 'database sync failed; exiting');
      process.exit(1);
    },
    // PostgreSQL restarted or a connection was cut: the pool opens a new one on next use.
    onIdleError: (error) =>
      logger.warn({ err: { type: error.name, message: error.message } }, 'idle database connection failed'),
  });
  const app = await build({
    store,
    now,
    policy: config.policy,
    masterKey,
    faceProviderKeys: loadFaceProviderKeys(config.faceJwks),
    trust,
    logger,
    trustProxy: config.trustProxy,
  });

  const sweep = setInterval(() => {
    store.expireDue(now()).catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }, config.expirySweepMs);
  sweep.unref();

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    clearInterval(sweep);
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  // Never the URL's password in a log.
  const database = config.databaseUrl ? redactedUrl(config.databaseUrl) : config.database;
  logger.info({ database, dataDir: config.dataDir }, `Reservation API listening on ${url}`);
  // Lines are buffered (logger.ts): whoever waits for this one gets it now.
  logger.flush();

  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    logger,
    url,
    port,
    close() {
      closing ??= (async () => {
        clearInterval(sweep);
        await app.close();
        await store.close();
        releaseLock();
      })();
      return closing;
    },
  };
}
