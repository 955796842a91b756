import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogues } from '../../kiosk/ui/catalogues';
import { defaultSpeechDir, readSpeechManifest } from '../../kiosk/speech/speech-build';
import { buildProduction, type ProductionBuild } from '../../scripts/production-build';

/**
 * The production build (`npm run build`, what the Docker image runs): plain JavaScript started by
 * `node`, importing production dependencies only — no tsx, no esbuild — and the compiled API entry
 * answers on loopback from a clean build output, dashboard included.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let outDir: string;
let dataDir: string;
let built: ProductionBuild;
let api: ChildProcess | undefined;
let apiUrl: string;
let output = '';

beforeAll(async () => {
  // Inside the repository so the output resolves its packages from node_modules, as in /app.
  outDir = mkdtempSync(join(REPO, 'node_modules', '.cache-production-build-'));
  dataDir = mkdtempSync(join(tmpdir(), 'production-api-'));
  built = await buildProduction(outDir);
  const entry = join(outDir, 'reservation-api/server/main.js');
  api = spawn(process.execPath, [entry, '--port', '0', '--data', dataDir, '--host', '127.0.0.1'], {
    cwd: dataDir,
    env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  apiUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the compiled API did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    api!.stdout!.on('data', onData);
    api!.stderr!.on('data', onData);
    api!.once('exit', (code) => reject(new Error(`the compiled API exited (${code}):\n${output}`)));
  });
}, 90_000);

afterAll(async () => {
  if (api && api.exitCode === null) {
    api.kill('SIGKILL');
    await new Promise((resolve) => api!.once('exit', resolve));
  }
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the production build', () => {
  it('imports production dependencies only: no tsx, no esbuild, no dev dependency at run time', () => {
    expect(built.packages.length).toBeGreaterThan(0);
    const production = new Set(Object.keys(packageJson.dependencies));
    expect(built.packages.filter((name) => !production.has(name))).toEqual([]);
    expect(built.packages).not.toContain('tsx');
    expect(built.packages).not.toContain('esbuild');
  });

  it('builds the entries the Docker image and the CLIs run', () => {
    const dockerfile = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    const relative = built.entries.map((file) => `dist/${file.slice(outDir.length + 1)}`);
    expect(relative).toContain(cmd[1]);
    expect(relative).toEqual(
      expect.arrayContaining([
        'dist/reservation-api/admin/ops-cli.js',
        'dist/kiosk/cli/kiosk-cli.js',
        'dist/kiosk/speech/speech-cli.js',
      ]),
    );
    // JavaScript and data only: no TypeScript source (nor a test) is copied into the output.
    const files = readdirSync(outDir, { recursive: true, encoding: 'utf8' });
    expect(files.filter((file) => file.endsWith('.ts'))).toEqual([]);
  });

  it('runs the compiled API entry on loopback: ready, the dashboard with its prebuilt script, a clean stop', async () => {
    expect((await axios.get(`${apiUrl}/readyz`)).data).toEqual({ status: 'ready' });
    const page = await axios.get(`${apiUrl}/ops`, { responseType: 'text' });
    expect(page.data).toContain('/ops/assets/dashboard.js');
    const script = await axios.get(`${apiUrl}/ops/assets/dashboard.js`, { responseType: 'text' });
    expect(String(script.data).length).toBeGreaterThan(10_000);
    expect((await axios.get(`${apiUrl}/ops/assets/dashboard.css`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => api!.once('exit', resolve));
    api!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('synthesises the voice guidance with the compiled speech CLI, every catalogue language', async () => {
    // The checkout's cache (shared with the other speech tests, one build at a time): clips already
    // made are kept, so this costs the synthesis once per checkout whichever test comes first.
    const dir = defaultSpeechDir();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(outDir, 'kiosk/speech/speech-cli.js'), '--dir', dir],
      { env: { ...process.env, NODE_OPTIONS: '' }, cwd: dataDir },
    );
    expect(stdout).toMatch(/^Speech cache .*: \d+ synthesised, \d+ cached/);
    const manifest = await readSpeechManifest(dir);
    expect(Object.keys(manifest?.languages ?? {}).sort()).toEqual(Object.keys(loadCatalogues()).sort());
    for (const language of Object.keys(loadCatalogues())) expect(stdout).toContain(`${language}: `);
  }, 600_000);
});
