import type { FleetKiosk, FleetStatus } from './ops-fleet';

/**
 * Kiosk conditions without the schema library (the dashboard's bundle imports this file).
 */

/**
 * What one kiosk is doing, one word per kiosk so counts add up to the fleet: checked in this order —
 * revoked; never heard from; offline (silent longer than the stale threshold); alerting (online
 * with an open alert); out of service; idle (or closed); serving a customer (any other screen).
 */
export const KIOSK_CONDITIONS = [
  'alerting',
  'offline',
  'out-of-service',
  'in-session',
  'idle',
  'never-seen',
  'revoked',
] as const;
export type KioskCondition = (typeof KIOSK_CONDITIONS)[number];

/**
 * Heartbeat screens where nobody is being served: waiting for a customer, or closed outside the
 * service hours (every other screen but out-of-service is `in-session`).
 */
export const IDLE_SCREENS = ['idle', 'closed'] as const;
export const OUT_OF_SERVICE_SCREEN = 'out-of-service';

/** The condition of a kiosk from what the stream and lists carry (the SQL computes the same). */
export function kioskCondition(kiosk: Pick<FleetKiosk, 'status' | 'alerts' | 'state'>): KioskCondition {
  if (kiosk.status === 'revoked') return 'revoked';
  if (kiosk.status === 'never-seen') return 'never-seen';
  if (kiosk.status === 'stale') return 'offline';
  if (kiosk.alerts.length > 0) return 'alerting';
  if (kiosk.state === OUT_OF_SERVICE_SCREEN) return 'out-of-service';
  if ((IDLE_SCREENS as readonly (string | null)[]).includes(kiosk.state)) return 'idle';
  return 'in-session';
}

/** The connection status a condition implies (the list computes only the condition). */
export function statusOfCondition(condition: KioskCondition): FleetStatus {
  if (condition === 'revoked' || condition === 'never-seen') return condition;
  return condition === 'offline' ? 'stale' : 'online';
}

/** Prefecture key of kiosks registered without one. */
export const UNKNOWN_PREFECTURE = '00';
