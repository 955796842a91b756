import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileOnce, placeDirectoryOnce, withDirectoryLock, writeFileAtomically } from './atomic-files';

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
});
