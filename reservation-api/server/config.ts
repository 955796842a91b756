import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Type, { type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
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
    description: 'SQLite file (default DATA/reservation-api.sqlite)',
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

type SettingName = keyof typeof SETTINGS;

/** Every setting optional: what a config file or the flags may give. */
export interface PartialConfig {
  host?: string;
  port?: number;
  dataDir?: string;
  database?: string;
  logLevel?: string;
  trustProxy?: boolean;
  faceJwks?: string;
  faceScoreThreshold?: number;
  kioskClockSkewSeconds?: number;
  phoneRequestsPerMinute?: number;
  cardAttemptsPerHour?: number;
  expirySweepSeconds?: number;
}

const ConfigSchema: TSchema = Type.Object(
  Object.fromEntries(Object.entries(SETTINGS).map(([name, s]) => [name, Type.Optional(s.schema)])),
  { additionalProperties: false },
);

export interface ApiConfig {
  host: string;
  port: number;
  dataDir: string;
  database: string;
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

  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') continue;
    const converted = Value.Convert(setting.schema, raw);
    if (Value.Check(setting.schema, converted)) merged[name] = converted;
    else problems.push(`${setting.env}=${JSON.stringify(raw)}: must be ${describe(setting)}`);
  }
  for (const [name, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const setting = SETTINGS[name as SettingName];
    if (!setting) {
      problems.push(`--${name}: unknown setting`);
      continue;
    }
    const converted = Value.Convert(setting.schema, value);
    if (Value.Check(setting.schema, converted)) merged[name] = converted;
    else problems.push(`--${kebab(name)} ${JSON.stringify(value)}: must be ${describe(setting)}`);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);

  const config = merged as unknown as Required<Omit<PartialConfig, 'database' | 'faceJwks'>> & PartialConfig;
  const dataDir = resolve(config.dataDir);
  return {
    host: config.host,
    port: config.port,
    dataDir,
    database: resolve(config.database ?? join(dataDir, 'reservation-api.sqlite')),
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
      const setting = SETTINGS[key as SettingName];
      problems.push(
        `config file ${path}: ${key} ${setting ? `must be ${describe(setting)}` : error.keyword === 'boolean' ? 'is not a setting' : error.message}`,
      );
    }
    return {};
  }
  return value as PartialConfig;
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
  return Object.entries(SETTINGS).map(([name, s]) => `  ${s.env.padEnd(44)} ${name}: ${s.description}`);
}
