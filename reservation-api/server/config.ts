import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { isPostgresUrl, redactedUrl } from '../store/postgres/pool';
import { type ApiPolicy, DEFAULT_POLICY } from './policy';

/**
 * The API's configuration: defaults ← config file (JSON) ← environment ← command-line flags, each
 * value validated with a message that names where it came from. Nothing secret is configured here:
 * keys live in files of the data directory.
 */

interface Setting {
  schema: TSchema;
  env: string;
  description: string;
}

const SETTINGS = {
  host: {
    schema: Type.String({ minLength: 1 }),
    env: 'RESERVATION_API_HOST',
    description: 'address to listen on',
  },
  port: {
    schema: Type.Integer({ minimum: 0, maximum: 65535 }),
    env: 'RESERVATION_API_PORT',
    description: 'TCP port (0 = any free port)',
  },
  dataDir: {
    schema: Type.String({ minLength: 1 }),
    env: 'RESERVATION_API_DATA_DIR',
    description: 'data directory shared with `npm run card` (trust anchors, CRLs, master key, SQLite)',
  },
  database: {
    schema: Type.String({ minLength: 1 }),
    env: 'RESERVATION_API_DATABASE',
    description: 'SQLite file (default DATA/reservation-api.sqlite), or a postgres:// URL',
  },
  databaseUrl: {
    schema: Type.String({ pattern: '^postgres(ql)?://' }),
    env: 'RESERVATION_API_DATABASE_URL',
    description:
      'PostgreSQL URL (postgres://USER@HOST:PORT/DB): the store for several instances; SQLite when absent',
  },
  logLevel: {
    schema: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    ) as TSchema,
    env: 'RESERVATION_API_LOG_LEVEL',
    description: 'pino log level',
  },
  trustProxy: {
    schema: Type.Boolean(),
    env: 'RESERVATION_API_TRUST_PROXY',
    description: 'take the client IP from X-Forwarded-For (behind a reverse proxy)',
  },
  faceJwks: {
    schema: Type.String({ minLength: 1 }),
    env: 'RESERVATION_API_FACE_JWKS',
    description: 'JWKS of the face-verification provider (default DATA/face-provider/jwks.json)',
  },
  faceScoreThreshold: {
    schema: Type.Number({ minimum: 0, maximum: 1 }),
    env: 'RESERVATION_API_FACE_SCORE_THRESHOLD',
    description: 'minimum face-match score, 0–1',
  },
  kioskClockSkewSeconds: {
    schema: Type.Integer({ minimum: 1, maximum: 3600 }),
    env: 'RESERVATION_API_KIOSK_CLOCK_SKEW_SECONDS',
    description: "accepted distance of a kiosk signature's created time from the server clock",
  },
  phoneRequestsPerMinute: {
    schema: Type.Integer({ minimum: 1 }),
    env: 'RESERVATION_API_PHONE_REQUESTS_PER_MINUTE',
    description: 'requests per client IP per minute on each phone endpoint',
  },
  cardAttemptsPerHour: {
    schema: Type.Integer({ minimum: 1 }),
    env: 'RESERVATION_API_CARD_ATTEMPTS_PER_HOUR',
    description: 'reservation attempts per card per hour',
  },
  expirySweepSeconds: {
    schema: Type.Integer({ minimum: 1 }),
    env: 'RESERVATION_API_EXPIRY_SWEEP_SECONDS',
    description: 'how often due reservations are marked expired (they are refused at exactly 24 h anyway)',
  },
} as const satisfies Record<string, Setting>;

const MINUTE_MS = 60_000;

interface PolicySetting extends Setting {
  /** The policy field it sets, and how many ms one configured unit is (1 for plain counts). */
  policyKey: keyof ApiPolicy;
  unitMs: number;
}

/** Integer settings that go straight into the policy: operator sessions, monitoring, alert rules. */
function policySetting(
  policyKey: keyof ApiPolicy,
  unitMs: number,
  env: string,
  description: string,
  minimum = 1,
): PolicySetting {
  return { schema: Type.Integer({ minimum }), env, description, policyKey, unitMs };
}

