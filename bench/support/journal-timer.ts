import { Outbox } from '../../kiosk/journal/outbox';

/**
 * Measures the time spent in the kiosk journal's writes (SQLite WAL, synchronous=FULL: one fsync
 * per commit) by wrapping the Outbox's methods in this process. Bench-only instrumentation.
 */
export class JournalTimer {
  elapsedMs = 0;
  writes = 0;

  install(): () => void {
    const methods = ['enqueue', 'markDelivered', 'markRejected', 'markRetry', 'due', 'pendingCount'] as const;
    const prototype = Outbox.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
    const originals = methods.map((name) => [name, prototype[name]!] as const);
    for (const [name, original] of originals) {
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      const timer = this;
      prototype[name] = function timed(this: unknown, ...args: unknown[]) {
        const started = performance.now();
        try {
          return original.apply(this, args);
        } finally {
          timer.elapsedMs += performance.now() - started;
          if (name.startsWith('mark') || name === 'enqueue') timer.writes += 1;
        }
      };
    }
    return () => {
      for (const [name, original] of originals) prototype[name] = original;
    };
  }
}
