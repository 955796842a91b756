import { randomBytes } from 'node:crypto';
import {
  ALERT_KINDS,
  type AlertKind,
  FLEET_STATUSES,
  type FleetAlert,
  type FleetKiosk,
  type FleetStatus,
  type HeartbeatRequest,
  type OpsStatsResponse,
  type OpsStreamEvent,
} from '../contract';
import {
  DEVICE_ALERT_CLASSES,
  failureClassOfCause,
  UNUSUAL_PATTERN_CAUSES,
} from '../contract/failure-classes';
import type { CustomerErrorId } from '../../state-machines/session/customer-errors';
import { ApiError } from '../server/api-error';
import type { ApiMetrics } from '../server/metrics';
import type { ApiPolicy } from '../server/policy';
import type { FedKioskEvent } from '../store/ops-store';
import type { KioskRecord, ReservationStore } from '../store/reservation-store';
import {
  ALERT_SEVERITY,
  type DesiredAlert,
  fleetAlerts,
  fleetStatusOf,
  kioskAlerts,
  type LatestHeartbeat,
} from './alert-rules';
import { sameDetail } from './alert-details';
import { KioskReportedAlerts } from './kiosk-reported-alerts';
import { MINUTE_MS, sessionFactOf } from './session-facts';
import { failureAlertBuckets } from './session-series';

/**
 * Watches the fleet: keeps every kiosk's latest state, evaluates the alert rules when a heartbeat
 * or an event batch arrives and on every tick (staleness and windows move with time alone), keeps
 * the alerts table in step (open, update, resolve), and publishes each change — kiosk, alert,
 * ended session, statistics — to the operators' live stream and the metrics.
 *
 * One instance per API process; every change runs one at a time (a queue), so concurrent
 * heartbeats cannot open the same alert twice. Time comes only from the injected clock.
 *
 * Built to scale with the fleet (56,000 kiosks, thousands of heartbeats a second): a heartbeat is
 * answered once it is stored, and only noted here (`noteHeartbeat`: the kiosk's latest heartbeat in
 * a map, at most one entry per kiosk); one job drains the map, so many heartbeats of one kiosk cost
 * one evaluation, and the failure counts of a whole batch come from one query. The tick is
 * set-based: the fleet's failure counts in one GROUP BY query, and only the kiosks whose alerts can
 * move with time alone (open alerts, failures in the window, a reader down, a heartbeat past the
 * stale cut-off, a change another instance stored) are evaluated. Kiosks by status are counted
 * incrementally. See docs/decisions.md, "Fleet monitor at fleet scale".
 *
 * Several API instances on one database each run a monitor, and each derives its state from the
 * database: on every tick it re-reads the kiosks with their stored heartbeats (the kiosk-reported
 * alerts and reader state included) and the open alerts, and it reads the shared event feed. So a
 * change only one instance saw (a heartbeat, an acknowledgement) reaches the others' state within
 * a tick, and no monitor resolves an alert because it missed what another saw. Its message goes
 * to the other instances' streams at once (reach `everywhere`, see ops-relay.ts); what every
 * monitor derives from the database itself (ticks, the event feed) stays `here`, so no operator
 * gets it twice.
 */

/** Whether a published change is for this instance's operators only or for every instance's. */
export type PublishReach = 'here' | 'everywhere';

export interface FleetMonitorDeps {
  store: ReservationStore;
  now: () => number;
  policy: ApiPolicy;
  metrics: ApiMetrics;
  publish: (message: OpsStreamEvent, reach: PublishReach) => void;
  newAlertId?: () => string;
}

interface KioskEntry {
  record: KioskRecord;
  heartbeat: (HeartbeatRequest & { receivedAt: number }) | null;
}

type StoredHeartbeat = HeartbeatRequest & { receivedAt: number };

/** Failed sessions in the repeated-failures window: kiosk id → cause → count. */
type FailuresByKiosk = ReadonlyMap<string, Record<string, number>>;

const FEED_PAGE = 500;
/** Kiosk events deleted per tick at most, so a large backlog never holds the database for long. */
const EVENT_PRUNE_BATCH = 5_000;

/** The causes whose fleet-wide spikes may mean an attack (customer error ids). */
const BLOCKED_PIN = 'pin-blocked';
const RESET_REFUSED = 'reset-refused';

