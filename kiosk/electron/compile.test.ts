import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type * as WindowPolicy from './window-policy';

const run = promisify(execFile);
const tscBin = join(import.meta.dirname, '../../node_modules/typescript/bin/tsc');
const project = join(import.meta.dirname, 'tsconfig.json');

// The Electron binary cannot be downloaded here, so compiling the shell is what proves it is sound.
describe('Electron shell build', () => {
  let outDir: string | undefined;
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('compiles with tsc -p kiosk/electron/tsconfig.json into loadable ES modules', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'kiosk-electron-'));
    await run(process.execPath, [tscBin, '-p', project, '--outDir', outDir]);
    const main = await readFile(join(outDir, 'main.js'), 'utf8');
    expect(main).toContain("from './window-policy.js'");
    expect(main).toContain("from 'electron'");
    const policy = (await import(join(outDir, 'window-policy.js'))) as typeof WindowPolicy;
    expect(policy.kioskWindowOptions().webPreferences?.sandbox).toBe(true);
  }, 60_000);
});
