import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../reservation-api/server/config';
import { type TestApi, testApi } from '../../reservation-api/testing/test-api';

/**
 * docker-compose.yml without a Docker engine: valid against the official Compose Specification
 * schema (vendored, see README.md here), and consistent with the API as built — PostgreSQL, two
 * API instances on it and HAProxy in front; the health checks ask real routes on the ports the
 * services listen on, the data directory is the named volume, the environment is a configuration
 * the API accepts, the balancer sends to exactly the API services, and the image runs the
 * `npm run api` entry. The balancer's configuration passes HAProxy's own checker (`haproxy -c`).
 */

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const schema = JSON.parse(readFileSync(new URL('./compose-spec.json', import.meta.url), 'utf8')) as {
  $schema?: string;
};

interface ComposeService {
  image: string;
  labels: Record<string, string>;
  build: { context: string; dockerfile: string };
  environment: Record<string, string>;
  ports?: { target: number; published: string; host_ip: string; protocol: string }[];
  expose?: string[];
  volumes: { type: string; source: string; target: string; read_only?: boolean }[];
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  depends_on?: Record<string, { condition: string }>;
  read_only?: boolean;
  tmpfs?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

/** Compose's interpolation of `${NAME}` and `${NAME:?message}` (the forms the file uses). */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::\?[^}]*)?\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) throw new Error(`${name} is required by docker-compose.yml`);
    return value;
  });
}

function parseYaml(text: string): unknown {
  // Merge keys (`<<: *api`) as Compose reads them.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, merge: true });
  expect(document.errors.map((error) => error.message)).toEqual([]);
  return document.toJS();
}

/** The Compose Specification validator (draft-07; its `$schema` URI form is one Ajv does not preload). */
function composeValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
}