export class FleetMonitor {
  private readonly kiosks = new Map<string, KioskEntry>();
  /** What each kiosk looked like when last published (without the fields that move every heartbeat). */
  private readonly publishedKiosks = new Map<string, string>();
  /** Open alerts by `kind|subject` (subject: kiosk id or `fleet`). */
  private readonly open = new Map<string, FleetAlert>();
  private readonly reported = new KioskReportedAlerts();
  /** Since when each kiosk's reader has been down without a break (server time); absent when up. */
  private readonly readerDownSince = new Map<string, number>();
  /** Heartbeats stored and not yet evaluated: the latest per kiosk (bounded by the fleet's size). */
  private readonly pending = new Map<string, { kiosk: KioskRecord; heartbeat: StoredHeartbeat }>();
  /** The drain job queued and not yet started (one at a time; heartbeats noted meanwhile join it). */
  private drainQueued: Promise<void> | null = null;
  /**
   * Kiosks a re-read found changed (new, revoked, a heartbeat stored elsewhere) and not evaluated
   * since: the next tick or registration evaluates them, whichever read found them.
   */
  private readonly changedKiosks = new Set<string>();
  /** Each kiosk's status when last counted, and the counts (the kiosk gauges and statistics). */
  private readonly statusById = new Map<string, FleetStatus>();
  private readonly statusCounts = Object.fromEntries(FLEET_STATUSES.map((s) => [s, 0])) as Record<
    FleetStatus,
    number
  >;
  private eventSeq = 0;
  private publishedStats = '';
  private queue: Promise<unknown> = Promise.resolve();
  /** The reach of what the running job publishes (set by `exclusive`). */
  private reach: PublishReach = 'here';

  /**
   * When this process began watching — or when the clock last jumped: silence before it is not
   * counted against a kiosk.
   */
  private monitoredSince: number;
  /** The latest server time this monitor acted on (to see the clock jump). */
  private lastNow: number;

  constructor(private readonly deps: FleetMonitorDeps) {
    this.monitoredSince = deps.now();
    this.lastNow = this.monitoredSince;
  }

  /**
   * The server's now, and a clock that jumped (a demo clock moved ahead, an NTP step) seen as a
   * restart of monitoring: kiosks did not go silent, the clock moved, so they get a full stale
   * period from the jump. A clock that went back leaves nothing dated after it: open alerts'
   * times are never ahead of now (`reconcile` writes now, and `lastNow` follows the clock back).
   */
  private observeNow(): number {
    const now = this.deps.now();
    const expectedGap = Math.max(this.deps.policy.opsTickMs, 10_000) + this.deps.policy.alertHeartbeatStaleMs;
    if (now - this.lastNow > expectedGap || now < this.lastNow) this.monitoredSince = now;
    this.lastNow = now;
    return now;
  }

  /** Loads kiosks, open alerts and the event feed position (events stored before are not replayed). */
  async start(): Promise<void> {
    await this.exclusive(async () => {
      const { ops } = this.deps.store;
      this.eventSeq = await ops.lastKioskEventSeq();
      for (const alert of await ops.openAlerts()) {
        this.open.set(keyOf(alert.kind, alert.kioskId), alert);
        if (alert.kioskId !== null && alert.kind !== 'kiosk-other') {
          this.reported.seed(alert.kioskId, alert.kind);
        }
        // An open reader alert: the reader has been down since it opened at least.
        if (alert.kioskId !== null && alert.kind === 'reader-unavailable') {
          this.readerDownSince.set(alert.kioskId, alert.openedAt);
        }
      }
      await this.refreshKiosks({ applyStoredHeartbeats: false });
      const now = this.deps.now();
      for (const entry of this.kiosks.values()) {
        const { heartbeat } = entry;
        if (heartbeat && !this.readerDownSince.has(entry.record.id)) {
          this.noteReader(entry.record.id, heartbeat.reader, heartbeat.receivedAt);
        }
        this.publishedKiosks.set(entry.record.id, changeKey(this.view(entry, now)));
      }
      this.recountStatuses(now);
      this.updateGauges();
    });
  }

