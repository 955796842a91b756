import type { AlertKind, AlertSeverity, FleetStatus, HeartbeatRequest } from '../contract';
import type { ApiPolicy } from '../server/policy';
import { type AlertDetail, alertDetail } from './alert-details';

/**
 * The alert rules as pure functions: from what is known of a kiosk (or of the fleet) at `now`, the
 * alerts that should be open. The monitor compares them with the open ones and opens, updates or
 * resolves. Thresholds come from the policy (config keys `alert*`, docs/operators.md).
 */

export type AlertThresholds = Pick<
  ApiPolicy,
  | 'alertHeartbeatStaleMs'
  | 'alertReaderGraceMs'
  | 'alertClockSkewMs'
  | 'alertRepeatedFailures'
  | 'alertRepeatedFailuresWindowMs'
  | 'alertUnusualPattern'
  | 'alertBlockedPinSpike'
  | 'alertResetRefusedSpike'
  | 'alertSpikeWindowMs'
>;

/** Critical: the kiosk cannot serve (or the fleet may be under attack); warning: look soon. */
export const ALERT_SEVERITY: Record<AlertKind, AlertSeverity> = {
  'heartbeat-stale': 'critical',
  'reader-unavailable': 'critical',
  // A My Number Card is an ID document: one left at a kiosk is at risk until staff keep it safe.
  'card-left-behind': 'critical',
  'settlement-not-recorded': 'critical',
  // A customer may hold a card in an unknown state, or a completion/release never reached the API.
  'reset-outcome-uncertain': 'critical',
  'outbox-rejected': 'critical',
  'repeated-failures': 'warning',
  // Customer-class, but a burst at one machine may be shoulder-surfing or a tampered reader.
  'unusual-customer-pattern': 'warning',
  'clock-skew': 'warning',
  'blocked-pin-spike': 'critical',
  'reset-refused-spike': 'critical',
  // Someone holds a card and its PIN and named another card: a reset of someone else's card tried.
  'card-mismatch': 'critical',
  'kiosk-other': 'warning',
};

/** Alert names a kiosk may report (heartbeat `alerts`, `alert` events) that map onto a kind of ours. */
const KIOSK_REPORTED_KINDS: ReadonlySet<AlertKind> = new Set([
  'card-left-behind',
  'settlement-not-recorded',
  'reset-outcome-uncertain',
  'outbox-rejected',
  'reader-unavailable',
]);

/** An alert that should be open: its kind, the kiosk (null: fleet-wide) and short facts. */
export interface DesiredAlert extends AlertDetail {
  kind: AlertKind;
  kioskId: string | null;
}

export interface LatestHeartbeat {
  receivedAt: number;
  reader: HeartbeatRequest['reader'];
  clock: number;
}

export interface KioskFacts {
  kioskId: string;
  revoked: boolean;
  heartbeat: LatestHeartbeat | null;
  /** Alert names the kiosk currently reports. */
  reported: ReadonlySet<string>;
  /**
   * Since when (server time) the reader has been down without a break — heartbeat not `ready` or
   * reported `reader-unavailable`; undefined: since the latest heartbeat.
   */
  readerDownSince?: number;
  /** Device- and service-class failed sessions within the repeated-failures window (contract/failure-classes.ts). */
  recentFailures: number;
  /** Customer-class failures of the unusual-pattern causes (blocked PIN, card mismatch) in the same window. */
  unusualFailures?: number;
  /** When this API process began monitoring (after a restart kiosks get a full stale period). */
  monitoredSince?: number;
}

/** How the API sees a kiosk now. */
export function fleetStatusOf(
  kiosk: { revoked: boolean; heartbeat: { receivedAt: number } | null; monitoredSince?: number },
  now: number,
  thresholds: Pick<AlertThresholds, 'alertHeartbeatStaleMs'>,
): FleetStatus {
  if (kiosk.revoked) return 'revoked';
  if (!kiosk.heartbeat) return 'never-seen';
  // Silence while this API was not running is not the kiosk's: count from when monitoring began.
  const heardAt = Math.max(kiosk.heartbeat.receivedAt, kiosk.monitoredSince ?? Number.NEGATIVE_INFINITY);
  return now - heardAt > thresholds.alertHeartbeatStaleMs ? 'stale' : 'online';
}

