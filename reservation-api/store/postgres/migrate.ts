import type pg from 'pg';
import { SchemaTooNewError } from '../schema-errors';
import { POSTGRES_MIGRATIONS, type PostgresMigration } from './migrations';

/**
 * The key of the session-level advisory lock every migrator takes first: API instances started
 * together (and `npm run ops -- db migrate`) queue on it, so each migration runs exactly once and
 * nobody reads a half-migrated schema. (Card locks use the two-key form, a separate key space.)
 */
export const MIGRATION_LOCK_KEY = 0x6a706b69_70696e72n; // "jpkipinr"

/**
 * Brings the schema up to date under the advisory lock, each migration in its own transaction with
 * its row in `schema_migrations`; refuses a schema newer than the code. Returns how many ran.
 */
export async function migratePostgres(
  pool: pg.Pool,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version     INTEGER PRIMARY KEY,
           name        TEXT NOT NULL,
           applied_at  TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const current = Number(
        (await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]
          ?.v ?? 0,
      );
      if (current > latest) {
        throw new SchemaTooNewError(
          `the database schema is version ${current}, newer than this API knows (${latest}); upgrade the API`,
        );
      }
      let applied = 0;
      for (const migration of migrations) {
        if (migration.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
            migration.version,
            migration.name,
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
        applied += 1;
      }
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } catch (error) {
    // A connection that failed mid-way may still hold the lock or a transaction: never reuse it.
    if (!(error instanceof SchemaTooNewError)) broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}
