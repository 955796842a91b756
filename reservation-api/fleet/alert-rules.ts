import type { AlertKind, AlertSeverity, FleetStatus, HeartbeatRequest } from '../contract';
import type { ApiPolicy } from '../server/policy';

/**
 * The alert rules as pure functions: from what is known of a kiosk (or of the fleet) at `now`, the
 * alerts that should be open. The monitor compares them with the open ones and opens, updates or
 * resolves. Thresholds come from the policy (config keys `alert*`, docs/operators.md).
 */

export type AlertThresholds = Pick<
  ApiPolicy,
  | 'alertHeartbeatStaleMs'
  | 'alertClockSkewMs'
  | 'alertRepeatedFailures'
  | 'alertRepeatedFailuresWindowMs'
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
  'clock-skew': 'warning',
  'blocked-pin-spike': 'critical',
  'reset-refused-spike': 'critical',
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
export interface DesiredAlert {
  kind: AlertKind;
  kioskId: string | null;
  detail: string;
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
  /** Failed sessions within the repeated-failures window. */
  recentFailures: number;
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
  const add = (kind: AlertKind, detail: string) => alerts.push({ kind, kioskId: facts.kioskId, detail });
  const { heartbeat } = facts;

  if (heartbeat && fleetStatusOf(facts, now, thresholds) === 'stale') {
    add('heartbeat-stale', `no heartbeat for more than ${seconds(thresholds.alertHeartbeatStaleMs)}`);
  }
  const readerDown = heartbeat !== null && heartbeat.reader !== 'ready';
  if (readerDown || facts.reported.has('reader-unavailable')) {
    add('reader-unavailable', readerDown ? `reader: ${heartbeat.reader}` : 'reported by the kiosk');
  }
  if (facts.reported.has('card-left-behind')) add('card-left-behind', 'a card is still on the reader');
  if (facts.reported.has('settlement-not-recorded')) {
    add('settlement-not-recorded', 'a completed reset could not be recorded by the kiosk');
  }
  if (facts.reported.has('reset-outcome-uncertain')) {
    add('reset-outcome-uncertain', 'a reset interrupted by a crash may or may not have reached the card');
  }
  if (facts.reported.has('outbox-rejected')) {
    add('outbox-rejected', 'the API refused a message from the kiosk for good');
  }
  const unknown = [...facts.reported].filter((name) => !KIOSK_REPORTED_KINDS.has(name as AlertKind));
  if (unknown.length > 0) add('kiosk-other', `reported: ${unknown.sort().join(', ')}`.slice(0, 200));

  if (facts.recentFailures >= thresholds.alertRepeatedFailures) {
    add(
      'repeated-failures',
      `${facts.recentFailures} failed sessions in ${minutes(thresholds.alertRepeatedFailuresWindowMs)}`,
    );
  }
  if (heartbeat) {
    const skew = heartbeat.clock - heartbeat.receivedAt;
    if (Math.abs(skew) > thresholds.alertClockSkewMs) {
      add(
        'clock-skew',
        `kiosk clock ${skew > 0 ? 'ahead of' : 'behind'} the server by more than ${seconds(thresholds.alertClockSkewMs)}`,
      );
    }
  }
  return alerts;
}

/** Fleet-wide counts within the spike window. */
export interface FleetFacts {
  blockedPins: number;
  resetRefusals: number;
}

/** The fleet-wide alerts that should be open now (spikes that may be an attack). */
export function fleetAlerts(facts: FleetFacts, thresholds: AlertThresholds): DesiredAlert[] {
  const window = minutes(thresholds.alertSpikeWindowMs);
  const alerts: DesiredAlert[] = [];
  if (facts.blockedPins >= thresholds.alertBlockedPinSpike) {
    alerts.push({
      kind: 'blocked-pin-spike',
      kioskId: null,
      detail: `${facts.blockedPins} sessions ended on a blocked PIN in ${window}`,
    });
  }
  if (facts.resetRefusals >= thresholds.alertResetRefusedSpike) {
    alerts.push({
      kind: 'reset-refused-spike',
      kioskId: null,
      detail: `${facts.resetRefusals} cards refused the reset in ${window}`,
    });
  }
  return alerts;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
