import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestPki } from '../../hardware/pki/test-pki';
import { runOps } from '../../reservation-api/admin/ops-commands';
import { ensureDevFaceProviderKey } from '../../reservation-api/server/face-provider-keys';
import type { ApiPolicy } from '../../reservation-api/server/policy';
import { BENCH_T0 } from '../../test/leak/support/card-pool';
import { type ChildServer, startChildServer } from '../support/child-server';

/**
 * Reservation API processes for the fleet to drive (the benchmarks and the fleet's tests): one
 * fresh data directory (test PKI, dev face key), an admin operator created with the ops command,
 * then `instances` API processes (bench/servers/api-server.ts) on SQLite or on one PostgreSQL, all on
 * a clock shifted into service hours (Monday 10:00 JST) whatever the real hour.
 */

export interface FleetApis {
  urls: string[];
  servers: ChildServer[];
  dataDir: string;
  /** The admin operator's token (to register the fleet). */
  token: string;
  /** Add to Date.now() for the APIs' clock: the fleet's --clock-offset. */
  clockOffsetMs: number;
  /** Stops every process still running and removes the data directory. */
  stop(): Promise<void>;
}

export async function startFleetApis(options: {
  instances: number;
  databaseUrl?: string;
  /** Policy overrides for the API processes (BENCH_API_POLICY). */
  policy?: Partial<ApiPolicy>;
}): Promise<FleetApis> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-api-'));
  const clockOffsetMs = BENCH_T0 - Date.now();
  const servers: ChildServer[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await openTestPki({ dataDir, now: () => Date.now() + clockOffsetMs });
    ensureDevFaceProviderKey(dataDir);
    const lines: string[] = [];
    const location = options.databaseUrl ? ['--database', options.databaseUrl] : ['--data', dataDir];
    const code = await runOps(['operator', 'create', '--name', 'fleet', '--role', 'admin', ...location], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
    });
    const token = lines.at(-1);
    if (code !== 0 || !token) throw new Error(`operator create failed: ${lines.join('\n')}`);
    const args = [dataDir, String(clockOffsetMs), ...(options.databaseUrl ? [options.databaseUrl] : [])];
    // Started together, as a deployment does (on PostgreSQL they migrate under an advisory lock).
    const started = await Promise.allSettled(
      Array.from({ length: options.instances }, () =>
        startChildServer('bench/servers/api-server.ts', args, 60_000, {
          BENCH_API_POLICY: JSON.stringify(options.policy ?? {}),
        }),
      ),
    );
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    return { urls: servers.map((server) => server.baseUrl), servers, dataDir, token, clockOffsetMs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
