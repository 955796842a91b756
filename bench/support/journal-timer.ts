import Database from 'better-sqlite3';

/**
 * Measures the time spent in SQLite in this process — in the kiosk benchmark that is the kiosk
 * journal (outbox, claim journal: WAL, synchronous=FULL, one fsync per commit) — by wrapping the
 * better-sqlite3 Statement methods (transactions commit through statements too). Bench-only.
 */
export class JournalTimer {
  elapsedMs = 0;
  /** Statements run (each write outside a transaction is its own commit). */
  statements = 0;

  install(): () => void {
    const probe = new Database(':memory:');
    const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
      string,
      (...args: unknown[]) => unknown
    >;
    probe.close();
    const methods = ['run', 'get', 'all'] as const;
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
          timer.statements += 1;
        }
      };
    }
    return () => {
      for (const [name, original] of originals) prototype[name] = original;
    };
  }
}
