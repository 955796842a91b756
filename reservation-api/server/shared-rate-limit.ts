import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { RateLimitStore } from '../store/rate-limit-store';

/**
 * A @fastify/rate-limit store (its documented `store` option) that counts in the reservation
 * store's database instead of this process's memory, so a limit holds across every API instance
 * behind the load balancer. Each route counts on its own (as the plugin's built-in stores do): a
 * key is `METHOD url|client`. Time comes from the API's injected clock.
 */
export function sharedRateLimitStore(counters: RateLimitStore, now: () => number): FastifyRateLimitStoreCtor {
  class SharedRateLimitStore implements FastifyRateLimitStore {
    constructor(
      _options: unknown,
      private readonly prefix = '',
    ) {}

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      // The plugin passes the route's window and limit after the callback (not in its types).
      timeWindow?: number,
    ): void {
      const at = now();
      counters.hit({ key: this.prefix + key, now: at, windowMs: timeWindow ?? 60_000 }).then(
        (window) => callback(null, { current: window.hits, ttl: Math.max(0, window.windowEnds - at) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      // The plugin passes the route's merged settings, the route itself under `routeInfo`.
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const method = [route?.method].flat().join(',');
      return new SharedRateLimitStore(routeOptions, `${method} ${String(route?.url)}|`);
    }
  }
  return SharedRateLimitStore;
}
