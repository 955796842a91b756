import type Database from 'better-sqlite3';
import type { FleetGroup, FleetKioskRow } from '../../contract';
import {
  type FleetOverviewStore,
  type KioskCountRow,
  type KioskPageInput,
  type KioskPageRow,
  kioskPageSql,
  openAlertKindsSql,
  type OpenAlertKindRow,
  type SqlDialect,
  type SummaryRow,
  summaryGroups,
  summarySql,
  toFleetKioskRow,
} from '../fleet-overview-store';

/** SQLite's LIKE is case-insensitive for ASCII already. */
const SQLITE: SqlDialect = { placeholder: (n) => `@p${n}`, like: 'LIKE' };

/** Values as better-sqlite3 binds named parameters: `@p1` … */
function named(values: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(values.map((value, i) => [`p${i + 1}`, value]));
}

/** The fleet overview on SQLite: reads only, on the store's connection (WAL: never blocks writers). */
export class SqliteFleetOverview implements FleetOverviewStore {
  private readonly summaryStatement;

  constructor(private readonly db: Database.Database) {
    this.summaryStatement = db.prepare<[{ p1: number }], SummaryRow>(summarySql(SQLITE));
  }

  async summary(input: { onlineSince: number }): Promise<FleetGroup[]> {
    return summaryGroups(this.summaryStatement.all({ p1: input.onlineSince }));
  }

  async kioskPage(input: KioskPageInput): Promise<{ total: number; kiosks: FleetKioskRow[] }> {
    const sql = kioskPageSql(SQLITE, input);
    // One read transaction: the count and the page see the same rows.
    return this.db
      .transaction(() => {
        const total = (this.db.prepare(sql.count).get(named(sql.values)) as KioskCountRow).n;
        const rows = this.db.prepare(sql.page).all(named(sql.pageValues)) as KioskPageRow[];
        const alerts =
          rows.length === 0
            ? []
            : (this.db
                .prepare(openAlertKindsSql(SQLITE, rows.length))
                .all(named(rows.map((r) => r.id))) as OpenAlertKindRow[]);
        return { total, kiosks: rows.map((row) => toFleetKioskRow(row, alerts)) };
      })
      .deferred();
  }
}
