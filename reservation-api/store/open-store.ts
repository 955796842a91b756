import type { StoreDurabilityError } from './sqlite/group-commit';
import { PostgresReservationStore } from './postgres/postgres-store';
import type { ReservationStore } from './reservation-store';
import { SqliteReservationStore } from './sqlite/sqlite-store';

/** Where the store lives: PostgreSQL when a URL is given, else the SQLite file. */
export interface StoreLocation {
  database: string;
  databaseUrl?: string | undefined;
}

export interface OpenStoreHooks {
  /** SQLite: a sync of the log failed (nothing after it can be trusted). */
  onDurabilityFailure?: (error: StoreDurabilityError) => void;
  /** PostgreSQL: an idle pooled connection failed (the pool replaces it). */
  onIdleError?: (error: Error) => void;
}

/** Opens and migrates the API's store: PostgreSQL when `databaseUrl` is set, else SQLite. */
export async function openReservationStore(
  location: StoreLocation,
  hooks: OpenStoreHooks = {},
): Promise<ReservationStore> {
  if (location.databaseUrl) {
    return PostgresReservationStore.open(location.databaseUrl, {
      ...(hooks.onIdleError ? { onIdleError: hooks.onIdleError } : {}),
    });
  }
  return SqliteReservationStore.open(location.database, {
    ...(hooks.onDurabilityFailure ? { onDurabilityFailure: hooks.onDurabilityFailure } : {}),
  });
}
