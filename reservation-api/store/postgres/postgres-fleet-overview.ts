import type pg from 'pg';
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
import { inTransaction, rows } from './transaction';

const POSTGRES: SqlDialect = { placeholder: (n) => `$${n}`, like: 'ILIKE' };
const SUMMARY = { name: 'fleet-overview-summary', text: summarySql(POSTGRES) };

/** The fleet overview on PostgreSQL: the same answers as on SQLite. */
export class PostgresFleetOverview implements FleetOverviewStore {
  constructor(private readonly pool: pg.Pool) {}

  async summary(input: { onlineSince: number }): Promise<FleetGroup[]> {
    return summaryGroups(await rows<SummaryRow>(this.pool, SUMMARY, [input.onlineSince]));
  }

  async kioskPage(input: KioskPageInput): Promise<{ total: number; kiosks: FleetKioskRow[] }> {
    const sql = kioskPageSql(POSTGRES, input);
    // REPEATABLE READ: the count and the page see the same snapshot.
    return inTransaction(this.pool, async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [count] = await rows<KioskCountRow>(tx, sql.count, sql.values);
      const found = await rows<KioskPageRow>(tx, sql.page, sql.pageValues);
      const alerts =
        found.length === 0
          ? []
          : await rows<OpenAlertKindRow>(
              tx,
              openAlertKindsSql(POSTGRES, found.length),
              found.map((r) => r.id),
            );
      return { total: Number(count?.n ?? 0), kiosks: found.map((row) => toFleetKioskRow(row, alerts)) };
    });
  }
}
