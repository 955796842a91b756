import type { TestProject } from 'vitest/node';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from '../../reservation-api/testing/postgres-server';

/**
 * Vitest global setup of the unit project: one throwaway PostgreSQL server for the run (each test
 * file then creates its own database in it, so files run in parallel). Started only when the
 * binaries are there; otherwise the reason is provided instead and every PostgreSQL test fails
 * with it, so a missing server is never silently skipped. Stopped, and its directory removed, when
 * the run ends — also when the run is interrupted.
 */

export interface ProvidedPostgres {
  adminUrl?: string;
  unavailable?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: ProvidedPostgres;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  // A run that needs no PostgreSQL may skip starting one (scripts/test/at-japan-times.sh runs time
  // suites seven times over); a PostgreSQL test in such a run fails, saying so.
  const reason =
    process.env['POSTGRES_TESTS'] === 'off'
      ? 'PostgreSQL is off for this run (POSTGRES_TESTS=off)'
      : postgresUnavailableReason();
  if (reason) {
    project.provide('postgres', { unavailable: reason });
    return () => {};
  }
  let server: PostgresServer;
  try {
    server = await startPostgresServer();
  } catch (error) {
    project.provide('postgres', { unavailable: `PostgreSQL did not start: ${(error as Error).message}` });
    return () => {};
  }
  const stopOnExit = () => server.stop();
  // An interrupted run (Ctrl-C ends vitest through process.exit) still stops the server.
  process.once('exit', stopOnExit);
  project.provide('postgres', { adminUrl: server.adminUrl });
  return () => {
    process.off('exit', stopOnExit);
    server.stop();
  };
}
