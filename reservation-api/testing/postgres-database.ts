import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/**
 * A database of its own for one test file, in the run's throwaway PostgreSQL server
 * (test/setup/postgres.global.ts), so files run in parallel without seeing each other's rows.
 */

export interface TestDatabase {
  url: string;
  /** Drops the database (connections still open are ended). */
  drop(): Promise<void>;
}

/** Why the run has no PostgreSQL (the tests then fail with it), or undefined. */
export function postgresUnavailable(): string | undefined {
  const provided = inject('postgres');
  return provided.adminUrl
    ? undefined
    : (provided.unavailable ?? 'no PostgreSQL provided by the global setup');
}

async function onAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const adminUrl = inject('postgres').adminUrl;
  if (!adminUrl) throw new Error(postgresUnavailable());
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  // A generated identifier (identifiers cannot be query parameters): letters, digits, underscore.
  const name = `test_${randomBytes(6).toString('hex')}`;
  await onAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(inject('postgres').adminUrl ?? '');
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
