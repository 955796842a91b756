import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entryPoint = fileURLToPath(new URL('./src/main.ts', import.meta.url));

/** Browsers the bundle must run in: Electron 38's Chromium and the Debian Chromium used by tests. */
const BROWSER_TARGET = 'chrome120';

let cached: Promise<string> | undefined;

/**
 * Bundles the browser renderer (kiosk/ui/src/main.ts) into one script, in memory. Run by the UI
 * server at start, so no build output is ever committed or left stale on disk. Built once per
 * process (a kiosk starts one server; tests start many).
 */
export function buildUiBundle(): Promise<string> {
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
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no UI bundle');
  return output.text;
}