const POLICY_SETTINGS = {
  opsSessionIdleMinutes: policySetting(
    'opsSessionIdleMs',
    MINUTE_MS,
    'RESERVATION_API_OPS_SESSION_IDLE_MINUTES',
    'a dashboard login ends after this many minutes without a request',
  ),
  opsSessionMaxHours: policySetting(
    'opsSessionMaxMs',
    60 * MINUTE_MS,
    'RESERVATION_API_OPS_SESSION_MAX_HOURS',
    'a dashboard login ends this many hours after login at the latest',
  ),
  opsLoginsPerMinute: policySetting(
    'opsLoginsPerMinute',
    1,
    'RESERVATION_API_OPS_LOGINS_PER_MINUTE',
    'dashboard login attempts per client IP per minute',
  ),
  opsTickSeconds: policySetting(
    'opsTickMs',
    1000,
    'RESERVATION_API_OPS_TICK_SECONDS',
    'how often alerts are re-evaluated and statistics refreshed (0 = never)',
    0,
  ),
  opsStreamPingSeconds: policySetting(
    'opsStreamPingMs',
    1000,
    'RESERVATION_API_OPS_STREAM_PING_SECONDS',
    'keep-alive comment interval of the live stream (0 = none)',
    0,
  ),
  opsRetentionDays: policySetting(
    'opsRetentionMs',
    24 * 60 * MINUTE_MS,
    'RESERVATION_API_OPS_RETENTION_DAYS',
    'days of session series, resolved alerts and kiosk events kept',
  ),
  alertHeartbeatStaleSeconds: policySetting(
    'alertHeartbeatStaleMs',
    1000,
    'RESERVATION_API_ALERT_HEARTBEAT_STALE_SECONDS',
    'alert when a kiosk has not heartbeated for this long (heartbeats every ~10 s)',
  ),
  alertReaderGraceSeconds: policySetting(
    'alertReaderGraceMs',
    1000,
    'RESERVATION_API_ALERT_READER_GRACE_SECONDS',
    "alert only when a kiosk's reader has been absent or unavailable this long (0 = at once)",
    0,
  ),
  alertClockSkewSeconds: policySetting(
    'alertClockSkewMs',
    1000,
    'RESERVATION_API_ALERT_CLOCK_SKEW_SECONDS',
    "alert when a kiosk's clock is further than this from the server's",
  ),
  alertRepeatedFailures: policySetting(
    'alertRepeatedFailures',
    1,
    'RESERVATION_API_ALERT_REPEATED_FAILURES',
    'alert when one kiosk has this many failed sessions within the window',
  ),
  alertRepeatedFailuresWindowMinutes: policySetting(
    'alertRepeatedFailuresWindowMs',
    MINUTE_MS,
    'RESERVATION_API_ALERT_REPEATED_FAILURES_WINDOW_MINUTES',
    'window of the repeated-failures rule',
  ),
  alertUnusualPattern: policySetting(
    'alertUnusualPattern',
    1,
    'RESERVATION_API_ALERT_UNUSUAL_PATTERN',
    'alert when one kiosk has this many blocked-PIN or card-mismatch sessions within the repeated-failures window',
  ),
  alertBlockedPinSpike: policySetting(
    'alertBlockedPinSpike',
    1,
    'RESERVATION_API_ALERT_BLOCKED_PIN_SPIKE',
    'alert when this many sessions fleet-wide end on a blocked PIN within the spike window',
  ),
  alertResetRefusedSpike: policySetting(
    'alertResetRefusedSpike',
    1,
    'RESERVATION_API_ALERT_RESET_REFUSED_SPIKE',
    'alert when this many cards fleet-wide refuse the reset within the spike window',
  ),
  alertSpikeWindowMinutes: policySetting(
    'alertSpikeWindowMs',
    MINUTE_MS,
    'RESERVATION_API_ALERT_SPIKE_WINDOW_MINUTES',
    'window of the fleet-wide spike rules',
  ),
  httpHeadersTimeoutSeconds: policySetting(
    'httpHeadersTimeoutMs',
    1000,
    'RESERVATION_API_HTTP_HEADERS_TIMEOUT_SECONDS',
    "a request's headers must arrive within this many seconds, or the connection is closed",
  ),
  httpRequestTimeoutSeconds: policySetting(
    'httpRequestTimeoutMs',
    1000,
    'RESERVATION_API_HTTP_REQUEST_TIMEOUT_SECONDS',
    'a whole request (body included) must arrive within this many seconds',
  ),
  httpKeepAliveTimeoutSeconds: policySetting(
    'httpKeepAliveTimeoutMs',
    1000,
    'RESERVATION_API_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS',
    'a kept-alive connection idle this many seconds between requests is closed',
  ),
  maxConnectionsPerClient: policySetting(
    'maxConnectionsPerClient',
    1,
    'RESERVATION_API_MAX_CONNECTIONS_PER_CLIENT',
    'open connections per client IP at most (0 = no limit; not applied with trustProxy)',
    0,
  ),
} as const satisfies Record<string, PolicySetting>;

