import pg from 'pg';

/**
 * The one connection pool of an API process (or ops command) on PostgreSQL.
 *
 * - Sized on purpose: the API's work per request is a few short statements, and the event loop,
 *   not the database, is what one process runs out of first; 10 connections keep a 2-core
 *   PostgreSQL busy while leaving room for several instances under its max_connections (100).
 * - `synchronous_commit = on` on every connection, whatever the server's or database's default:
 *   the API answers only after COMMIT returns, so "acknowledged" must mean "flushed to the WAL on
 *   disk". PostgreSQL itself groups the flushes of concurrent commits.
 * - BIGINT (epoch milliseconds, counts, sequence numbers) is read as a JavaScript number: every
 *   value we store is far below 2^53, and the store's records are numbers, as on SQLite.
 * - A connection attempt gives up after 5 s, so a request never hangs on a database that is gone;
 *   an idle connection's error (the server restarted) is reported, never an uncaught crash.
 */

const INT8_OID = 20;

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** Told about errors of idle connections (default: ignored; the pool replaces them). */
  onIdleError?: (error: Error) => void;
}

/** Whether a database setting names PostgreSQL (a `postgres://` or `postgresql://` URL). */
export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** The URL without its password, for logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

export function createPool(url: string, options: PoolOptions = {}): pg.Pool {
  // A startup parameter, so it holds from the connection's first statement. Options given in the
  // URL are kept, ours last so they win (node-postgres would let the URL's replace ours).
  const connection = new URL(url);
  const urlOptions = connection.searchParams.get('options');
  connection.searchParams.delete('options');
  const pool = new pg.Pool({
    connectionString: connection.toString(),
    options: [urlOptions, '-c synchronous_commit=on'].filter(Boolean).join(' '),
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}
