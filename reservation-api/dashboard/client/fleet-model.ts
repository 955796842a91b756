import type { AlertSeverity, FleetAlert, FleetKiosk } from '../../contract/ops-fleet';

/**
 * What the operator needs from the fleet at a glance, computed without the DOM: each kiosk's
 * health, problems first, and the filters. Pure, so it is unit-tested in Node.
 */

/** How a kiosk looks on the board: red, amber, green, grey. */
export type KioskHealth = 'critical' | 'warning' | 'ok' | 'revoked';
export const HEALTH_ORDER: readonly KioskHealth[] = ['critical', 'warning', 'ok', 'revoked'];

export interface KioskRow {
  kiosk: FleetKiosk;
  health: KioskHealth;
  /** The kiosk's open alerts, most severe and then most recent first. */
  alerts: FleetAlert[];
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1 };

/** Open alerts (not resolved): most severe first, then the ones nobody has acknowledged, then newest. */
export function openAlerts(alerts: Iterable<FleetAlert>): FleetAlert[] {
  return [...alerts]
    .filter((alert) => alert.resolvedAt === null)
    .sort(
      (a, b) =>
        SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
        Number(a.acknowledgedAt !== null) - Number(b.acknowledgedAt !== null) ||
        b.openedAt - a.openedAt,
    );
}

/**
 * A kiosk's health: revoked kiosks are retired; a silent kiosk or any critical alert is a problem;
 * a warning alert, an alert the alert list does not have yet, or a kiosk never heard from is a warning.
 */
export function kioskHealth(kiosk: FleetKiosk, ownOpenAlerts: readonly FleetAlert[]): KioskHealth {
  if (kiosk.status === 'revoked') return 'revoked';
  if (kiosk.status === 'stale' || ownOpenAlerts.some((alert) => alert.severity === 'critical'))
    return 'critical';
  if (ownOpenAlerts.length > 0 || kiosk.alerts.length > 0 || kiosk.status === 'never-seen') return 'warning';
  return 'ok';
}

/** Every kiosk with its health and open alerts, problems first, then by chain, store and id. */
export function fleetRows(kiosks: Iterable<FleetKiosk>, alerts: Iterable<FleetAlert>): KioskRow[] {
  const byKiosk = new Map<string, FleetAlert[]>();
  for (const alert of openAlerts(alerts)) {
    if (alert.kioskId === null) continue;
    const list = byKiosk.get(alert.kioskId) ?? [];
    list.push(alert);
    byKiosk.set(alert.kioskId, list);
  }
  const rows = [...kiosks].map((kiosk) => {
    const own = byKiosk.get(kiosk.kioskId) ?? [];
    return { kiosk, alerts: own, health: kioskHealth(kiosk, own) };
  });
  return rows.sort(
    (a, b) =>
      HEALTH_ORDER.indexOf(a.health) - HEALTH_ORDER.indexOf(b.health) ||
      a.kiosk.chain.localeCompare(b.kiosk.chain) ||
      a.kiosk.storeId.localeCompare(b.kiosk.storeId) ||
      a.kiosk.kioskId.localeCompare(b.kiosk.kioskId),
  );
}

/**
 * The state filter's value: everything, kiosks needing attention, one health, one connection status,
 * or one session screen (`health:critical`, `status:stale`, `screen:idle`).
 */
export type StateFilter = 'all' | 'attention' | `health:${string}` | `status:${string}` | `screen:${string}`;

export interface FleetFilter {
  /** '' = any. */
  chain: string;
  /** '' = any. */
  store: string;
  state: StateFilter;
}

export const NO_FILTER: FleetFilter = { chain: '', store: '', state: 'all' };

function matchesState(row: KioskRow, state: StateFilter): boolean {
  if (state === 'all') return true;
  if (state === 'attention') return row.health === 'critical' || row.health === 'warning';
  const [kind, value] = state.split(':', 2);
  if (kind === 'health') return row.health === value;
  if (kind === 'status') return row.kiosk.status === value;
  if (kind === 'screen') return row.kiosk.state === value;
  return true;
}

/** The rows the filter lets through, in the same order. */
export function filterRows(rows: readonly KioskRow[], filter: FleetFilter): KioskRow[] {
  return rows.filter(
    (row) =>
      (filter.chain === '' || row.kiosk.chain === filter.chain) &&
      (filter.store === '' || row.kiosk.storeId === filter.store) &&
      matchesState(row, filter.state),
  );
}

export interface FilterOptions {
  chains: string[];
  /** Stores of the chosen chain (all stores when no chain is chosen). */
  stores: string[];
  statuses: string[];
  screens: string[];
}

/** The values each filter can take, from the kiosks there are (sorted). */
export function filterOptions(rows: readonly KioskRow[], chain: string): FilterOptions {
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return {
    chains: sorted(rows.map((row) => row.kiosk.chain)),
    stores: sorted(
      rows.filter((row) => chain === '' || row.kiosk.chain === chain).map((row) => row.kiosk.storeId),
    ),
    statuses: sorted(rows.map((row) => row.kiosk.status)),
    screens: sorted(rows.flatMap((row) => (row.kiosk.state === null ? [] : [row.kiosk.state]))),
  };
}

/** How many kiosks have each health. */
export function healthCounts(rows: readonly KioskRow[]): Record<KioskHealth, number> {
  const counts: Record<KioskHealth, number> = { critical: 0, warning: 0, ok: 0, revoked: 0 };
  for (const row of rows) counts[row.health] += 1;
  return counts;
}
