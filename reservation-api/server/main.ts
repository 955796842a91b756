import { parseArgs } from 'node:util';
import { type ApiConfig, ConfigError, loadConfig, settingsHelp } from './config';
import { startReservationApi } from './start-api';

/**
 * `npm run api -- [--port PORT] [--host HOST] [--data DIR] [--database FILE|URL] [--config FILE] [--log-level LEVEL]`
 *
 * Starts the reservation API alone: PostgreSQL when `--database postgres://…` (or
 * RESERVATION_API_DATABASE_URL) is given, else SQLite under the data directory (default ./data, the one
 * `npm run card` uses, so trust anchors and the issuer master key match). On first start it creates
 * the dev keys there: the issuer master key and the face-verification provider's key pair.
 */

const USAGE = `usage: npm run api -- [--port PORT] [--host HOST] [--data DIR] [--database FILE|postgres://…]
                    [--config FILE] [--log-level LEVEL]

  --database      the SQLite file (default DATA/reservation-api.sqlite), or a PostgreSQL URL
                  (postgres://USER[:PASSWORD]@HOST:PORT/DB) for several instances on one database;
                  migrated at start (instances starting together wait for each other)

Environment (overridden by flags; a JSON config file uses the camelCase names):
${settingsHelp().join('\n')}
  RESERVATION_API_CONFIG                       a JSON config file`;

function parseCommandLine(): { flags: Record<string, string | undefined>; configFile: string | undefined } {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      database: { type: 'string' },
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
    flags: {
      port: values.port,
      host: values.host,
      dataDir: values.data,
      database: values.database,
      logLevel: values['log-level'],
    },
    configFile: values.config,
  };
}

/** Starts the API and stops it cleanly on SIGINT / SIGTERM. */
async function start(config: ApiConfig): Promise<void> {
  const api = await startReservationApi(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    api.logger.info({ signal }, 'stopping');
    await api.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
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
