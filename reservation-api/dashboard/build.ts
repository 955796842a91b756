import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entryPoint = fileURLToPath(new URL('./client/main.ts', import.meta.url));

/** Operators use current desktop browsers; the tests use Debian's Chromium. */
const BROWSER_TARGET = 'chrome120';

let cached: Promise<string> | undefined;

/**
 * Bundles the dashboard's browser code (client/main.ts with chart.js and the message catalogues)
 * into one script, in memory, once per process: no build output on disk to commit or go stale.
 */
export function buildDashboardBundle(): Promise<string> {
  cached ??= bundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: BROWSER_TARGET,
    minify: true,
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no dashboard bundle');
  return output.text;
}
