import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { buildSimulationPanelBundle, buildUiBundle } from '../kiosk/ui/build';
import { buildDashboardBundle } from '../reservation-api/dashboard/build';

/**
 * `npm run build [-- --out DIR]`: the production build (docs/decisions.md, "Runtime and build").
 * The API, its admin CLI and the kiosk core become plain JavaScript run by `node` with production
 * dependencies only — no tsx, no esbuild at run time:
 *
 * - each entry is bundled (our code only; node_modules stay external, installed with
 *   `npm ci --omit=dev`) to the place it has in the source tree under DIR (default `dist/`);
 * - the browser bundles (kiosk UI, simulation panel, operator dashboard), which development builds
 *   in memory with esbuild, are built now and inlined into the modules that hand them out;
 * - every module's `import.meta.url` becomes the URL of its own place in DIR, and the static files
 *   read relative to it (styles, pages, message catalogues, icons) are copied there.
 */

const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Entry points, as paths in the source tree. */
export const PRODUCTION_ENTRIES = [
  'reservation-api/server/main.ts',
  'reservation-api/admin/ops-cli.ts',
  // The test PKI's card issuer, so a demo deployment can issue cards into its data volume.
  'hardware/cli/card-cli.ts',
  'kiosk/cli/kiosk-cli.ts',
  // The voice guidance, synthesised on the kiosk at install (docs/speech.md).
  'kiosk/speech/speech-cli.ts',
] as const;

/** Static files read at run time, relative to the module that reads them. */
const STATIC_DIRECTORIES = ['reservation-api/dashboard/public', 'kiosk/ui/public', 'kiosk/ui/messages'];

/** The modules that build browser code with esbuild in development, replaced by their prebuilt output. */
async function prebuiltBrowserModules(): Promise<Map<string, string>> {
  const [dashboard, ui, panel] = await Promise.all([
    buildDashboardBundle(),
    buildUiBundle(),
    buildSimulationPanelBundle(),
  ]);
  const constant = (name: string, code: string) =>
    `export function ${name}() { return Promise.resolve(${JSON.stringify(code)}); }\n`;
  return new Map([
    [join(REPO, 'reservation-api/dashboard/build.ts'), constant('buildDashboardBundle', dashboard)],
    [
      join(REPO, 'kiosk/ui/build.ts'),
      constant('buildUiBundle', ui) + constant('buildSimulationPanelBundle', panel),
    ],
  ]);
}

/** Inlines the prebuilt browser bundles and gives every module its own import.meta.url in `outDir`. */
function productionModules(outDir: string, bundleFile: string, prebuilt: Map<string, string>): Plugin {
  return {
    name: 'production-modules',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const path = resolve(args.path);
        if (path.includes(`${sep}node_modules${sep}`)) return undefined;
        const replacement = prebuilt.get(path);
        if (replacement !== undefined) return { contents: replacement, loader: 'js' };
        const source = readFileSync(path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        // Where this module would sit in outDir, relative to the bundle file it ends up in.
        const mirrored = join(outDir, relative(REPO, path).replace(/\.ts$/, '.js'));
        const fromBundle = relative(dirname(bundleFile), mirrored);
        const own = `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', own), loader: 'ts' };
      });
    },
  };
}

export interface ProductionBuild {
  /** The entry files written. */
  entries: string[];
  /** Every package the output imports at run time (node_modules, not `node:` built-ins). */
  packages: string[];
}

/** `fastify/types` → `fastify`, `@scope/pkg/x` → `@scope/pkg`; undefined for a Node built-in. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('node:') || specifier.startsWith('.') || specifier.startsWith('/'))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Builds the production output into `outDir` (emptied first). */
export async function buildProduction(outDir: string): Promise<ProductionBuild> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const prebuilt = await prebuiltBrowserModules();
  const written: string[] = [];
  const packages = new Set<string>();
  for (const entry of PRODUCTION_ENTRIES) {
    const bundleFile = join(out, entry.replace(/\.ts$/, '.js'));
    const result = await build({
      entryPoints: [join(REPO, entry)],
      outfile: bundleFile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      packages: 'external',
      sourcemap: 'linked',
      legalComments: 'none',
      logLevel: 'warning',
      metafile: true,
      plugins: [productionModules(out, bundleFile, prebuilt)],
    });
    written.push(bundleFile);
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imported of output.imports) {
        const name = imported.external ? packageOf(imported.path) : undefined;
        if (name !== undefined && !isBuiltin(name)) packages.add(name);
      }
    }
  }
  for (const directory of STATIC_DIRECTORIES) {
    // Data only: the tests that sit beside the catalogues stay in the source tree.
    cpSync(join(REPO, directory), join(out, directory), {
      recursive: true,
      filter: (source) => !source.endsWith('.ts'),
    });
  }
  // The output is ES modules whatever directory it is copied to.
  writeFileSync(join(out, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
  return { entries: written, packages: [...packages].sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const at = process.argv.indexOf('--out');
  const outDir = at >= 0 ? process.argv[at + 1] : join(REPO, 'dist');
  if (!outDir) throw new Error('usage: npm run build [-- --out DIR]');
  for (const file of (await buildProduction(outDir)).entries)
    console.log(`built ${relative(process.cwd(), file)}`);
}
