import type Database from 'better-sqlite3';
import type { RateLimitStore, RateLimitWindow } from '../rate-limit-store';

/**
 * Rate-limit counters on SQLite: one upsert per hit, atomic as every SQLite write is. Not waited
 * for on disk (like challenges and kiosk nonces): a counter lost to a power cut merely restarts.
 */
export class SqliteRateLimitStore implements RateLimitStore {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      hit: db.prepare<{ key: string; now: number; windowMs: number }, { hits: number; window_ends: number }>(
        `INSERT INTO rate_limit_windows (key, window_ends, hits) VALUES (@key, @now + @windowMs, 1)
         ON CONFLICT (key) DO UPDATE SET
           hits = CASE WHEN window_ends <= @now THEN 1 ELSE hits + 1 END,
           window_ends = CASE WHEN window_ends <= @now THEN @now + @windowMs ELSE window_ends END
         RETURNING hits, window_ends`,
      ),
      prune: db.prepare<[number]>('DELETE FROM rate_limit_windows WHERE window_ends < ?'),
    };
  }

  async hit(input: { key: string; now: number; windowMs: number }): Promise<RateLimitWindow> {
    const counted = this.statements.hit.get(input);
    if (!counted) throw new Error('the rate-limit upsert returned no row');
    return { hits: counted.hits, windowEnds: counted.window_ends };
  }

  async prune(before: number): Promise<number> {
    return this.statements.prune.run(before).changes;
  }
}
