import type { ReaderEvent } from '../../hardware/transport/card-transport';

/** Anything that emits reader events to subscribers (the PC/SC source, an in-process source). */
export interface ReaderEventSource {
  subscribe(listener: (event: ReaderEvent) => void): () => void;
}

/**
 * Records a source's events so a test can wait for one and then check the order they came in.
 * Waiting is bounded: a missing event fails the test with what was seen instead of hanging it.
 */
export class ReaderEventLog {
  readonly events: ReaderEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly unsubscribe: () => void;

  constructor(source: ReaderEventSource) {
    this.unsubscribe = source.subscribe((event) => {
      this.events.push(event);
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** Resolves with the first matching event at index `from` or later, seen already or still to come. */
  waitFor(match: (event: ReaderEvent) => boolean, options: { from?: number; timeoutMs?: number } = {}) {
    const { from = 0, timeoutMs = 10_000 } = options;
    return new Promise<ReaderEvent>((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(match);
        if (!found) return false;
        finish();
        resolve(found);
        return true;
      };
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `reader event not seen within ${timeoutMs} ms; saw ${JSON.stringify(this.events.slice(from))}`,
          ),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Waits for `type` on `reader` (or any reader), from now on. */
  next(type: ReaderEvent['type'], reader?: string, timeoutMs?: number): Promise<ReaderEvent> {
    return this.waitFor(
      (event) => event.type === type && (reader === undefined || readerOf(event) === reader),
      {
        from: this.events.length,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      },
    );
  }

  /** The types of the events for one reader (and service events), in order, from index `from`. */
  typesFor(reader: string, from = 0): string[] {
    return this.events
      .slice(from)
      .filter((event) => readerOf(event) === reader || event.type.startsWith('service.'))
      .map((event) => event.type);
  }

  close(): void {
    this.unsubscribe();
  }
}

function readerOf(event: ReaderEvent): string | undefined {
  return 'reader' in event ? event.reader : undefined;
}
