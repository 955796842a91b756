import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, formatJapanDateTime } from '../kiosk/simulation/demo-clock';
import { ConfigError } from '../reservation-api/server/config';
import { startDemo } from './demo/demo';

/**
 * `npm start [-- --port PORT] [--data DIR] [--log-level LEVEL]` — the whole product in one process,
 * in simulation mode (no reader, no pcscd): reservation API on SQLite, operator dashboard, a demo
 * kiosk with a simulated reader, its simulation panel and the demo clock. docs/demo.md.
 */

const USAGE =
  'usage: npm start -- [--port PORT (default 8080, 0 = any free port)] [--data DIR (default ./data)] [--log-level LEVEL]';

/** A command line `npm start` cannot run with (exit 2, with the usage). */
class UsageError extends Error {}

function parseOptions(): { port: number; dataDir: string; logLevel: string } {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '8080' },
        data: { type: 'string', default: 'data' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0–65535');
  return { port, dataDir: resolve(values.data), logLevel: values['log-level'] };
}

async function main(): Promise<void> {
  const options = parseOptions();
  const demo = await startDemo(options);
  console.log(
    [
      `Reservation API: ${demo.apiUrl}  (OpenAPI: ${demo.apiUrl}/openapi.json; logs: ${options.dataDir}/logs/reservation-api.log)`,
      `Kiosk UI: ${demo.kioskUrl}`,
      `Simulation panel: ${demo.panelUrl}`,
      `Operator dashboard: ${demo.dashboardUrl}`,
      `Operator login: name ${demo.operator.name}, token ${demo.operator.token}`,
      `Demo clock: ${formatJapanDateTime(demo.clock.now())} (${
        demo.clock.isRealTime
          ? 'real time'
          : `${formatDuration(demo.clock.offset)} ahead of real time, as an earlier run left it: it never goes back`
      })`,
      '',
      'Open the kiosk UI (1280×800) and the simulation panel side by side. In the panel: pick a persona',
      '(sign-pin-blocked is the typical customer), run the phone step, then tap はじめる on the kiosk, insert',
      `the card, type the 4-digit PIN 1234 and a new signature PIN twice. Demo cards: ${options.dataDir}/demo-cards/.`,
      'Ctrl-C stops everything.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    demo.close().then(
      () => {
        console.log('Stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`npm start: stopping failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const usage = error instanceof UsageError || error instanceof ConfigError;
  console.error(
    `npm start: ${error instanceof Error ? error.message : String(error)}${usage ? `\n${USAGE}` : ''}`,
  );
  process.exit(usage ? 2 : 1);
});