type PolicySettingName = keyof typeof POLICY_SETTINGS;

const ALL_SETTINGS: Record<string, Setting> = { ...SETTINGS, ...POLICY_SETTINGS };

type SettingName = keyof typeof SETTINGS | PolicySettingName;

/** Every setting optional: what a config file or the flags may give. */
interface BaseConfig {
  host?: string;
  port?: number;
  dataDir?: string;
  database?: string;
  databaseUrl?: string;
  logLevel?: string;
  trustProxy?: boolean;
  faceJwks?: string;
  faceScoreThreshold?: number;
  kioskClockSkewSeconds?: number;
  phoneRequestsPerMinute?: number;
  cardAttemptsPerHour?: number;
  expirySweepSeconds?: number;
}

/** Plus the operator and alert settings (POLICY_SETTINGS), each an integer in its unit. */
export type PartialConfig = BaseConfig & Partial<Record<PolicySettingName, number>>;

const ConfigSchema: TSchema = Type.Object(
  Object.fromEntries(Object.entries(ALL_SETTINGS).map(([name, s]) => [name, Type.Optional(s.schema)])),
  { additionalProperties: false },
);

export interface ApiConfig {
  host: string;
  port: number;
  dataDir: string;
  /** The SQLite file (unused when `databaseUrl` is set). */
  database: string;
  /** PostgreSQL instead of SQLite: `--database postgres://…` or RESERVATION_API_DATABASE_URL. */
  databaseUrl: string | undefined;
  logLevel: string;
  trustProxy: boolean;
  faceJwks: string;
  expirySweepMs: number;
  policy: ApiPolicy;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  logLevel: 'info',
  trustProxy: false,
  faceScoreThreshold: DEFAULT_POLICY.faceScoreThreshold,
  kioskClockSkewSeconds: DEFAULT_POLICY.kioskClockSkewMs / 1000,
  phoneRequestsPerMinute: DEFAULT_POLICY.phoneRequestsPerMinute,
  cardAttemptsPerHour: DEFAULT_POLICY.cardAttemptsPerWindow,
  expirySweepSeconds: 60,
  ...Object.fromEntries(
    Object.entries(POLICY_SETTINGS).map(([name, s]) => [
      name,
      (DEFAULT_POLICY[s.policyKey] as number) / s.unitMs,
    ]),
  ),
} satisfies PartialConfig;

export interface ConfigSources {
  /** Values from command-line flags, named like the settings (strings are converted). */
  flags?: Record<string, string | number | boolean | undefined>;
  env?: NodeJS.ProcessEnv;
  /** A JSON config file; also taken from RESERVATION_API_CONFIG. */
  configFile?: string;
}

