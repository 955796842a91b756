import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { acquireInstanceLock, InstanceLockedError } from './instance-lock';
import { startReservationApi } from './start-api';

/** One reservation API per SQLite data directory (issue 12, part 6). */

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'instance-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('instance lock', () => {
  it('is held by one holder at a time in a process, and free again once released', () => {
    const database = join(dir, 'a.sqlite');
    const first = acquireInstanceLock(database);
    expect(() => acquireInstanceLock(database)).toThrow(InstanceLockedError);
    first.release();
    acquireInstanceLock(database).release();
  });

  it('refuses while another process holds it, and is free the moment that process is killed', async () => {
    const database = join(dir, 'b.sqlite');
    const script = join(dir, 'hold.ts');
    writeFileSync(
      script,
      `import { acquireInstanceLock } from ${JSON.stringify(join(REPO_ROOT, 'reservation-api/server/instance-lock.ts'))};
acquireInstanceLock(${JSON.stringify(database)});
console.log('locked');
setInterval(() => {}, 1000);\n`,
    );
    // One process (tsx as a loader, not its CLI, which would run the script in a child of its own).
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('locked')) resolve();
        });
        child.once('exit', () => reject(new Error('the holder exited early')));
      });
      expect(() => acquireInstanceLock(database)).toThrow(/another reservation API is already running/);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    // Killed without any cleanup: the operating system released the lock.
    acquireInstanceLock(database).release();
  }, 30_000);

  it('a second API on the same data directory is refused with a clear message; the first is unaffected', async () => {
    const dataDir = join(dir, 'data');
    const config = loadConfig({ flags: { dataDir, port: '0', host: '127.0.0.1' }, env: {} });
    const logger = pino({ level: 'silent' });
    const first = await startReservationApi(config, { logger });
    try {
      await expect(startReservationApi(config, { logger })).rejects.toThrow(
        /another reservation API is already running on .*reservation-api\.sqlite/,
      );
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await first.close();
    }
    // Stopped: the directory can be served again (a restart).
    const again = await startReservationApi(config, { logger });
    await again.close();
  }, 30_000);
});
