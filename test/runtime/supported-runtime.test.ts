import type BetterSqlite3 from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

/**
 * The product runs on supported runtimes only (docs/decisions.md, "Runtime and build"): Node 24
 * LTS everywhere, and an Electron major still in support. The end-of-life table is in the repo
 * (no network in tests); this fails the day a major in use passes its date, so an upgrade is due.
 */

const table = JSON.parse(readFileSync(new URL('./end-of-life.json', import.meta.url), 'utf8')) as {
  node: Record<string, string>;
  electron: Record<string, string>;
};
const require = createRequire(import.meta.url);
const majorOf = (version: string) => version.replace(/^v/, '').split('.')[0]!;

function endOfLife(kind: 'node' | 'electron', major: string): number {
  const date = table[kind][major];
  if (date === undefined) throw new Error(`${kind} ${major} is not in test/runtime/end-of-life.json`);
  // Support ends at the end of that day, Japan time being ahead of every day's end elsewhere.
  return Date.parse(`${date}T23:59:59Z`);
}

describe('the runtime', () => {
  it('is Node 24 LTS, the version package.json asks for', () => {
    expect(majorOf(process.version)).toBe('24');
    const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } })
      .engines;
    expect(engines.node).toBe('>=24');
  });

  it('runs native modules built for this Node (better-sqlite3 current major, the PC/SC binding)', () => {
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(':memory:');
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
    const sqliteMajor = majorOf((require('better-sqlite3/package.json') as { version: string }).version);
    expect(Number(sqliteMajor)).toBeGreaterThanOrEqual(13);
    expect(() => require('@pokusew/pcsclite')).not.toThrow();
  });

  it('is not past its end of life: Node and the Electron shell', () => {
    const now = Date.now();
    expect(now, `Node ${process.version} is past its end of life`).toBeLessThan(
      endOfLife('node', majorOf(process.version)),
    );
    const electron = (require('electron/package.json') as { version: string }).version;
    expect(now, `Electron ${electron} is past its end of life`).toBeLessThan(
      endOfLife('electron', majorOf(electron)),
    );
  });

  it('knows the end of life of every Node and Electron major it names, in order', () => {
    for (const kind of ['node', 'electron'] as const) {
      const dates = Object.entries(table[kind]).sort(([a], [b]) => Number(a) - Number(b));
      for (const [, date] of dates) expect(Number.isNaN(Date.parse(date))).toBe(false);
      const times = dates.map(([, date]) => Date.parse(date));
      expect(times).toEqual([...times].sort((a, b) => a - b));
    }
  });
});
