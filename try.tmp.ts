import { startFleetApis } from './bench/fleet/fleet-apis';
import { runFleet } from './bench/fleet/run-fleet';
import { startPostgresServer } from './reservation-api/testing/postgres-server';
const n = Number(process.argv[2]); const inst = Number(process.argv[3]);
const pgs = await startPostgresServer();
const apis = await startFleetApis({ instances: inst, databaseUrl: pgs.adminUrl });
try {
  await runFleet({ apiUrls: apis.urls, kiosks: n, durationSeconds: 8, sessionsPerHour: 0, dataDir: undefined, apiDataDir: apis.dataDir, cards: 4, connectionsPerUrl: 16, reportEverySeconds: 4, ackLog: undefined, clockOffsetMs: apis.clockOffsetMs, token: apis.token }, { figures: (l) => console.log(JSON.stringify({t: l.type, hb: l.heartbeats_per_s, lat: (l.latency as any)?.heartbeat, err: l.errors})), progress: (m) => console.error(m) });
} finally { await apis.stop(); pgs.stop(); }