/** The alerts one kiosk should have open now. A revoked kiosk has none. */
export function kioskAlerts(facts: KioskFacts, now: number, thresholds: AlertThresholds): DesiredAlert[] {
  if (facts.revoked) return [];
  const alerts: DesiredAlert[] = [];
  const add = (kind: AlertKind, detail: AlertDetail) =>
    alerts.push({ kind, kioskId: facts.kioskId, ...detail });
  const { heartbeat } = facts;

  if (heartbeat && fleetStatusOf(facts, now, thresholds) === 'stale') {
    add(
      'heartbeat-stale',
      alertDetail('no-heartbeat', { seconds: seconds(thresholds.alertHeartbeatStaleMs) }),
    );
  }
  const readerDown = heartbeat !== null && heartbeat.reader !== 'ready';
  // A kiosk's first heartbeat may come before its reader is attached: only a reader that stays
  // down for the grace period is an alert.
  const downSince = facts.readerDownSince ?? heartbeat?.receivedAt ?? now;
  const downLongEnough = now - downSince >= thresholds.alertReaderGraceMs;
  if ((readerDown || facts.reported.has('reader-unavailable')) && downLongEnough) {
    const key = !readerDown
      ? 'reader-reported'
      : heartbeat.reader === 'absent'
        ? 'reader-absent'
        : 'reader-unavailable';
    add('reader-unavailable', alertDetail(key, {}));
  }
  if (facts.reported.has('card-left-behind')) add('card-left-behind', alertDetail('card-on-reader', {}));
  if (facts.reported.has('settlement-not-recorded')) {
    add('settlement-not-recorded', alertDetail('settlement-not-recorded', {}));
  }
  if (facts.reported.has('reset-outcome-uncertain')) {
    add('reset-outcome-uncertain', alertDetail('reset-outcome-uncertain', {}));
  }
  if (facts.reported.has('outbox-rejected')) {
    add('outbox-rejected', alertDetail('outbox-rejected', {}));
  }
  const unknown = [...facts.reported].filter((name) => !KIOSK_REPORTED_KINDS.has(name as AlertKind));
  if (unknown.length > 0) {
    add(
      'kiosk-other',
      alertDetail('unknown-kiosk-alerts', { names: unknown.sort().join(', ').slice(0, 180) }),
    );
  }

  if (facts.recentFailures >= thresholds.alertRepeatedFailures) {
    add(
      'repeated-failures',
      alertDetail('failed-sessions', {
        count: facts.recentFailures,
        minutes: minutes(thresholds.alertRepeatedFailuresWindowMs),
      }),
    );
  }
  const unusual = facts.unusualFailures ?? 0;
  if (unusual >= thresholds.alertUnusualPattern) {
    add(
      'unusual-customer-pattern',
      alertDetail('unusual-customer-pattern', {
        count: unusual,
        minutes: minutes(thresholds.alertRepeatedFailuresWindowMs),
      }),
    );
  }
  if (heartbeat) {
    const skew = heartbeat.clock - heartbeat.receivedAt;
    if (Math.abs(skew) > thresholds.alertClockSkewMs) {
      const key = skew > 0 ? 'clock-ahead' : 'clock-behind';
      add('clock-skew', alertDetail(key, { seconds: seconds(thresholds.alertClockSkewMs) }));
    }
  }
  return alerts;
}

/** Fleet-wide counts within the spike window. */
export interface FleetFacts {
  blockedPins: number;
  resetRefusals: number;
  /** Requests refused CARD_MISMATCH (audited, phone and kiosk). One is enough for an alert. */
  cardMismatches?: number;
}

/** The fleet-wide alerts that should be open now (spikes that may be an attack). */
export function fleetAlerts(facts: FleetFacts, thresholds: AlertThresholds): DesiredAlert[] {
  const window = minutes(thresholds.alertSpikeWindowMs);
  const alerts: DesiredAlert[] = [];
  if (facts.blockedPins >= thresholds.alertBlockedPinSpike) {
    alerts.push({
      kind: 'blocked-pin-spike',
      kioskId: null,
      ...alertDetail('blocked-pin-spike', { count: facts.blockedPins, minutes: window }),
    });
  }
  if (facts.resetRefusals >= thresholds.alertResetRefusedSpike) {
    alerts.push({
      kind: 'reset-refused-spike',
      kioskId: null,
      ...alertDetail('reset-refused-spike', { count: facts.resetRefusals, minutes: window }),
    });
  }
  const mismatches = facts.cardMismatches ?? 0;
  if (mismatches > 0) {
    alerts.push({
      kind: 'card-mismatch',
      kioskId: null,
      ...alertDetail('card-mismatch', { count: mismatches, minutes: window }),
    });
  }
  return alerts;
}

function seconds(ms: number): number {
  return Math.round(ms / 1000);
}

function minutes(ms: number): number {
  return Math.round(ms / 60_000);
}
