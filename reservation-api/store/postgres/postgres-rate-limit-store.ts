import type pg from 'pg';
import type { RateLimitStore, RateLimitWindow } from '../rate-limit-store';
import { changes, row } from './transaction';

/**
 * Rate-limit counters on PostgreSQL, shared by every API instance: one `INSERT … ON CONFLICT DO
 * UPDATE … RETURNING` per hit, so concurrent hits on any instances each count exactly once (the
 * row lock of the upsert orders them) and each learns the count it made.
 */
export class PostgresRateLimitStore implements RateLimitStore {
  constructor(private readonly pool: pg.Pool) {}

  async hit(input: { key: string; now: number; windowMs: number }): Promise<RateLimitWindow> {
    const counted = await row<{ hits: number; window_ends: number }>(
      this.pool,
      {
        name: 'rate-limit-hit',
        text: `INSERT INTO rate_limit_windows AS w (key, window_ends, hits) VALUES ($1, $2::bigint + $3::bigint, 1)
               ON CONFLICT (key) DO UPDATE SET
                 hits = CASE WHEN w.window_ends <= $2 THEN 1 ELSE w.hits + 1 END,
                 window_ends = CASE WHEN w.window_ends <= $2 THEN $2::bigint + $3::bigint ELSE w.window_ends END
               RETURNING hits, window_ends`,
      },
      [input.key, input.now, input.windowMs],
    );
    if (!counted) throw new Error('the rate-limit upsert returned no row');
    return { hits: counted.hits, windowEnds: counted.window_ends };
  }

  async prune(before: number): Promise<number> {
    return changes(this.pool, 'DELETE FROM rate_limit_windows WHERE window_ends < $1', [before]);
  }
}
