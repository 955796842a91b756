import type pg from 'pg';

/** A connection checked out for one transaction. */
export type Tx = pg.PoolClient;

/**
 * Runs `work` in one transaction on one connection checked out of the pool: BEGIN … COMMIT, ROLLBACK
 * when anything fails, the connection always released (destroyed when it broke mid-way, so the pool
 * never hands out a connection in an unknown state). Never a transaction across `pool.query` calls.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  const tx = await pool.connect();
  let committed = false;
  let broken: Error | undefined;
  try {
    await tx.query('BEGIN');
    const result = await work(tx);
    await tx.query('COMMIT');
    committed = true;
    return result;
  } finally {
    if (!committed) {
      try {
        await tx.query('ROLLBACK');
      } catch (error) {
        broken = error as Error;
      }
    }
    tx.release(broken);
  }
}

/** A statement's text, or its text and a name (prepared once per connection: those that run hot). */
export type Statement = string | { name: string; text: string };

function query(statement: Statement, values: unknown[]): pg.QueryConfig {
  return typeof statement === 'string' ? { text: statement, values } : { ...statement, values };
}

/** Rows of one parametrised statement. */
export async function rows<R extends pg.QueryResultRow>(
  db: pg.Pool | Tx,
  statement: Statement,
  values: unknown[] = [],
): Promise<R[]> {
  return (await db.query<R>(query(statement, values))).rows;
}

/** The first row of one parametrised statement, if any. */
export async function row<R extends pg.QueryResultRow>(
  db: pg.Pool | Tx,
  statement: Statement,
  values: unknown[] = [],
): Promise<R | undefined> {
  return (await rows<R>(db, statement, values))[0];
}

/** How many rows one parametrised statement changed. */
export async function changes(
  db: pg.Pool | Tx,
  statement: Statement,
  values: unknown[] = [],
): Promise<number> {
  return (await db.query(query(statement, values))).rowCount ?? 0;
}
