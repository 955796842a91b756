import { SimulatedClock } from 'xstate';
import type { KioskApiClient } from '../../../kiosk/api-client/kiosk-api-client';
import { type KioskRuntime, startKioskRuntime } from '../../../kiosk/runtime/kiosk-runtime';
import { type AttachedPcscReader, attachPcscReader } from '../../../kiosk/runtime/pcsc-reader';
import { type ApiHarness, startApiHarness } from '../../api/support/api-harness';
import { SessionDriver } from '../../kiosk/support/session-driver';
import { leaseReaderPair, type ReaderLease } from '../../support/pcsc-stack';

/**
 * A kiosk runtime on a real PC/SC reader (a leased vpcd reader of the test pcscd) against an API
 * harness on SQLite, registered as a Seven-Eleven kiosk: PcscReaderSource → reader machine →
 * session machine, driven by a `SessionDriver`. The session's timers run on `timers`; the kiosk's
 * clock is the API's unless `now` is given.
 */
export interface PcscKiosk {
  api: ApiHarness;
  kiosk: KioskRuntime;
  driver: SessionDriver;
  /** The vpcd reader the kiosk watches (a card process or bridge attaches to its port). */
  reader: { name: string; port: number };
  timers: SimulatedClock;
  close(): Promise<void>;
}

export interface PcscKioskOptions {
  /** The kiosk's clock (epoch ms); default the API harness's. */
  now?: (api: ApiHarness) => () => number;
  /** Sees the registered kiosk's API client before the runtime uses it (to record calls). */
  onClient?: (client: KioskApiClient) => void;
}

export async function startPcscKiosk(options: PcscKioskOptions = {}): Promise<PcscKiosk> {
  const lease: ReaderLease = await leaseReaderPair();
  let api: ApiHarness | undefined;
  let kiosk: KioskRuntime | undefined;
  let attached: AttachedPcscReader | undefined;
  const close = async () => {
    await attached?.stop();
    await kiosk?.close();
    await api?.close();
    lease.release();
  };
  try {
    const [reader] = lease.readers;
    if (!reader) throw new Error('no reader leased');
    api = await startApiHarness();
    const registered = await api.addKiosk('seven-eleven');
    options.onClient?.(registered.client);
    const timers = new SimulatedClock();
    kiosk = await startKioskRuntime({
      api: registered.client,
      procedures: registered.procedures,
      dataDir: api.dataDir,
      now: options.now?.(api) ?? api.clock.now,
      timers,
      tickMs: 3_600_000,
      readerName: reader.name,
    });
    attached = attachPcscReader(kiosk, { sourceOptions: { readerFilter: (name) => name === reader.name } });
    return { api, kiosk, driver: new SessionDriver(kiosk.actor), reader, timers, close };
  } catch (error) {
    await close();
    throw error;
  }
}
