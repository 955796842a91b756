import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { emit, progress } from './support/report';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Machine-wide: only one pcscd may run, and PC/SC tests take the same lock (COMMON rules). */
const PCSCD_LOCK = '/tmp/pcscd.lock';
const LOCK_WAIT_S = 180;
/** The lock is held at most this long (COMMON: never more than ~3 minutes). */
const RUN_LIMIT_S = 150;

/**
 * Runs bench/pcsc-session.ts under `flock /tmp/pcscd.lock` in its own process and passes its figures
 * through. Inside the lock the session process is killed after RUN_LIMIT_S whatever it is doing (a
 * native PC/SC call can block its event loop) and the pcscd it started is then stopped by its PID.
 * If the lock cannot be had within 3 minutes the figures are reported as skipped.
 */
export function benchPcsc(sessions: number): Promise<void> {
  const pidFile = join(mkdtempSync(join(tmpdir(), 'bench-pcscd-')), 'pcscd.pid');
  const script = [
    `timeout -s KILL ${RUN_LIMIT_S} "$0" --import tsx bench/pcsc-session.ts ${sessions}`,
    'rc=$?',
    `if [ $rc -ne 0 ] && [ -s "${pidFile}" ]; then kill "$(cat "${pidFile}")" 2>/dev/null; fi`,
    'exit $rc',
  ].join('; ');
  return new Promise((resolve, reject) => {
    const child = spawn(
      'flock',
      ['-w', String(LOCK_WAIT_S), PCSCD_LOCK, 'bash', '-c', script, process.execPath],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PCSCD_PID_FILE: pidFile },
      },
    );
    let figures = 0;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      figures += 1;
      process.stdout.write(`${line}\n`);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      progress(`pcsc section failed (exit ${code})`);
      if (figures === 0) {
        emit({
          name: 'kiosk.pcsc.skipped',
          value: 0,
          unit: 'sessions',
          note: `pcsc-session exited with ${code} (lock ${PCSCD_LOCK} not free within ${LOCK_WAIT_S} s, pcscd could not start, or over ${RUN_LIMIT_S} s): see stderr`,
        });
      }
      resolve();
    });
  });
}
