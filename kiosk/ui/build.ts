import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const KIOSK_ENTRY = fileURLToPath(new URL('./src/main.ts', import.meta.url));
const PANEL_ENTRY = fileURLToPath(new URL('./simulation/panel.ts', import.meta.url));

/** Browsers the bundle must run in: Electron 38's Chromium and the Debian Chromium used by tests. */
const BROWSER_TARGET = 'chrome120';

const cache = new Map<string, Promise<string>>();

/**
 * Bundles the browser renderer (kiosk/ui/src/main.ts) into one script, in memory. Run by the UI
 * server at start, so no build output is ever committed or left stale on disk. Built once per
 * process (a kiosk starts one server; tests start many).
 */
export function buildUiBundle(): Promise<string> {
  return bundleOnce(KIOSK_ENTRY);
}

/** The simulation panel's script (kiosk/ui/simulation/panel.ts), built only in simulation mode. */
export function buildSimulationPanelBundle(): Promise<string> {
  return bundleOnce(PANEL_ENTRY);
}

function bundleOnce(entryPoint: string): Promise<string> {
  let pending = cache.get(entryPoint);
  if (!pending) {
    pending = bundle(entryPoint).catch((error: unknown) => {
      cache.delete(entryPoint);
      throw error;
    });
    cache.set(entryPoint, pending);
  }
  return pending;
}

async function bundle(entryPoint: string): Promise<string> {
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
  if (!output) throw new Error(`esbuild produced no bundle for ${entryPoint}`);
  return output.text;
}