const composeText = readFileSync(root('docker-compose.yml'), 'utf8');
const POSTGRES_PASSWORD = 'compose-test-secret';
const compose = parseYaml(interpolate(composeText, { POSTGRES_PASSWORD })) as ComposeFile;
const apiNames = Object.keys(compose.services).filter((name) => /^api-\d+$/.test(name));
const api = compose.services['api-1']!;
const postgres = compose.services['postgres']!;
const lb = compose.services['lb']!;
const haproxyMount = lb.volumes.find((volume) => volume.target === '/usr/local/etc/haproxy/haproxy.cfg');
const haproxyConfig = readFileSync(root(haproxyMount?.source ?? 'deploy/haproxy/haproxy.cfg'), 'utf8');
/** The configuration's lines without comments and blank lines, trimmed. */
const haproxyLines = haproxyConfig
  .split('\n')
  .map((line) => line.replace(/#.*/, '').trim())
  .filter(Boolean);

let built: TestApi;
beforeAll(async () => {
  built = await testApi();
});
afterAll(async () => built?.close());

describe('docker-compose.yml against the Compose Specification', () => {
  it('is valid', () => {
    const validate = composeValidator();
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('the validator is not vacuous: it refuses broken variants of the same file', () => {
    const validate = composeValidator();
    const broken: ((file: ComposeFile) => void)[] = [
      (file) => ((file.services['api-1'] as unknown as Record<string, unknown>)['helthcheck'] = {}),
      (file) => ((file.services['api-2']!.healthcheck as unknown as Record<string, unknown>)['test'] = 42),
      (file) => ((file.services['lb']!.ports![0] as unknown as Record<string, unknown>)['target'] = 8080.5),
      (file) => ((file.services['api-1']!.volumes[0] as unknown as Record<string, unknown>)['type'] = 'disk'),
      (file) => (file.services['api-2']!.depends_on!['postgres']!.condition = 'service_ready'),
      (file) => ((file as unknown as Record<string, unknown>)['service'] = {}),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(compose);
      breakIt(copy);
      expect(validate(copy), breakIt.toString()).toBe(false);
    }
  });
});

describe('the services: PostgreSQL, two API instances, HAProxy in front', () => {
  it('runs at least two API instances of one image and configuration', () => {
    expect(apiNames).toEqual(['api-1', 'api-2']);
    for (const name of apiNames) {
      const { depends_on: _order, ...shared } = compose.services[name]!;
      const { depends_on: _first, ...first } = api;
      expect(shared).toEqual(first);
    }
  });

  it('puts every instance on the PostgreSQL service, started only once it is healthy', () => {
    const config = loadConfig({ env: api.environment });
    const url = new URL(config.databaseUrl ?? '');
    expect(url.hostname).toBe('postgres');
    expect(url.username).toBe(postgres.environment['POSTGRES_USER']);
    expect(url.password).toBe(POSTGRES_PASSWORD);
    expect(postgres.environment['POSTGRES_PASSWORD']).toBe(POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${postgres.environment['POSTGRES_DB']}`);
    for (const name of apiNames) {
      expect(compose.services[name]!.depends_on?.['postgres']).toEqual({ condition: 'service_healthy' });
    }
  });

  it('requires the database password from the environment (no default in the file)', () => {
    expect(() => interpolate(composeText, {})).toThrow(/POSTGRES_PASSWORD is required/);
    expect(composeText).not.toContain(POSTGRES_PASSWORD);
  });

  it('health-checks PostgreSQL with pg_isready on its database, and keeps its data on a named volume', () => {
    expect(postgres.healthcheck.test).toEqual([
      'CMD',
      'pg_isready',
      `--username=${postgres.environment['POSTGRES_USER']}`,
      `--dbname=${postgres.environment['POSTGRES_DB']}`,
    ]);
    const data = postgres.volumes.find((volume) => volume.target === '/var/lib/postgresql/data');
    expect(data).toMatchObject({ type: 'volume' });
    expect(Object.keys(compose.volumes)).toContain(data!.source);
    expect(postgres.ports).toBeUndefined();
  });

  it('publishes only the balancer, on loopback; the instances and the database are reached inside', () => {
    expect(lb.ports).toEqual([{ target: 8080, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp' }]);
    for (const name of [...apiNames, 'postgres']) expect(compose.services[name]!.ports).toBeUndefined();
    expect(lb.depends_on).toEqual(
      Object.fromEntries(apiNames.map((name) => [name, { condition: 'service_healthy' }])),
    );
  });

  it('mounts the HAProxy configuration read-only from deploy/haproxy', () => {
    expect(lb.image).toMatch(/^haproxy:\d+\.\d+/);
    expect(haproxyMount).toMatchObject({
      type: 'bind',
      source: './deploy/haproxy/haproxy.cfg',
      read_only: true,
    });
  });
});

describe('HAProxy sends to the API instances as built', () => {
  it("passes HAProxy's own configuration check (haproxy -c)", () => {
    // From Debian's haproxy package (scripts/ensure-system-deps.sh). Service names resolve only
    // inside Compose's network: "could not resolve" is a warning here, not an error.
    const output = execFileSync('haproxy', ['-c', '-f', root('deploy/haproxy/haproxy.cfg')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output).toContain('Configuration file is valid');
  });

  it('listens on the port the compose file publishes, and balances over exactly the API services', () => {
    expect(haproxyLines).toContain(`bind :${lb.ports![0]!.target}`);
    const servers = haproxyLines
      .filter((line) => line.startsWith('server '))
      .map((line) => line.split(/\s+/).slice(1, 3));
    const config = loadConfig({ env: api.environment });
    expect(servers).toEqual(apiNames.map((name) => [name, `${name}:${config.port}`]));
    expect(api.expose).toEqual([String(config.port)]);
    for (const line of haproxyLines.filter((l) => l.startsWith('server '))) expect(line).toMatch(/ check$/);
  });

  it("checks each instance's /readyz, a real route of build() that answers 200 when the database does", async () => {
    expect(haproxyLines).toContain('option httpchk');
    const send = haproxyLines.find((line) => line.startsWith('http-check send'));
    const path = /\buri (\S+)/.exec(send ?? '')?.[1];
    expect(send).toMatch(/\bmeth GET\b/);
    expect(path).toBe('/readyz');
    expect(haproxyLines).toContain('http-check expect status 200');
    expect(built.app.registeredRoutes.map((route) => `${route.method} ${route.url}`)).toContain(
      `GET ${path}`,
    );
    expect((await built.app.inject({ method: 'GET', url: path! })).statusCode).toBe(200);
  });

  it('passes the client address on, and the instances trust it (per-IP rate limits)', () => {
    expect(haproxyLines).toContain('option forwardfor');
    expect(loadConfig({ env: api.environment }).trustProxy).toBe(true);
  });

  it('health-checks the balancer at its monitor URI, which fails while no instance is ready', () => {
    const monitorUri = haproxyLines.find((line) => line.startsWith('monitor-uri '))?.split(' ')[1];
    expect(monitorUri).toBeDefined();
    expect(lb.healthcheck.test.join(' ')).toContain(`GET ${monitorUri} HTTP/1.0`);
    expect(lb.healthcheck.test.join(' ')).toContain(`/dev/tcp/127.0.0.1/${lb.ports![0]!.target}`);
    expect(haproxyLines).toContain('acl no_ready_instance nbsrv(api_instances) lt 1');
    expect(haproxyLines).toContain('monitor fail if no_ready_instance');
  });
});

describe('the api services fit the API as built', () => {
  const environment = api.environment;

  it('has an environment the API configuration accepts: all interfaces, the port, the volume as data dir', () => {
    const config = loadConfig({ env: environment });
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/data');
    expect(api.expose).toEqual([String(config.port)]);
  });

  it('keeps the data directory on a named volume declared at the top level', () => {
    const dataMount = api.volumes.find((volume) => volume.target === environment['RESERVATION_API_DATA_DIR']);
    expect(dataMount).toMatchObject({ type: 'volume' });
    expect(Object.keys(compose.volumes)).toContain(dataMount!.source);
  });

  it('health-checks a real GET route of build(), on the port the service listens on, that answers 200', async () => {
    const [kind, ...command] = api.healthcheck.test;
    expect(kind).toBe('CMD');
    expect(command.slice(0, 2)).toEqual(['node', '-e']);
    const url = new URL(/fetch\('([^']+)'\)/.exec(command[2]!)![1]!);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).toBe(environment['RESERVATION_API_PORT']);
    const routes = built.app.registeredRoutes.map((route) => `${route.method} ${route.url}`);
    expect(routes).toContain(`GET ${url.pathname}`);
    const probe = await built.app.inject({ method: 'GET', url: url.pathname });
    expect(probe.statusCode).toBe(200);
    // Bounded: a hung probe fails within its timeout, and the first start has room to create keys.
    expect(api.healthcheck.timeout).toMatch(/^\d+s$/);
    expect(api.healthcheck.retries).toBeGreaterThanOrEqual(1);
  });

  it('labels the dashboard path, a page this same service serves', async () => {
    const path = api.labels['jpki-pin-reset.dashboard-path']!;
    // A hidden route (a page, not API): not in registeredRoutes, but a route of the app all the same.
    expect(built.app.hasRoute({ method: 'GET', url: path })).toBe(true);
    const page = await built.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('builds from the Dockerfile beside it', () => {
    expect(api.build.context).toBe('.');
    expect(existsSync(root(api.build.dockerfile))).toBe(true);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = readFileSync(root('Dockerfile'), 'utf8');
  const instructions = dockerfile
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');

  it('builds on node:24-slim with npm ci from the lock file', () => {
    const bases = [...instructions.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(bases.length).toBeGreaterThan(0);
    expect(new Set(bases)).toEqual(new Set(['node:24-slim']));
    expect(instructions).toMatch(/^COPY package\.json package-lock\.json/m);
    expect(instructions).toMatch(/^RUN npm ci\b/m);
  });

  it('runs the compiled form of `npm run api`, as an unprivileged user, with the data dir the compose file mounts', () => {
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(instructions)![1]!) as string[];
    const apiScript = (JSON.parse(readFileSync(root('package.json'), 'utf8')) as { scripts: { api: string } })
      .scripts.api;
    expect(cmd[0]).toBe('node');
    // dist/X.js is the build of X.ts (scripts/production-build.ts), the source `npm run api` runs.
    const source = cmd[1]!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    expect(apiScript).toBe(`tsx ${source}`);
    expect(existsSync(root(source))).toBe(true);
    expect(instructions).toMatch(/^USER node$/m);
    expect(instructions).toContain(`RESERVATION_API_DATA_DIR=${api.environment['RESERVATION_API_DATA_DIR']}`);
    expect(instructions).toMatch(/^EXPOSE 8080$/m);
  });

  it('runs with a read-only root filesystem: the data volume and a small /tmp are the writable places', () => {
    expect(api.read_only).toBe(true);
    expect(api.tmpfs).toEqual(['/tmp:size=16m']);
  });

  it('keeps secrets, data and local builds out of the build context', () => {
    const ignored = readFileSync(root('.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const path of ['node_modules', 'data', 'kiosk-data', '.git', '*.sqlite']) {
      expect(ignored).toContain(path);
    }
  });
});
