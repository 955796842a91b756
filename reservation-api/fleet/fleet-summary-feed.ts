import type { FleetGroup, FleetSummaryResponse, OpsStreamEvent } from '../contract';

/**
 * The overview's counters for the live stream: the database's summary, recomputed at most once
 * per `intervalMs` while someone watches and something changed (a kiosk or alert event passed
 * through this instance's stream, or `maxQuietMs` went by — silence turns kiosks offline with time
 * alone), sent as the groups whose counts changed since the last one. Answers to
 * `GET /v1/ops/fleet/summary` come from the same cache, so a hundred dashboards cost one query.
 *
 * Each API instance runs its own: all read the same database, so the counts agree, and the events
 * stay local to the instance that computed them (another instance's clients get their own).
 */

export interface FleetSummaryFeedDeps {
  /** The summary now (one GROUP BY in the database). */
  compute(): Promise<FleetSummaryResponse>;
  /** Sends an event to this instance's stream clients. */
  publish(message: OpsStreamEvent): void;
  /** Whether any stream client is connected. */
  watched(): boolean;
  now(): number;
  /** How stale a cached summary may be, ms (1 s). */
  intervalMs?: number;
  /** Recompute this often even with no event, ms (5 s). */
  maxQuietMs?: number;
}

const groupKey = (group: FleetGroup) => `${group.by}:${group.key}`;

export class FleetSummaryFeed {
  private cached: FleetSummaryResponse | undefined;
  private computing: Promise<FleetSummaryResponse> | undefined;
  /** What the stream's clients were last sent, by group. */
  private sent = new Map<string, string>();
  private dirty = true;

  constructor(private readonly deps: FleetSummaryFeedDeps) {}

  /** A stream event went by: kiosk and alert events may move counts. */
  observe(message: OpsStreamEvent): void {
    if (message.event === 'kiosk' || message.event === 'alert') this.dirty = true;
  }

  /** The summary, at most `intervalMs` old (concurrent callers share one query). */
  async current(): Promise<FleetSummaryResponse> {
    const cached = this.cached;
    if (cached && this.deps.now() - cached.serverTime < (this.deps.intervalMs ?? 1_000)) return cached;
    return this.refresh();
  }

  /**
   * One round of the feed (a 1 s timer, or the monitoring tick): recomputes when watched and dirty
   * or quiet too long, and publishes the changed groups. Never rejects.
   */
  async flush(): Promise<void> {
    if (!this.deps.watched()) {
      // Nobody to tell: whoever connects next loads the summary first.
      this.sent.clear();
      return;
    }
    const age = this.cached ? this.deps.now() - this.cached.serverTime : Number.POSITIVE_INFINITY;
    if (!this.dirty && age < (this.deps.maxQuietMs ?? 5_000)) return;
    let summary: FleetSummaryResponse;
    try {
      summary = await this.refresh();
    } catch {
      return;
    }
    const changed = summary.groups.filter(
      (group) => this.sent.get(groupKey(group)) !== JSON.stringify(group),
    );
    // A group that vanished (its last kiosk removed) is sent with zero counts.
    const present = new Set(summary.groups.map(groupKey));
    for (const key of this.sent.keys()) {
      if (present.has(key)) continue;
      const [by, groupName] = key.split(':', 2) as [FleetGroup['by'], string];
      const zero = summary.groups[0] ? { ...summary.groups[0].counts } : undefined;
      if (zero) for (const k of Object.keys(zero)) zero[k as keyof typeof zero] = 0;
      if (zero) changed.push({ by, key: groupName, total: 0, counts: zero });
      this.sent.delete(key);
    }
    for (const group of summary.groups) this.sent.set(groupKey(group), JSON.stringify(group));
    if (changed.length > 0) {
      this.deps.publish({ event: 'summary', data: { serverTime: summary.serverTime, groups: changed } });
    }
  }

  private refresh(): Promise<FleetSummaryResponse> {
    this.computing ??= (async () => {
      this.dirty = false;
      try {
        const summary = await this.deps.compute();
        this.cached = summary;
        return summary;
      } catch (error) {
        this.dirty = true;
        throw error;
      } finally {
        this.computing = undefined;
      }
    })();
    return this.computing;
  }
}
