import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { loadConfig } from '../../reservation-api/server/config';
import { type TestApi, testApi } from '../../reservation-api/testing/test-api';

/**
 * docker-compose.yml without a Docker engine: valid against the official Compose Specification
 * schema (vendored, see README.md here), and consistent with the API as built — the health check
 * asks a real route on the port the service listens on, the data directory is the named volume,
 * the environment is a configuration the API accepts, and the image runs the `npm run api` entry.
 */

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const schema = JSON.parse(readFileSync(new URL('./compose-spec.json', import.meta.url), 'utf8')) as {
  $schema?: string;
};

interface ComposeService {
  labels: Record<string, string>;
  build: { context: string; dockerfile: string };
  environment: Record<string, string>;
  ports: { target: number; published: string; host_ip: string; protocol: string }[];
  volumes: { type: string; source: string; target: string }[];
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
  read_only?: boolean;
  tmpfs?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

function parseYaml(text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  expect(document.errors.map((error) => error.message)).toEqual([]);
  return document.toJS();
}

/** The Compose Specification validator (draft-07; its `$schema` URI form is one Ajv does not preload). */
function composeValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile({ ...schema, $schema: 'http://json-schema.org/draft-07/schema#' });
}

const composeText = readFileSync(root('docker-compose.yml'), 'utf8');
const compose = parseYaml(composeText) as ComposeFile;
const api = compose.services['api']!;

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
      (file) => ((file.services['api'] as unknown as Record<string, unknown>)['helthcheck'] = {}),
      (file) => ((file.services['api']!.healthcheck as unknown as Record<string, unknown>)['test'] = 42),
      (file) => ((file.services['api']!.ports[0] as unknown as Record<string, unknown>)['target'] = 8080.5),
      (file) => ((file.services['api']!.volumes[0] as unknown as Record<string, unknown>)['type'] = 'disk'),
      (file) => ((file as unknown as Record<string, unknown>)['service'] = {}),
    ];
    for (const breakIt of broken) {
      const copy = structuredClone(compose);
      breakIt(copy);
      expect(validate(copy), breakIt.toString()).toBe(false);
    }
  });
});

describe('the api service fits the API as built', () => {
  const environment = api.environment;

  it('has an environment the API configuration accepts: all interfaces, the port, the volume as data dir', () => {
    const config = loadConfig({ env: environment });
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe('/data');
    expect(config.database).toBe('/data/reservation-api.sqlite');
    expect(api.ports.map((port) => port.target)).toEqual([config.port]);
  });

  it('keeps the data directory on a named volume declared at the top level', () => {
    const dataMount = api.volumes.find((volume) => volume.target === environment['RESERVATION_API_DATA_DIR']);
    expect(dataMount).toMatchObject({ type: 'volume' });
    expect(Object.keys(compose.volumes)).toContain(dataMount!.source);
  });

  it('publishes the port on loopback only', () => {
    expect(api.ports).toEqual([{ target: 8080, published: '8080', host_ip: '127.0.0.1', protocol: 'tcp' }]);
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
