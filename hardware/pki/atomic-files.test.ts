import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createFileOnce,
  LockTimeoutError,
  placeDirectoryOnce,
  withDirectoryLock,
  writeFileAtomically,
} from './atomic-files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'atomic-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('atomic files', () => {
  it('creates a file once; a second creator keeps the first content and learns it lost', () => {
    const path = join(dir, 'key');
    expect(createFileOnce(path, 'first', 0o600)).toBe(true);
    expect(createFileOnce(path, 'second', 0o600)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('first');
  });

  it('replaces a file and leaves no temp file behind', () => {
    const path = join(dir, 'crl');
    writeFileAtomically(path, 'one', 0o644);
    writeFileAtomically(path, 'two', 0o644);
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(existsSync(`${path}.tmp`)).toBe(false);
  });

  it('places the first built directory; a later one is discarded', () => {
    const target = join(dir, 'pki');
    for (const [name, content] of [
      ['a', 'winner'],
      ['b', 'loser'],
    ]) {
      mkdirSync(join(dir, name!));
      writeFileSync(join(dir, name!, 'ca'), content!);
    }
    expect(placeDirectoryOnce(join(dir, 'a'), target)).toBe(true);
    expect(placeDirectoryOnce(join(dir, 'b'), target)).toBe(false);
    expect(readFileSync(join(target, 'ca'), 'utf8')).toBe('winner');
    expect(existsSync(join(dir, 'b'))).toBe(false);
  });

  it('runs locked tasks one after another', async () => {
    const lock = join(dir, '.lock');
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name} in`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`${name} out`);
    };
    await Promise.all([withDirectoryLock(lock, task('a')), withDirectoryLock(lock, task('b'))]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(existsSync(lock)).toBe(false);
  });

  it('keeps a lock whose holder runs, whatever its age on the wall clock (file times are real time)', async () => {
    const lock = join(dir, '.lock');
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), String(process.pid));
    // A lock taken "a day ago" by the wall clock: the holder still runs, so it is not stale.
    const dayAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
    utimesSync(lock, dayAgo, dayAgo);
    await expect(withDirectoryLock(lock, async () => 'stolen', { waitMs: 300 })).rejects.toThrow(
      LockTimeoutError,
    );
    expect(readFileSync(join(lock, 'owner'), 'utf8')).toBe(String(process.pid));
  });

  it('takes over a lock whose holder is gone (a crashed process)', async () => {
    const lock = join(dir, '.lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    mkdirSync(lock);
    writeFileSync(join(lock, 'owner'), String(gone));
    expect(await withDirectoryLock(lock, async () => 'taken', { waitMs: 5_000 })).toBe('taken');
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock left with no owner (a crash between mkdir and the owner file)', async () => {
    const lock = join(dir, '.lock');
    mkdirSync(lock);
    expect(await withDirectoryLock(lock, async () => 'taken', { waitMs: 5_000, ownerlessMs: 100 })).toBe(
      'taken',
    );
  });
});
