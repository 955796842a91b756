import type { FleetGroup, FleetKioskRow, KioskListPageResponse } from '../../contract/fleet-overview';
import { kioskCondition, type KioskCondition } from '../../contract/kiosk-conditions';
import type { FleetKiosk } from '../../contract/ops-fleet';
import type { KioskHealth } from './fleet-model';

/**
 * The fleet overview as the browser holds it: the summary's groups and the one page of kiosks on
 * screen — never the whole fleet. Stream events are applied on top: `summary` sets the counts of
 * the groups it carries, `kiosk` updates the row if that kiosk is on screen. Pure (tested in Node).
 */

/** What the kiosk table asks the API for. */
export interface OverviewQuery {
  chain: string;
  prefecture: string;
  condition: KioskCondition | '';
  search: string;
  offset: number;
}

export const PAGE_SIZE = 50;
export const NO_QUERY: OverviewQuery = { chain: '', prefecture: '', condition: '', search: '', offset: 0 };

/** The query string of `GET /v1/ops/fleet/kiosks` for a query. */
export function pageQueryString(query: OverviewQuery, limit = PAGE_SIZE): string {
  const params = new URLSearchParams();
  if (query.chain) params.set('chain', query.chain);
  if (query.prefecture) params.set('prefecture', query.prefecture);
  if (query.condition) params.set('condition', query.condition);
  if (query.search.trim()) params.set('q', query.search.trim().slice(0, 64));
  if (query.offset > 0) params.set('offset', String(query.offset));
  params.set('limit', String(limit));
  return params.toString();
}

export const groupKey = (group: Pick<FleetGroup, 'by' | 'key'>): string => `${group.by}:${group.key}`;

/** Sets the counts of the groups an event or a load carries (absolute counts: applying twice is harmless). */
export function applySummary(summary: Map<string, FleetGroup>, groups: readonly FleetGroup[]): void {
  for (const group of groups) {
    if (group.total === 0 && group.by !== 'fleet') summary.delete(groupKey(group));
    else summary.set(groupKey(group), group);
  }
}

/** The groups of one kind: chains largest first, prefectures in code order. */
export function groupsBy(summary: ReadonlyMap<string, FleetGroup>, by: FleetGroup['by']): FleetGroup[] {
  const found = [...summary.values()].filter((group) => group.by === by);
  return by === 'chain'
    ? found.sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1))
    : found.sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * A kiosk event onto the page on screen: the row of that kiosk takes the event's fields and the
 * condition they imply (its store, name and prefecture stay). Returns whether a row changed.
 */
export function applyKioskEvent(page: KioskListPageResponse | undefined, kiosk: FleetKiosk): boolean {
  if (!page) return false;
  const index = page.kiosks.findIndex((row) => row.kioskId === kiosk.kioskId);
  const row = page.kiosks[index];
  if (!row) return false;
  const updated: FleetKioskRow = { ...row, ...kiosk, condition: kioskCondition(kiosk) };
  page.kiosks = page.kiosks.map((existing, i) => (i === index ? updated : existing));
  return true;
}

/** How a condition looks: the board's colours and shapes (red, amber, green, grey). */
export const CONDITION_HEALTH: Record<KioskCondition, KioskHealth> = {
  alerting: 'critical',
  offline: 'critical',
  'out-of-service': 'warning',
  'never-seen': 'warning',
  'in-session': 'ok',
  idle: 'ok',
  revoked: 'revoked',
};
