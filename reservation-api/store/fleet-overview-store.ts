import {
  ALERT_KINDS,
  type AlertKind,
  type ConditionCounts,
  type FleetGroup,
  type FleetKioskRow,
  type HeartbeatRequest,
  IDLE_SCREENS,
  KIOSK_CONDITIONS,
  type KioskCondition,
  OUT_OF_SERVICE_SCREEN,
  type Procedure,
  statusOfCondition,
  UNKNOWN_PREFECTURE,
} from '../contract';

/**
 * The fleet overview as the database computes it (56,000 kiosks: never loaded into the process):
 * counts by chain, prefecture and condition in one GROUP BY, and one page of the kiosk list with
 * its filters. One SQL text for both engines; only placeholders and case-insensitive LIKE differ.
 */

export interface KioskPageFilter {
  chain?: string | undefined;
  /** A prefecture code; `00` (UNKNOWN_PREFECTURE): kiosks registered without one. */
  prefecture?: string | undefined;
  condition?: KioskCondition | undefined;
  /** Part of a store id, store name or kiosk id. */
  search?: string | undefined;
}

export interface KioskPageInput extends KioskPageFilter {
  /** Heartbeats older than this are offline (the monitor's stale rule; see FleetMonitor.onlineSince). */
  onlineSince: number;
  offset: number;
  limit: number;
}

export interface FleetOverviewStore {
  /** The fleet, each chain and each prefecture, counted by condition. */
  summary(input: { onlineSince: number }): Promise<FleetGroup[]>;
  /** The kiosks matching the filter in kiosk id order: `limit` of them from `offset`, and how many match. */
  kioskPage(input: KioskPageInput): Promise<{ total: number; kiosks: FleetKioskRow[] }>;
}

/** Placeholders and LIKE of one engine. */
export interface SqlDialect {
  /** The placeholder of the n-th value (1-based). */
  placeholder(n: number): string;
  /** A case-insensitive LIKE operator. */
  like: string;
}

/** The condition of `k` (kiosks) joined with `h` (latest heartbeat), as kioskCondition() decides it. */
function conditionSql(onlineSince: string): string {
  return `CASE
      WHEN k.revoked_at IS NOT NULL THEN 'revoked'
      WHEN h.received_at IS NULL THEN 'never-seen'
      WHEN h.received_at < ${onlineSince} THEN 'offline'
      WHEN EXISTS (SELECT 1 FROM fleet_alerts a WHERE a.kiosk_id = k.id AND a.resolved_at IS NULL) THEN 'alerting'
      WHEN h.state = '${OUT_OF_SERVICE_SCREEN}' THEN 'out-of-service'
      WHEN h.state IN (${IDLE_SCREENS.map((screen) => `'${screen}'`).join(', ')}) THEN 'idle'
      ELSE 'in-session'
    END`;
}

export interface SummaryRow {
  chain: string;
  prefecture: string;
  condition: KioskCondition;
  n: number;
}

export function summarySql(dialect: SqlDialect): string {
  return `SELECT k.chain AS chain, COALESCE(k.prefecture, '${UNKNOWN_PREFECTURE}') AS prefecture,
      ${conditionSql(dialect.placeholder(1))} AS condition, CAST(COUNT(*) AS INTEGER) AS n
    FROM kiosks k LEFT JOIN kiosk_heartbeats h ON h.kiosk_id = k.id
    GROUP BY 1, 2, 3`;
}

function zeroCounts(): ConditionCounts {
  return Object.fromEntries(KIOSK_CONDITIONS.map((c) => [c, 0])) as ConditionCounts;
}

/** Folds the GROUP BY rows into the fleet, chains (largest first) and prefectures (code order). */
export function summaryGroups(rows: readonly SummaryRow[]): FleetGroup[] {
  const fleet: FleetGroup = { by: 'fleet', key: '', total: 0, counts: zeroCounts() };
  const chains = new Map<string, FleetGroup>();
  const prefectures = new Map<string, FleetGroup>();
  const add = (group: FleetGroup, row: SummaryRow) => {
    group.total += Number(row.n);
    group.counts[row.condition] += Number(row.n);
  };
  for (const row of rows) {
    add(fleet, row);
    const chain = chains.get(row.chain) ?? { by: 'chain', key: row.chain, total: 0, counts: zeroCounts() };
    chains.set(row.chain, chain);
    add(chain, row);
    const prefecture = prefectures.get(row.prefecture) ?? {
      by: 'prefecture',
      key: row.prefecture,
      total: 0,
      counts: zeroCounts(),
    };
    prefectures.set(row.prefecture, prefecture);
    add(prefecture, row);
  }
  return [
    fleet,
    ...[...chains.values()].sort((a, b) => b.total - a.total || (a.key < b.key ? -1 : 1)),
    ...[...prefectures.values()].sort((a, b) => (a.key < b.key ? -1 : 1)),
  ];
}

export interface KioskPageRow {
  id: string;
  chain: string;
  store_id: string;
  store_name: string | null;
  prefecture: string | null;
  procedures: string;
  received_at: number | null;
  heartbeat: string | null;
  condition: KioskCondition;
}

/**
 * Cheap conditions that every kiosk of `condition` meets, checked before the CASE: they let the
 * database skip the heartbeat's JSON and the alert probe for most rows (`onlineSince`: the
 * placeholder of the cut-off).
 */
