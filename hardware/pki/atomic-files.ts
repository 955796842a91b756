import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * File writes that another process never sees half done: a temp file in the same directory, then
 * rename (replace) or link (create only if absent).
 */

function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Writes `data` to `path`, replacing any previous content atomically. */
export function writeFileAtomically(path: string, data: string | Uint8Array, mode: number): void {
  const temp = tempPathFor(path);
  writeFileSync(temp, data, { mode });
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** Creates `path` with `data` unless it exists; true if this call created it. */
export function createFileOnce(path: string, data: string | Uint8Array, mode: number): boolean {
  const temp = tempPathFor(path);
  writeFileSync(temp, data, { mode });
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Moves a fully written directory into place unless `target` already exists; true if this call
 * placed it. A loser's directory is removed, so its caller loads the winner's.
 */
export function placeDirectoryOnce(built: string, target: string): boolean {
  try {
    renameSync(built, target);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    rmSync(built, { recursive: true, force: true });
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw error;
  }
}

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
}

export interface LockOptions {
  /** Give up after this long waiting (ms). */
  waitMs?: number;
  /** A lock older than this is taken to belong to a crashed process (ms). */
  staleMs?: number;
}

/**
 * Runs `task` while holding a lock directory (mkdir is atomic), so read-modify-write cycles of
 * several processes on the same files do not interleave.
 */
export async function withDirectoryLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 30_000;
  const staleMs = options.staleMs ?? 60_000;
  const started = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    try {
      mkdirSync(lockPath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (lockAge(lockPath) > staleMs) {
        rmSync(lockPath, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > waitMs)
        throw new LockTimeoutError(`could not take the lock ${lockPath} within ${waitMs} ms`);
      await sleep(Math.min(10 * 2 ** Math.min(attempt, 5), 200));
    }
  }
  try {
    return await task();
  } finally {
    rmSync(lockPath, { recursive: true, force: true });
  }
}

/** Age of the lock by wall clock: file times are wall-clock, whatever clock the PKI is given. */
function lockAge(lockPath: string): number {
  try {
    return Date.now() - statSync(lockPath).mtimeMs;
  } catch {
    return 0;
  }
}
