import type { Logger } from 'pino';
import type { ReservationApi } from '../server/app';
import type { ApiPolicy } from '../server/policy';
import { PostgresReservationStore } from '../store/postgres/postgres-store';
import { createTestDatabase, type TestDatabase } from './postgres-database';
import { type TestApi, testApiInstances } from './test-api';

/**
 * Several API instances on one throwaway PostgreSQL database, as production runs them behind a
 * load balancer: each its own Fastify app with its own store, pool and instance channel (as
 * separate processes would have); nothing is shared between them but the database (and what a
 * deployment shares: PKI, keys, the test clock).
 */

export type PostgresTestApi = TestApi<PostgresReservationStore>;

export interface PostgresInstances {
  database: TestDatabase;
  instances: PostgresTestApi[];
  /** Instance `i` modulo how many there are (spreading requests as a load balancer would). */
  instance(i: number): PostgresTestApi;
  /** Closes every instance, then drops the database. */
  close(): Promise<void>;
}

export async function postgresApiInstances(
  count: number,
  options: { policy?: Partial<ApiPolicy>; logger?: Logger } = {},
): Promise<PostgresInstances> {
  const database = await createTestDatabase();
  const stores: PostgresReservationStore[] = [];
  try {
    for (let i = 0; i < count; i += 1) stores.push(await PostgresReservationStore.open(database.url));
    const instances = await testApiInstances(stores, options);
    return {
      database,
      instances,
      instance(i) {
        const api = instances[i % instances.length];
        if (!api) throw new Error('no instances');
        return api;
      },
      async close() {
        for (const api of instances) await api.close();
        await database.drop();
      },
    };
  } catch (error) {
    for (const store of stores) await store.close();
    await database.drop();
    throw error;
  }
}

/** Listens on a free loopback port; returns the instance's base URL. */
export async function listenOnLoopback(api: { app: ReservationApi }): Promise<string> {
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const address = api.app.server.address();
  if (!address || typeof address !== 'object') throw new Error('not listening on a port');
  return `http://127.0.0.1:${address.port}`;
}