  /**
   * A heartbeat was stored for `kiosk` at server time `receivedAt`: noted, and evaluated soon by the
   * drain job (the returned promise settles then). The caller need not wait: the heartbeat is
   * durable already, and the kiosk's answer does not depend on the monitor.
   */
  noteHeartbeat(kiosk: KioskRecord, heartbeat: HeartbeatRequest, receivedAt: number): Promise<void> {
    const known = this.pending.get(kiosk.id);
    // Replies can overtake each other: the newest heartbeat of a kiosk wins.
    if (!known || known.heartbeat.receivedAt <= receivedAt) {
      this.pending.set(kiosk.id, { kiosk, heartbeat: { ...heartbeat, receivedAt } });
    }
    return this.queueDrain();
  }

  private queueDrain(): Promise<void> {
    this.drainQueued ??= this.exclusive(() => this.drainHeartbeats(), 'everywhere');
    return this.drainQueued;
  }

  /** Settles when every heartbeat noted so far has been evaluated (tests, shutdown). */
  async settled(): Promise<void> {
    // The queue runs in order: an empty job settles after the drain running or queued before it.
    do await this.exclusive(async () => undefined);
    while (this.drainQueued);
  }

  /** An event batch was stored: reads the new events from the store's feed and acts on them. */
  async onKioskEvents(): Promise<void> {
    await this.exclusive(() => this.pollEvents(this.observeNow()));
  }

  /**
   * Kiosks were registered or revoked here (the CLI's changes are found on the next tick): only the
   * kiosks that changed are evaluated, so a batch of registrations costs its own size.
   */
  async onKioskChanged(): Promise<void> {
    await this.exclusive(async () => {
      const now = this.observeNow();
      await this.refreshKiosks();
      const changed = this.takeChangedKiosks();
      if (changed.size > 0) {
        const failures = await this.fleetFailuresByKiosk(now);
        for (const id of changed) {
          await this.evaluateKiosk(id, now, failures);
          this.restatus(id, now);
        }
      }
      this.updateGauges();
    }, 'everywhere');
  }

  /** Re-evaluates everything that moves with time alone; refreshes statistics; applies retention. */
  async tick(): Promise<void> {
    await this.exclusive(async () => {
      const now = this.observeNow();
      const { ops } = this.deps.store;
      await this.pollEvents(now);
      await this.adoptOpenAlerts();
      await this.refreshKiosks();
      const failures = await this.fleetFailuresByKiosk(now);
      for (const id of this.timeBoundKiosks(now, this.takeChangedKiosks(), failures)) {
        await this.evaluateKiosk(id, now, failures);
      }
      await this.evaluateFleet(now);
      this.recountStatuses(now);
      this.updateGauges();
      await this.publishStatsIfChanged(now);
      await ops.pruneSessionRollup(now - this.deps.policy.opsRetentionMs);
      await ops.pruneResolvedAlerts(now - this.deps.policy.opsRetentionMs);
      await ops.pruneKioskEvents({ before: now - this.deps.policy.opsRetentionMs, limit: EVENT_PRUNE_BATCH });
      await ops.pruneOperatorSessions({ now, idleBefore: now - this.deps.policy.opsSessionIdleMs });
      // Heartbeats left by a failed drain are retried.
      if (this.pending.size > 0) void this.queueDrain().catch(() => undefined);
    });
  }

  /** Every kiosk as operators see it now (kiosks registered elsewhere included). */
  async fleet(): Promise<FleetKiosk[]> {
    return this.exclusive(async () => {
      await this.refreshKiosks();
      const now = this.deps.now();
      return [...this.kiosks.values()]
        .map((entry) => this.view(entry, now))
        .sort((a, b) => (a.kioskId < b.kioskId ? -1 : 1));
    });
  }

  /** One kiosk as operators see it now, with its latest heartbeat (undefined: no such kiosk). */
  async kiosk(
    kioskId: string,
  ): Promise<
    { view: FleetKiosk; heartbeat: (HeartbeatRequest & { receivedAt: number }) | null } | undefined
  > {
    return this.exclusive(async () => {
      if (!this.kiosks.has(kioskId)) await this.refreshKiosks();
      const entry = this.kiosks.get(kioskId);
      return entry ? { view: this.view(entry, this.deps.now()), heartbeat: entry.heartbeat } : undefined;
    });
  }

  /**
   * Reservation counts, kiosks by status and open alerts now. The kiosk list is the one of the
   * latest tick or change (re-reading 56,000 kiosks per request would cost more than the answer).
   */
  async stats(): Promise<OpsStatsResponse> {
    return this.exclusive(async () => {
      const now = this.deps.now();
      this.recountStatuses(now);
      return this.computeStats(now);
    });
  }

