import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { type KioskRuntime, startKioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { DemoCards } from '../../kiosk/simulation/demo-cards';
import { DemoClock } from '../../kiosk/simulation/demo-clock';
import { keepDemoClockSaved, loadDemoClockOffset } from '../../kiosk/simulation/demo-clock-file';
import { SimulationPanel } from '../../kiosk/simulation/simulation-panel';
import { loadConfig } from '../../reservation-api/server/config';
import { readerHeartbeat } from '../../state-machines/reader';
import { createApiLogger } from '../../reservation-api/server/logger';
import { startReservationApi } from '../../reservation-api/server/start-api';
import { type DemoOperator, ensureDemoKiosk, ensureDemoOperator } from './demo-accounts';
import { demoPhoneStep } from './phone-step';

export interface DemoOptions {
  /** The API's port (0 = any free one). */
  port: number;
  /** Absolute data directory: PKI, API database, demo cards, kiosk journal, logs. */
  dataDir: string;
  /** The API's log level; its lines go to DATA/logs/reservation-api.log. */
  logLevel?: string;
  /** The real clock under the demo clock (tests may pin it). */
  realNow?: () => number;
}

export interface RunningDemo {
  apiUrl: string;
  kioskUrl: string;
  panelUrl: string;
  dashboardUrl: string;
  operator: DemoOperator;
  clock: DemoClock;
  /** The simulation panel's controls (what the panel page posts to). */
  panel: SimulationPanel;
  kiosk: KioskRuntime;
  /** The demo kiosk's id. */
  kioskId: string;
  /** Stops the kiosk, then the API. Idempotent. */
  close(): Promise<void>;
}

/**
 * The kiosk UI's launch URL, for `npm run kiosk:electron -- --url-file FILE`: rewritten at each
 * start (new port, new secret), private to the owner because it carries the secret, replaced
 * atomically so the shell never reads half a URL.
 */
function writeLaunchUrlFile(path: string, url: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${url}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}

/** The persona whose card is issued at start: the typical customer. */
const FIRST_PERSONA = 'sign-pin-blocked';

/**
 * The whole product in one process, in simulation mode: the reservation API on SQLite, a registered
 * demo kiosk whose reader is simulated (cards moved from the simulation panel), the demo operator,
 * and one demo clock both read.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const { dataDir } = options;
  mkdirSync(join(dataDir, 'logs'), { recursive: true });
  const realNow = options.realNow ?? Date.now;
  // The clock goes on from where an earlier run on this data directory left it, never back.
  const clockFile = join(dataDir, 'demo', 'clock.json');
  const clock = new DemoClock(realNow, { startOffsetMs: loadDemoClockOffset(clockFile, realNow()) });
  const stopSavingClock = keepDemoClockSaved(clockFile, clock);
  const cards = new DemoCards(dataDir, clock.now);
  // Creates the test PKI (trust anchors, issuer master key) before the API reads it.
  await cards.ensure(FIRST_PERSONA);

  const config = loadConfig({
    flags: { port: options.port, dataDir, host: '127.0.0.1', logLevel: options.logLevel ?? 'info' },
  });
  const logger = createApiLogger({
    level: config.logLevel,
    destination: pino.destination({ dest: join(dataDir, 'logs', 'reservation-api.log'), sync: true }),
  });
  const api = await startReservationApi(config, { now: clock.now, logger });
  try {
    const credentials = await ensureDemoKiosk(api.store, dataDir, clock.now());
    const operator = await ensureDemoOperator(api.store, dataDir, clock.now());
    const panel = new SimulationPanel({
      cards,
      clock,
      phoneStep: demoPhoneStep({ apiUrl: api.url, dataDir, now: clock.now }),
      initialPersona: FIRST_PERSONA,
    });
    const kioskDataDir = join(dataDir, 'kiosk');
    mkdirSync(kioskDataDir, { recursive: true });
    // The simulated reader is part of the demo kiosk from its first moment, but it can only be
    // attached once the runtime exists, after its first heartbeat: until then heartbeats say
    // "ready" instead of "absent" (which would raise a reader alert on the dashboard at every start).
    const attached: { kiosk?: KioskRuntime } = {};
    const kiosk = await startKioskRuntime({
      api: KioskApiClient.fromCredentials(credentials, { baseUrl: api.url, now: clock.now }),
      procedures: credentials.procedures,
      dataDir: kioskDataDir,
      now: clock.now,
      simulation: panel,
      reader: () => (attached.kiosk ? readerHeartbeat(attached.kiosk.reader.getSnapshot()).reader : 'ready'),
    });
    const detach = panel.attach(kiosk);
    attached.kiosk = kiosk;
    writeLaunchUrlFile(join(kioskDataDir, 'ui-url'), kiosk.ui.url);
    const panelUrl = kiosk.ui.simulationUrl;
    if (!panelUrl) throw new Error('the kiosk UI server did not start the simulation panel');

    let closing: Promise<void> | undefined;
    return {
      apiUrl: api.url,
      kioskUrl: kiosk.ui.url,
      panelUrl,
      dashboardUrl: `${api.url}/ops`,
      operator,
      clock,
      panel,
      kiosk,
      kioskId: credentials.kioskId,
      close() {
        closing ??= (async () => {
          detach();
          await kiosk.close();
          await api.close();
          stopSavingClock();
        })();
        return closing;
      },
    };
  } catch (error) {
    await api.close();
    stopSavingClock();
    throw error;
  }
}
