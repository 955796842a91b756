import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureIssuerMasterKey } from '../../hardware/pki/issuer-master-key';
import { SqliteReservationStore } from '../store/sqlite/sqlite-store';
import { DataDirTrust } from '../verification/data-dir-trust';
import { build } from './app';
import { type ApiConfig, ConfigError, loadConfig, settingsHelp } from './config';
import { ensureDevFaceProviderKey, faceJwksPath, loadFaceProviderKeys } from './face-provider-keys';
import { createApiLogger } from './logger';

/**
 * `npm run api -- [--port PORT] [--host HOST] [--data DIR] [--config FILE] [--log-level LEVEL]`
 *
 * Starts the reservation API alone: SQLite under the data directory (default ./data, the one
 * `npm run card` uses, so trust anchors and the issuer master key match). On first start it creates
 * the dev keys there: the issuer master key and the face-verification provider's key pair.
 */

const USAGE = `usage: npm run api -- [--port PORT] [--host HOST] [--data DIR] [--config FILE] [--log-level LEVEL]

Environment (overridden by flags; a JSON config file uses the camelCase names):
${settingsHelp().join('\n')}
  RESERVATION_API_CONFIG                       a JSON config file`;

function parseCommandLine(): { flags: Record<string, string | undefined>; configFile: string | undefined } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      config: { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return {
    flags: { port: values.port, host: values.host, dataDir: values.data, logLevel: values['log-level'] },
    configFile: values.config,
  };
}

async function start(config: ApiConfig): Promise<void> {
  const logger = createApiLogger({ level: config.logLevel });
  mkdirSync(config.dataDir, { recursive: true });
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
  const store = SqliteReservationStore.open(config.database);
  const app = await build({
    store,
    now: Date.now,
    policy: config.policy,
    masterKey,
    faceProviderKeys: loadFaceProviderKeys(config.faceJwks),
    trust,
    logger,
    trustProxy: config.trustProxy,
  });

  const sweep = setInterval(() => {
    store
      .expireDue(Date.now())
      .catch((error: unknown) => logger.error({ err: error }, 'expiry sweep failed'));
  }, config.expirySweepMs);
  sweep.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    clearInterval(sweep);
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info(
    { database: config.database, dataDir: config.dataDir },
    `Reservation API listening on http://${host}:${port}`,
  );
}

try {
  const { flags, configFile } = parseCommandLine();
  await start(loadConfig({ flags, ...(configFile ? { configFile } : {}) }));
} catch (error) {
  if (
    error instanceof ConfigError ||
    (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
  ) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(`reservation API failed to start: ${(error as Error).message}`);
  process.exit(1);
}
