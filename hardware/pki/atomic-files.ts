import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  /**
   * How long a lock with no owner recorded yet may stay before it is taken to be a crashed
   * creator's (ms): the owner's pid is written right after the mkdir, so this only covers a crash
   * between the two.
   */
  ownerlessMs?: number;
}

const OWNER_FILE = 'owner';

/**
 * Runs `task` while holding a lock directory (mkdir is atomic), so read-modify-write cycles of
 * several processes on the same files do not interleave.
 *
 * A lock is stale when the process that took it is gone (its pid, recorded inside, no longer
 * runs), never by its age on the wall clock: file times are the kernel's real time while the
 * process may run on another clock (an injected one, or libfaketime in the tests at every hour),
 * which once made a fresh lock look hours old and let two holders in. Waiting is timed on the
 * monotonic clock for the same reason. The lock is for processes of one machine (a local data
 * directory), where a pid says whether its holder still runs.
 */
export async function withDirectoryLock<T>(
  lockPath: string,
  task: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const waitMs = options.waitMs ?? 30_000;
  const ownerlessMs = options.ownerlessMs ?? 10_000;
  const started = performance.now();
  let ownerlessSince: number | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      mkdirSync(lockPath);
      writeFileSync(join(lockPath, OWNER_FILE), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = lockOwner(lockPath);
      if (owner === undefined) ownerlessSince ??= performance.now();
      else ownerlessSince = undefined;
      const ownerGone = owner !== undefined && !isRunning(owner);
      const neverOwned = ownerlessSince !== undefined && performance.now() - ownerlessSince > ownerlessMs;
      if (ownerGone || neverOwned) {
        rmSync(lockPath, { recursive: true, force: true });
        ownerlessSince = undefined;
        continue;
      }
      if (performance.now() - started > waitMs)
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

/** The pid recorded in a lock, or undefined when none is (yet, or any more). */
function lockOwner(lockPath: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(lockPath, OWNER_FILE), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True while process `pid` exists (signal 0 checks without signalling; EPERM = exists, not ours). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
