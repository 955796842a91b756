/**
 * The counters behind the per-client rate limits (phone routes per IP, operator logins per IP),
 * kept in the database so that every API instance behind the load balancer counts the same hits:
 * a client spreading its requests over N instances gets the limit once, not N times. Fixed windows
 * that start with a key's first hit (as @fastify/rate-limit's own stores count), one row per key.
 * Soft state: losing the last moments of counting in a crash only lets a client start afresh.
 */

export interface RateLimitWindow {
  /** Hits in the current window, this one included. */
  hits: number;
  /** When the current window ends (epoch ms); the next hit from then on starts a new one. */
  windowEnds: number;
}

export interface RateLimitStore {
  /** Counts one hit of `key` at `now`, atomically whatever other instances do at the same time. */
  hit(input: { key: string; now: number; windowMs: number }): Promise<RateLimitWindow>;
  /** Forgets windows that ended before `before` (they would start afresh anyway); returns how many. */
  prune(before: number): Promise<number>;
}