/** Merges and validates the configuration; throws ConfigError with every problem, each with its source. */
export function loadConfig(sources: ConfigSources = {}): ApiConfig {
  const env = sources.env ?? process.env;
  const problems: string[] = [];
  const merged: Record<string, unknown> = { ...DEFAULTS };

  const configFile = sources.configFile ?? env['RESERVATION_API_CONFIG'];
  if (configFile) Object.assign(merged, readConfigFile(configFile, problems));

  for (const [name, setting] of Object.entries(ALL_SETTINGS) as [SettingName, Setting][]) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') continue;
    const converted = Value.Convert(setting.schema, raw);
    if (Value.Check(setting.schema, converted)) merged[name] = converted;
    else problems.push(`${setting.env}=${JSON.stringify(shown(raw))}: must be ${describe(setting)}`);
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const setting = Object.hasOwn(ALL_SETTINGS, name) ? ALL_SETTINGS[name] : undefined;
    if (!setting) {
      problems.push(`--${name}: unknown setting`);
      continue;
    }
    const converted = Value.Convert(setting.schema, value);
    if (Value.Check(setting.schema, converted)) merged[name] = converted;
    else problems.push(`--${kebab(name)} ${JSON.stringify(shown(value))}: must be ${describe(setting)}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);

  const config = merged as unknown as Required<Omit<PartialConfig, 'database' | 'databaseUrl' | 'faceJwks'>> &
    PartialConfig;
  const dataDir = resolve(config.dataDir);
  // A postgres:// URL in `database` (the --database flag) selects PostgreSQL as databaseUrl does.
  const databaseUrl =
    config.database && isPostgresUrl(config.database) ? config.database : config.databaseUrl;
  const sqliteFile = config.database && !isPostgresUrl(config.database) ? config.database : undefined;
  return {
    host: config.host,
    port: config.port,
    dataDir,
    database: resolve(sqliteFile ?? join(dataDir, 'reservation-api.sqlite')),
    databaseUrl,
    logLevel: config.logLevel,
    trustProxy: config.trustProxy,
    faceJwks: resolve(config.faceJwks ?? join(dataDir, 'face-provider', 'jwks.json')),
    expirySweepMs: config.expirySweepSeconds * 1000,
    policy: {
      ...DEFAULT_POLICY,
      faceScoreThreshold: config.faceScoreThreshold,
      kioskClockSkewMs: config.kioskClockSkewSeconds * 1000,
      phoneRequestsPerMinute: config.phoneRequestsPerMinute,
      cardAttemptsPerWindow: config.cardAttemptsPerHour,
      ...Object.fromEntries(
        Object.entries(POLICY_SETTINGS).map(([name, s]) => [
          s.policyKey,
          (config[name as PolicySettingName] as number) * s.unitMs,
        ]),
      ),
    },
  };
}

const checkFile = Compile(ConfigSchema);

function readConfigFile(path: string, problems: string[]): PartialConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    problems.push(`config file ${path}: ${(error as Error).message}`);
    return {};
  }
  if (!checkFile.Check(value)) {
    for (const error of checkFile.Errors(value)) {
      const key = error.instancePath.replace(/^\//, '') || '(top level)';
      const setting = ALL_SETTINGS[key];
      problems.push(
        `config file ${path}: ${key} ${setting ? `must be ${describe(setting)}` : error.keyword === 'boolean' ? 'is not a setting' : error.message}`,
      );
    }
    return {};
  }
  return value as PartialConfig;
}

/** A value as a problem report shows it: a URL's password never (a database URL may carry one). */
function shown(value: unknown): unknown {
  return typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\/[^/]*:[^/]*@/i.test(value)
    ? redactedUrl(value)
    : value;
}

function describe(setting: Setting): string {
  const schema = setting.schema as {
    type?: string;
    minimum?: number;
    maximum?: number;
    anyOf?: { const: string }[];
  };
  const range =
    schema.minimum !== undefined || schema.maximum !== undefined
      ? ` in ${schema.minimum ?? '-∞'}..${schema.maximum ?? '∞'}`
      : '';
  const kind = schema.anyOf
    ? `one of ${schema.anyOf.map((s) => s.const).join(', ')}`
    : `a${schema.type === 'integer' ? 'n' : ''} ${schema.type}`;
  return `${kind}${range} (${setting.description})`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Lines describing every setting, for --help. */
export function settingsHelp(): string[] {
  return Object.entries(ALL_SETTINGS).map(([name, s]) => `  ${s.env.padEnd(44)} ${name}: ${s.description}`);
}