function conditionPrefilter(condition: KioskCondition, onlineSince: string): string {
  switch (condition) {
    case 'revoked':
      return 'k.revoked_at IS NOT NULL';
    case 'never-seen':
      return 'k.revoked_at IS NULL AND h.received_at IS NULL';
    case 'offline':
      return `k.revoked_at IS NULL AND h.received_at < ${onlineSince}`;
    case 'alerting':
      return `k.revoked_at IS NULL AND h.received_at >= ${onlineSince}
        AND k.id IN (SELECT a.kiosk_id FROM fleet_alerts a WHERE a.resolved_at IS NULL)`;
    default:
      return `k.revoked_at IS NULL AND h.received_at >= ${onlineSince}`;
  }
}

/**
 * The page query and the count query, each with its values. Every filter but the condition is on
 * the kiosk's own columns, so without a condition the count never touches heartbeats or alerts,
 * and the page computes conditions only for the rows it walks (kiosk id order, offset + limit).
 */
/** The row of kioskPageSql's count query. */
export interface KioskCountRow {
  n: number;
}

export function kioskPageSql(
  dialect: SqlDialect,
  input: KioskPageInput,
): { page: string; count: string; values: unknown[]; pageValues: unknown[] } {
  const build = (withCutoff: boolean) => {
    const values: unknown[] = withCutoff ? [input.onlineSince] : [];
    const next = (value: unknown) => {
      values.push(value);
      return dialect.placeholder(values.length);
    };
    const where: string[] = [];
    if (input.chain !== undefined) where.push(`k.chain = ${next(input.chain)}`);
    if (input.prefecture === UNKNOWN_PREFECTURE) where.push('k.prefecture IS NULL');
    else if (input.prefecture !== undefined) where.push(`k.prefecture = ${next(input.prefecture)}`);
    if (input.search !== undefined) {
      const pattern = next(`%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      const like = (column: string) => `${column} ${dialect.like} ${pattern} ESCAPE '\\'`;
      where.push(`(${like('k.store_id')} OR ${like('k.store_name')} OR ${like('k.id')})`);
    }
    if (withCutoff && input.condition !== undefined) {
      const cutoff = dialect.placeholder(1);
      where.push(conditionPrefilter(input.condition, cutoff));
      where.push(`(${conditionSql(cutoff)}) = ${next(input.condition)}`);
    }
    return { values, where: where.length > 0 ? `WHERE ${where.join(' AND ')}` : '' };
  };
  const join = 'FROM kiosks k LEFT JOIN kiosk_heartbeats h ON h.kiosk_id = k.id';
  const paged = build(true);
  const counted = input.condition === undefined ? build(false) : paged;
  const count =
    input.condition === undefined
      ? `SELECT CAST(COUNT(*) AS INTEGER) AS n FROM kiosks k ${counted.where}`
      : `SELECT CAST(COUNT(*) AS INTEGER) AS n ${join} ${counted.where}`;
  const n = paged.values.length;
  const page = `SELECT k.id, k.chain, k.store_id, k.store_name, k.prefecture, k.procedures, h.received_at,
      h.heartbeat, ${conditionSql(dialect.placeholder(1))} AS condition
    ${join} ${paged.where}
    ORDER BY k.id LIMIT ${dialect.placeholder(n + 1)} OFFSET ${dialect.placeholder(n + 2)}`;
  return { page, count, values: counted.values, pageValues: [...paged.values, input.limit, input.offset] };
}

/** A row of openAlertKindsSql. */
export interface OpenAlertKindRow {
  kiosk_id: string;
  kind: string;
}

/** The open alerts of some kiosks (the rows of one page). */
export function openAlertKindsSql(dialect: SqlDialect, count: number): string {
  const list = Array.from({ length: count }, (_, i) => dialect.placeholder(i + 1)).join(', ');
  return `SELECT kiosk_id, kind FROM fleet_alerts WHERE resolved_at IS NULL AND kiosk_id IN (${list})`;
}

/** One list row as operators see it. */
export function toFleetKioskRow(row: KioskPageRow, alerts: readonly OpenAlertKindRow[]): FleetKioskRow {
  const heartbeat = row.heartbeat === null ? null : (JSON.parse(row.heartbeat) as HeartbeatRequest);
  const receivedAt = row.received_at === null ? null : Number(row.received_at);
  const kinds = alerts
    .filter((alert) => alert.kiosk_id === row.id)
    .map((alert) => alert.kind as AlertKind)
    .sort((a, b) => ALERT_KINDS.indexOf(a) - ALERT_KINDS.indexOf(b));
  return {
    kioskId: row.id,
    chain: row.chain,
    storeId: row.store_id,
    storeName: row.store_name,
    prefecture: row.prefecture,
    procedures: JSON.parse(row.procedures) as Procedure[],
    status: statusOfCondition(row.condition),
    condition: row.condition,
    state: heartbeat?.state ?? null,
    reader: heartbeat?.reader ?? null,
    cardPresent: heartbeat?.cardPresent ?? null,
    version: heartbeat?.version ?? null,
    lastSeenAt: receivedAt,
    clockSkewMs: heartbeat && receivedAt !== null ? heartbeat.clock - receivedAt : null,
    alerts: kinds,
  };
}