  /**
   * Heartbeats received before this are stale at `now` — the rule of fleetStatusOf as a cut-off for
   * the database's overview: after a restart nobody is stale until a whole stale period has passed.
   */
  onlineSince(now: number): number {
    const cutoff = now - this.deps.policy.alertHeartbeatStaleMs;
    return this.monitoredSince >= cutoff ? Number.MIN_SAFE_INTEGER : cutoff;
  }

  /** Acknowledges an alert for `operatorName` (audited once; repeating is harmless). */
  async acknowledge(alertId: string, operatorName: string): Promise<FleetAlert> {
    return this.exclusive(async () => {
      const outcome = await this.deps.store.ops.acknowledgeAlert({
        alertId,
        operatorName,
        now: this.deps.now(),
      });
      if (!outcome.ok) throw new ApiError(outcome.code);
      const alert = outcome.value;
      const key = keyOf(alert.kind, alert.kioskId);
      if (this.open.get(key)?.alertId === alert.alertId) this.open.set(key, alert);
      this.publish({ event: 'alert', data: alert });
      return alert;
    }, 'everywhere');
  }

  // ── internals (run inside `exclusive`) ──────────────────────────────────────────────────────

  /** Evaluates the noted heartbeats: each kiosk once, with the batch's failure counts from one query. */
  private async drainHeartbeats(): Promise<void> {
    this.drainQueued = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.evaluateHeartbeats(batch);
    } catch (error) {
      // Not lost: noted again (unless a newer one came meanwhile) for the next drain.
      for (const entry of batch)
        if (!this.pending.has(entry.kiosk.id)) this.pending.set(entry.kiosk.id, entry);
      throw error;
    }
  }

  private async evaluateHeartbeats(
    batch: readonly { kiosk: KioskRecord; heartbeat: StoredHeartbeat }[],
  ): Promise<void> {
    const now = this.observeNow();
    for (const { kiosk, heartbeat } of batch) {
      const known = this.kiosks.get(kiosk.id)?.heartbeat;
      // The tick may have taken a newer stored heartbeat of this kiosk already.
      if (known && known.receivedAt > heartbeat.receivedAt) continue;
      this.kiosks.set(kiosk.id, { record: kiosk, heartbeat });
      this.reported.applyHeartbeat(kiosk.id, heartbeat.alerts, heartbeat.clock);
      this.noteReader(kiosk.id, heartbeat.reader, heartbeat.receivedAt);
      this.deps.metrics.kioskLastHeartbeat.set({ kiosk_id: kiosk.id }, heartbeat.receivedAt / 1000);
    }
    const failures = await this.fleetFailuresByKiosk(now);
    for (const { kiosk, heartbeat } of batch) {
      // Evaluated at the heartbeat's own time when it is the latest (as before the batching).
      await this.evaluateKiosk(kiosk.id, Math.max(now, heartbeat.receivedAt), failures);
      this.restatus(kiosk.id, now);
    }
    this.updateGauges();
  }

  private takeChangedKiosks(): Set<string> {
    const changed = new Set(this.changedKiosks);
    this.changedKiosks.clear();
    return changed;
  }

  /** Failed sessions of every kiosk in the repeated-failures window, in one query. */
  private fleetFailuresByKiosk(now: number): Promise<FailuresByKiosk> {
    return this.deps.store.ops.failedSessionsByKioskAndCause(
      failureAlertBuckets(now, this.deps.policy.alertRepeatedFailuresWindowMs),
    );
  }

  /**
   * The kiosks whose alerts or view can change with time alone, or that changed in the database:
   * with open alerts (a reported one included), with failures in the window, with a reader down,
   * stale (or no longer counted as before), or changed (registered, revoked, a heartbeat another instance
   * stored). Every other kiosk is online with nothing to open: evaluating it would change nothing.
   */
  private timeBoundKiosks(now: number, changed: ReadonlySet<string>, failures: FailuresByKiosk): Set<string> {
    const ids = new Set(changed);
    for (const alert of this.open.values()) if (alert.kioskId !== null) ids.add(alert.kioskId);
    for (const id of failures.keys()) ids.add(id);
    for (const id of this.readerDownSince.keys()) ids.add(id);
    for (const [id, entry] of this.kiosks) {
      const status = this.statusOf(entry, now);
      if (status === 'stale' || status !== this.statusById.get(id)) ids.add(id);
    }
    return ids;
  }

  private exclusive<T>(work: () => Promise<T>, reach: PublishReach = 'here'): Promise<T> {
    const job = () => {
      this.reach = reach;
      return work();
    };
    const run = this.queue.then(job, job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private publish(message: OpsStreamEvent): void {
    this.deps.publish(message, this.reach);
  }

  /** Starts or ends the kiosk's stretch of reader downtime (the grace of reader-unavailable). */
  private noteReader(kioskId: string, reader: HeartbeatRequest['reader'], at: number): void {
    const down = reader !== 'ready' || this.reported.active(kioskId).has('reader-unavailable');
    if (!down) this.readerDownSince.delete(kioskId);
    else if (!this.readerDownSince.has(kioskId)) this.readerDownSince.set(kioskId, at);
  }

  /**
   * The open alerts as the database has them: alerts other instances opened, resolved or had
   * acknowledged since (this one's own changes are there too).
   */
  private async adoptOpenAlerts(): Promise<void> {
    const stored = await this.deps.store.ops.openAlerts();
    this.open.clear();
    for (const alert of stored) this.open.set(keyOf(alert.kind, alert.kioskId), alert);
  }

  /**
   * Re-reads the kiosks and their stored heartbeats. A stored heartbeat newer than the one this
   * monitor saw reached another instance: its reported alerts and reader state are taken as if it
   * had come here (not at start, where the open alerts stand for what was reported before).
   */
  private async refreshKiosks(
    options: { applyStoredHeartbeats: boolean } = { applyStoredHeartbeats: true },
  ): Promise<void> {
    // Kiosks new here, revoked or un-revoked, or with a heartbeat this monitor had not seen.
    const changed = this.changedKiosks;
    const seen = new Set<string>();
    for (const status of await this.deps.store.listKiosks()) {
      seen.add(status.id);
      const { lastHeartbeat, ...record } = status;
      const known = this.kiosks.get(status.id);
      // The stored heartbeat and ours are the same write; keep whichever is newer.
      const heartbeat =
        known?.heartbeat && (!lastHeartbeat || known.heartbeat.receivedAt >= lastHeartbeat.receivedAt)
          ? known.heartbeat
          : lastHeartbeat;
      if (options.applyStoredHeartbeats && heartbeat && heartbeat !== known?.heartbeat) {
        this.reported.applyHeartbeat(status.id, heartbeat.alerts, heartbeat.clock);
        this.noteReader(status.id, heartbeat.reader, heartbeat.receivedAt);
        changed.add(status.id);
      }
      if (!known || known.record.revokedAt !== record.revokedAt) changed.add(status.id);
      this.kiosks.set(status.id, { record, heartbeat });
      if (record.revokedAt !== null) {
        this.reported.forget(status.id);
        this.readerDownSince.delete(status.id);
        this.deps.metrics.kioskLastHeartbeat.remove({ kiosk_id: status.id });
      } else if (heartbeat) {
        this.deps.metrics.kioskLastHeartbeat.set({ kiosk_id: status.id }, heartbeat.receivedAt / 1000);
      }
    }
    for (const id of this.kiosks.keys()) {
      if (seen.has(id)) continue;
      this.kiosks.delete(id);
      this.unstatus(id);
      changed.delete(id);
    }
  }

  private async pollEvents(now: number): Promise<void> {
    const dirty = new Set<string>();
    let fleetDirty = false;
    for (;;) {
      const events = await this.deps.store.ops.kioskEventsAfter(this.eventSeq, FEED_PAGE);
      for (const event of events) {
        this.eventSeq = event.seq;
        if (this.handleEvent(event)) dirty.add(event.kioskId);
        const cause = sessionFactOf(event)?.cause;
        if (cause === BLOCKED_PIN || cause === RESET_REFUSED) fleetDirty = true;
      }
      if (events.length < FEED_PAGE) break;
    }
    if (dirty.size > 0) {
      const failures = await this.fleetFailuresByKiosk(now);
      for (const id of dirty) await this.evaluateKiosk(id, now, failures);
    }
    if (fleetDirty) await this.evaluateFleet(now);
    if (dirty.size > 0) this.updateGauges();
  }

  /** Publishes and records one kiosk event; true when the kiosk's alerts may have changed. */
  private handleEvent(event: FedKioskEvent): boolean {
    const fact = sessionFactOf(event);
    if (fact) {
      this.deps.metrics.kioskSessions.inc({ outcome: fact.outcome, cause: fact.cause });
      if (fact.outcome === 'failed')
        this.deps.metrics.kioskFailures.inc({ class: failureClassOfCause(fact.cause) });
      this.publish({
        event: 'session',
        data: { kioskId: event.kioskId, at: event.at, outcome: fact.outcome, cause: fact.cause },
      });
      return fact.outcome === 'failed';
    }
    if (event.type === 'alert' || event.type === 'alert.cleared') {
      const name = event.data?.['alert'];
      if (typeof name !== 'string' || name.length === 0) return false;
      this.reported.applyEvent(event.kioskId, name.slice(0, 64), event.type === 'alert', event.at);
      return true;
    }
    return false;
  }

  private async evaluateKiosk(kioskId: string, now: number, failures: FailuresByKiosk): Promise<void> {
    const entry = this.kiosks.get(kioskId);
    if (!entry) return;
    const { heartbeat } = entry;
    const latest: LatestHeartbeat | null = heartbeat
      ? { receivedAt: heartbeat.receivedAt, reader: heartbeat.reader, clock: heartbeat.clock }
      : null;
    const byCause = failures.get(kioskId) ?? {};
    const desired = kioskAlerts(
      {
        kioskId,
        revoked: entry.record.revokedAt !== null,
        heartbeat: latest,
        reported: this.reported.active(kioskId),
        readerDownSince: this.readerDownSince.get(kioskId),
        ...classifyFailures(byCause),
        monitoredSince: this.monitoredSince,
      },
      now,
      this.deps.policy,
    );
    await this.reconcile(kioskId, desired, now);
    const view = this.view(entry, now);
    const key = changeKey(view);
    if (this.publishedKiosks.get(kioskId) !== key) {
      this.publishedKiosks.set(kioskId, key);
      this.publish({ event: 'kiosk', data: view });
    }
  }

  private async evaluateFleet(now: number): Promise<void> {
    const since = Math.floor((now - this.deps.policy.alertSpikeWindowMs) / MINUTE_MS) * MINUTE_MS;
    const { ops } = this.deps.store;
    const desired = fleetAlerts(
      {
        blockedPins: await ops.fleetFailures({ cause: BLOCKED_PIN, since }),
        resetRefusals: await ops.fleetFailures({ cause: RESET_REFUSED, since }),
        cardMismatches: await ops.auditedRefusals({ code: 'CARD_MISMATCH', since }),
      },
      this.deps.policy,
    );
    await this.reconcile(null, desired, now);
  }

  /** Opens, updates and resolves the alerts of one subject (a kiosk, or null: the fleet) to match `desired`. */
  private async reconcile(kioskId: string | null, desired: DesiredAlert[], now: number): Promise<void> {
    const { ops } = this.deps.store;
    const wanted = new Map(desired.map((alert) => [keyOf(alert.kind, kioskId), alert]));
    for (const [key, alert] of this.open) {
      if (alert.kioskId !== kioskId || wanted.has(key)) continue;
      this.open.delete(key);
      const resolved = await ops.resolveAlert({ alertId: alert.alertId, now });
      if (resolved) this.publish({ event: 'alert', data: resolved });
    }
    for (const [key, want] of wanted) {
      const existing = this.open.get(key);
      if (!existing) {
        const opened = await ops.openAlert({
          alertId: this.deps.newAlertId?.() ?? `alr_${randomBytes(12).toString('base64url')}`,
          kind: want.kind,
          severity: ALERT_SEVERITY[want.kind],
          kioskId,
          detail: want.detail,
          detailKey: want.detailKey,
          detailParams: want.detailParams,
          now,
        });
        this.open.set(key, opened);
        this.deps.metrics.alertsOpened.inc({ kind: want.kind });
        this.publish({ event: 'alert', data: opened });
      } else if (!sameDetail(existing, want)) {
        const updated = await ops.updateAlertDetail({
          alertId: existing.alertId,
          detail: want.detail,
          detailKey: want.detailKey,
          detailParams: want.detailParams,
          now,
        });
        if (updated) {
          this.open.set(key, updated);
          this.publish({ event: 'alert', data: updated });
        }
      }
    }
  }

  private view(entry: KioskEntry, now: number): FleetKiosk {
    const { record, heartbeat } = entry;
    // By key, not by a walk of every open alert: O(kinds) per kiosk however many alerts are open.
    const alerts = ALERT_KINDS.filter((kind) => this.open.has(keyOf(kind, record.id)));
    return {
      kioskId: record.id,
      chain: record.chain,
      storeId: record.storeId,
      procedures: record.procedures,
      status: this.statusOf(entry, now),
      state: heartbeat?.state ?? null,
      reader: heartbeat?.reader ?? null,
      cardPresent: heartbeat?.cardPresent ?? null,
      version: heartbeat?.version ?? null,
      lastSeenAt: heartbeat?.receivedAt ?? null,
      clockSkewMs: heartbeat ? heartbeat.clock - heartbeat.receivedAt : null,
      alerts,
    };
  }

  private statusOf(entry: KioskEntry, now: number): FleetStatus {
    const { record, heartbeat } = entry;
    const kiosk = { revoked: record.revokedAt !== null, heartbeat, monitoredSince: this.monitoredSince };
    return fleetStatusOf(kiosk, now, this.deps.policy);
  }

  /** Counts one kiosk's status now (after its heartbeat); the others keep theirs until the tick. */
  private restatus(kioskId: string, now: number): void {
    const entry = this.kiosks.get(kioskId);
    if (!entry) return this.unstatus(kioskId);
    const status = this.statusOf(entry, now);
    const was = this.statusById.get(kioskId);
    if (was === status) return;
    if (was !== undefined) this.statusCounts[was] -= 1;
    this.statusCounts[status] += 1;
    this.statusById.set(kioskId, status);
  }

  private unstatus(kioskId: string): void {
    const was = this.statusById.get(kioskId);
    if (was === undefined) return;
    this.statusCounts[was] -= 1;
    this.statusById.delete(kioskId);
  }

  /** Every kiosk's status at `now` (staleness moves with time: once a tick, in memory, no query). */
  private recountStatuses(now: number): void {
    for (const id of this.kiosks.keys()) this.restatus(id, now);
  }

  private kioskCounts(): Record<FleetStatus, number> {
    return { ...this.statusCounts };
  }

  private async computeStats(now: number): Promise<OpsStatsResponse> {
    return {
      serverTime: now,
      reservations: await this.deps.store.ops.reservationStats(now),
      kiosks: this.kioskCounts(),
      openAlerts: this.open.size,
    };
  }

  private async publishStatsIfChanged(now: number): Promise<void> {
    const stats = await this.computeStats(now);
    for (const [status, count] of Object.entries(stats.reservations)) {
      if (status !== 'createdLast24h') this.deps.metrics.reservations.set({ status }, count);
    }
    const key = JSON.stringify({ ...stats, serverTime: 0 });
    if (key === this.publishedStats) return;
    this.publishedStats = key;
    this.publish({ event: 'stats', data: stats });
  }

  private updateGauges(): void {
    for (const [status, count] of Object.entries(this.statusCounts)) {
      this.deps.metrics.kiosks.set({ status }, count);
    }
    const byKind = Object.fromEntries(ALERT_KINDS.map((kind) => [kind, 0])) as Record<AlertKind, number>;
    for (const alert of this.open.values()) byKind[alert.kind] += 1;
    for (const [kind, count] of Object.entries(byKind)) this.deps.metrics.openAlerts.set({ kind }, count);
  }
}

/** A kiosk's failures by cause, split as the alert rules count them (one class table). */
function classifyFailures(byCause: Record<string, number>): {
  recentFailures: number;
  unusualFailures: number;
} {
  let recentFailures = 0;
  let unusualFailures = 0;
  for (const [cause, count] of Object.entries(byCause)) {
    if (DEVICE_ALERT_CLASSES.has(failureClassOfCause(cause))) recentFailures += count;
    if (UNUSUAL_PATTERN_CAUSES.has(cause as CustomerErrorId)) unusualFailures += count;
  }
  return { recentFailures, unusualFailures };
}

function keyOf(kind: AlertKind, kioskId: string | null): string {
  return `${kind}|${kioskId ?? 'fleet'}`;
}

/** A kiosk view without the fields that change with every heartbeat. */
function changeKey(view: FleetKiosk): string {
  return JSON.stringify({ ...view, lastSeenAt: null, clockSkewMs: null });
}
