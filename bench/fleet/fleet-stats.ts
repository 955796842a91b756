import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

/**
 * What the fleet measured: per request kind, the latency of every answered request (µs
 * histograms, whole run and current interval), successes, and errors by status (`503`,
 * `network`, `timeout`, …); the error window (first to last error); heartbeats asked and sent.
 */

export const REQUEST_KINDS = [
  'heartbeat',
  'phone_challenge',
  'reservation_create',
  'kiosk_challenge',
  'lookup',
  'claim',
  'complete',
] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

interface KindCounters {
  ok: number;
  errors: Map<string, number>;
  latency: RecordableHistogram;
}

function counters(): KindCounters {
  return { ok: 0, errors: new Map(), latency: createHistogram() };
}

function perKind(): Record<RequestKind, KindCounters> {
  return Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, counters()])) as Record<
    RequestKind,
    KindCounters
  >;
}

export interface LatencyFigures {
  count: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

function figures(counted: KindCounters): LatencyFigures {
  const { latency } = counted;
  const ms = (us: number) => Math.round(us) / 1000;
  return latency.count === 0
    ? { count: 0, p50_ms: 0, p99_ms: 0, max_ms: 0 }
    : {
        count: latency.count,
        p50_ms: ms(latency.percentile(50)),
        p99_ms: ms(latency.percentile(99)),
        max_ms: ms(latency.max),
      };
}

export class FleetStats {
  private total = perKind();
  private interval = perKind();
  private intervalStartedAt: number;
  /** Heartbeats due by the schedule, sent, and not sent because the kiosk's previous one was still unanswered. */
  heartbeatsDue = 0;
  heartbeatsSent = 0;
  heartbeatsSkipped = 0;
  private intervalHeartbeatsDue = 0;
  sessions = { started: 0, completed: 0, failed: 0, noCard: 0 };
  firstErrorAt: number | undefined;
  lastErrorAt: number | undefined;

  constructor(private readonly clock: () => number = () => performance.now()) {
    this.intervalStartedAt = clock();
  }

  /** One answered request (2xx). */
  ok(kind: RequestKind, latencyMs: number): void {
    for (const set of [this.total, this.interval]) {
      set[kind].ok += 1;
      set[kind].latency.record(Math.max(1, Math.round(latencyMs * 1000)));
    }
  }

  /** One failed request: `status` is the HTTP status, or network / timeout. */
  error(kind: RequestKind, status: string, latencyMs?: number): void {
    const at = this.clock();
    this.firstErrorAt ??= at;
    this.lastErrorAt = at;
    for (const set of [this.total, this.interval]) {
      set[kind].errors.set(status, (set[kind].errors.get(status) ?? 0) + 1);
      if (latencyMs !== undefined) set[kind].latency.record(Math.max(1, Math.round(latencyMs * 1000)));
    }
  }

  heartbeatDue(): void {
    this.heartbeatsDue += 1;
    this.intervalHeartbeatsDue += 1;
  }

  /** Starts the first interval now (after registration). */
  resetClock(): void {
    this.intervalStartedAt = this.clock();
  }

  /** Failed requests of every kind so far. */
  errorCount(): number {
    let count = 0;
    for (const kind of REQUEST_KINDS) for (const n of this.total[kind].errors.values()) count += n;
    return count;
  }

  acknowledged(kind: RequestKind): number {
    return this.total[kind].ok;
  }

  /** The figures since the previous call (and starts a new interval). */
  takeInterval(): Record<string, unknown> {
    const now = this.clock();
    const seconds = (now - this.intervalStartedAt) / 1000;
    const line = this.describe(this.interval, seconds, this.intervalHeartbeatsDue);
    this.interval = perKind();
    this.intervalHeartbeatsDue = 0;
    this.intervalStartedAt = now;
    return line;
  }

  /** The figures of the whole run over `seconds`. */
  describeTotal(seconds: number): Record<string, unknown> {
    return this.describe(this.total, seconds, this.heartbeatsDue);
  }

  private describe(
    set: Record<RequestKind, KindCounters>,
    seconds: number,
    heartbeatsDue: number,
  ): Record<string, unknown> {
    const latency: Record<string, LatencyFigures> = {};
    const errors: Record<string, Record<string, number>> = {};
    for (const kind of REQUEST_KINDS) {
      if (set[kind].latency.count > 0 || set[kind].errors.size > 0) latency[kind] = figures(set[kind]);
      if (set[kind].errors.size > 0) errors[kind] = Object.fromEntries(set[kind].errors);
    }
    const rate = (count: number) => (seconds > 0 ? Math.round((count / seconds) * 10) / 10 : 0);
    return {
      seconds: Math.round(seconds * 10) / 10,
      heartbeats_per_s: rate(set.heartbeat.ok),
      heartbeats_asked_per_s: rate(heartbeatsDue),
      acknowledged: Object.fromEntries(REQUEST_KINDS.map((kind) => [kind, set[kind].ok])),
      latency,
      errors,
    };
  }
}
