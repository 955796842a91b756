import type { RateLimitStore, RateLimitWindow } from './rate-limit-store';

/**
 * Rate-limit counters in this process's memory, for the SQLite engine. One API process serves a
 * SQLite database (the instance lock, server/instance-lock.ts), so counting here counts every hit
 * the database's clients make: the same answer as a table, without a write and a
 * commit per phone request (~0.1 ms of the create's CPU, docs/benchmarks.md). A restart forgets
 * the counts — soft state either way: a client merely starts afresh.
 */
export class InProcessRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, RateLimitWindow>();

  async hit(input: { key: string; now: number; windowMs: number }): Promise<RateLimitWindow> {
    const current = this.windows.get(input.key);
    const next: RateLimitWindow =
      current && input.now < current.windowEnds
        ? { hits: current.hits + 1, windowEnds: current.windowEnds }
        : { hits: 1, windowEnds: input.now + input.windowMs };
    this.windows.set(input.key, next);
    return { ...next };
  }

  async prune(before: number): Promise<number> {
    let pruned = 0;
    for (const [key, window] of this.windows) {
      if (window.windowEnds < before) {
        this.windows.delete(key);
        pruned += 1;
      }
    }
    return pruned;
  }
}
