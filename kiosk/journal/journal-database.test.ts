import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitDurably, openJournalDatabase } from './journal-database';

const FULL = 2;
const NORMAL = 1;

describe('journal database commits', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'journal-db-'));
    dirs.push(dir);
    const db = openJournalDatabase(join(dir, 'journal.sqlite'));
    db.exec('CREATE TABLE t (v INTEGER)');
    return db;
  };
  const level = (db: ReturnType<typeof open>) => db.pragma('synchronous', { simple: true });

  it('opens in WAL with relaxed commits by default', () => {
    const db = open();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(level(db)).toBe(NORMAL);
    db.close();
  });

  it('commits durably with FULL sync, every time, and returns to relaxed commits after', () => {
    const db = open();
    for (let i = 0; i < 3; i += 1) {
      const seen = commitDurably(db, () => {
        db.prepare('INSERT INTO t (v) VALUES (?)').run(i);
        return { inTransaction: db.inTransaction, level: level(db) };
      });
      expect(seen).toEqual({ inTransaction: true, level: FULL });
      expect(level(db)).toBe(NORMAL);
    }
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 3 });
    db.close();
  });

  it('joins an enclosing transaction, which rolls back as a whole', () => {
    const db = open();
    expect(() =>
      db.transaction(() => {
        commitDurably(db, () => db.prepare('INSERT INTO t (v) VALUES (1)').run());
        throw new Error('outer fails');
      })(),
    ).toThrow('outer fails');
    expect(db.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
    expect(level(db)).toBe(NORMAL);
    db.close();
  });

  it('returns to relaxed commits when the work throws', () => {
    const db = open();
    expect(() =>
      commitDurably(db, () => {
        throw new Error('work fails');
      }),
    ).toThrow('work fails');
    expect(level(db)).toBe(NORMAL);
    db.close();
  });
});
