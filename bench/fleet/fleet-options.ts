import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HEARTBEAT_PERIOD_MS } from './heartbeat-schedule';

export const FLEET_USAGE = `usage: npm run fleet -- --api URL[,URL…] --kiosks N --duration SECONDS
                      [--sessions-per-hour R] [--data DIR] [--api-data DIR] [options]

  --api URL[,URL…]        the reservation API(s); requests go round-robin over them, a URL
                          whose connection fails is left out until its /healthz answers again
  --kiosks N              kiosks in the fleet, each heartbeating every 10 s (56000: the nation)
  --duration SECONDS      how long to run
  --sessions-per-hour R   customers per hour over the whole fleet (default 0): phone step, then
                          challenge → lookup → claim → complete at a random idle kiosk
  --data DIR              keeps the kiosks' keys (kiosks.jsonl) and the cards: a second run reuses
                          the registrations; without it every run registers new kiosks
  --api-data DIR          the API's data directory (default ./data): its test PKI issues the
                          customers' virtual cards, its dev face key signs the face attestation
  --cards N               virtual cards (default R/8 within 2–256: the API allows 10 reservation
                          attempts per card per hour; issued once, kept under --data)
  --connections N         keep-alive connections per API URL (default 32; the API allows 128
                          per client address)
  --report-every SECONDS  a JSON line of figures this often (default 10), and one at the end
  --ack-log FILE          every acknowledged write as a JSON line (to check against the database)
  --heartbeat-every MS    each kiosk's heartbeat period (default 10000, the kiosks' own); shorter
                          lets fewer kiosks ask the load of many (benchmarks)
  --clock-offset MS       the fleet's clock is the real one plus MS (for an API on a shifted clock)
  --token TOKEN           an admin operator's token to register kiosks (better: FLEET_OPERATOR_TOKEN)

Figures go to stdout as JSON lines, progress to stderr.`;

export class FleetUsageError extends Error {}

export interface FleetOptions {
  apiUrls: string[];
  kiosks: number;
  durationSeconds: number;
  sessionsPerHour: number;
  dataDir: string | undefined;
  apiDataDir: string;
  cards: number;
  connectionsPerUrl: number;
  reportEverySeconds: number;
  ackLog: string | undefined;
  clockOffsetMs: number;
  heartbeatPeriodMs: number;
  token: string | undefined;
}

function number(
  value: string | undefined,
  flag: string,
  fallback: number | undefined,
  check: (n: number) => boolean,
  expected: string,
): number {
  if (value === undefined) {
    if (fallback === undefined) throw new FleetUsageError(`missing ${flag}`);
    return fallback;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || !check(parsed)) throw new FleetUsageError(`${flag} must be ${expected}`);
  return parsed;
}

const positiveInteger = (n: number) => Number.isInteger(n) && n > 0;

/** The options of a command line; FleetUsageError says what is wrong. */
export function parseFleetOptions(argv: string[], env: NodeJS.ProcessEnv): FleetOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        api: { type: 'string' },
        kiosks: { type: 'string' },
        duration: { type: 'string' },
        'sessions-per-hour': { type: 'string' },
        data: { type: 'string' },
        'api-data': { type: 'string' },
        cards: { type: 'string' },
        connections: { type: 'string' },
        'report-every': { type: 'string' },
        'ack-log': { type: 'string' },
        'clock-offset': { type: 'string' },
        'heartbeat-every': { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new FleetUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (!values.api) throw new FleetUsageError('missing --api URL');
  const apiUrls = values.api.split(',').map((url) => url.trim());
  for (const url of apiUrls) {
    if (!/^https?:\/\/[^/\s]+/.test(url)) throw new FleetUsageError(`--api: not an http(s) URL: ${url}`);
    if (url.startsWith('https:'))
      throw new FleetUsageError('--api: https is not supported (use the plain port)');
  }
  const sessionsPerHour = number(values['sessions-per-hour'], '--sessions-per-hour', 0, (n) => n >= 0, '≥ 0');
  return {
    apiUrls,
    kiosks: number(values.kiosks, '--kiosks', undefined, positiveInteger, 'a positive integer'),
    durationSeconds: number(values.duration, '--duration', undefined, (n) => n > 0, 'a positive number'),
    sessionsPerHour,
    dataDir: values.data ? resolve(values.data) : undefined,
    apiDataDir: resolve(values['api-data'] ?? './data'),
    cards: number(
      values.cards,
      '--cards',
      Math.min(256, Math.max(2, Math.ceil(sessionsPerHour / 8))),
      positiveInteger,
      'a positive integer',
    ),
    connectionsPerUrl: number(values.connections, '--connections', 32, positiveInteger, 'a positive integer'),
    reportEverySeconds: number(
      values['report-every'],
      '--report-every',
      10,
      (n) => n > 0,
      'a positive number',
    ),
    ackLog: values['ack-log'] ? resolve(values['ack-log']) : undefined,
    clockOffsetMs: number(values['clock-offset'], '--clock-offset', 0, Number.isInteger, 'an integer'),
    heartbeatPeriodMs: number(
      values['heartbeat-every'],
      '--heartbeat-every',
      HEARTBEAT_PERIOD_MS,
      positiveInteger,
      'a positive integer (ms)',
    ),
    token: values.token ?? (env['FLEET_OPERATOR_TOKEN'] || undefined),
  };
}
