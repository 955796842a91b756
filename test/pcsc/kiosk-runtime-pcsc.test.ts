import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { type KioskRuntime, startKioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { type AttachedPcscReader, attachPcscReader } from '../../kiosk/runtime/pcsc-reader';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { SessionDriver } from '../kiosk/support/session-driver';
import { leaseReaderPair, type ReaderLease } from '../support/pcsc-stack';
import { startVirtualCardProcess } from '../support/virtual-card-process';

/**
 * `--reader pcsc`: the kiosk runtime over the real stack — PcscReaderSource → reader machine →
 * session machine; the card slot's session is a PcscCardTransport to the virtual card process on a
 * leased vpcd reader. A full signature-PIN reset, as a customer does it.
 */

const NEW_PIN = 'PCSC2026';

let lease: ReaderLease;
let reader: { name: string; port: number };
let api: ApiHarness;
let kiosk: KioskRuntime;
let attached: AttachedPcscReader;
let driver: SessionDriver;

beforeAll(async () => {
  lease = await leaseReaderPair();
  const [first] = lease.readers;
  if (!first) throw new Error('no reader leased');
  reader = first;
  api = await startApiHarness();
  const registered = await api.addKiosk('seven-eleven');
  kiosk = await startKioskRuntime({
    api: registered.client,
    procedures: registered.procedures,
    dataDir: api.dataDir,
    now: api.clock.now,
    timers: new SimulatedClock(),
    tickMs: 3_600_000,
    readerName: reader.name,
  });
  attached = attachPcscReader(kiosk, { sourceOptions: { readerFilter: (name) => name === reader.name } });
  driver = new SessionDriver(kiosk.actor);
}, 60_000);

afterAll(async () => {
  await attached?.stop();
  await kiosk?.close();
  await api?.close();
  lease?.release();
});

describe('kiosk runtime over pcscd + vpcd', () => {
  it('blocked signature PIN → reservation → reset at the kiosk through PC/SC → new PIN verifies → completed', async () => {
    await driver.only('idle');
    expect(kiosk.status()).toMatchObject({ state: 'idle', reader: 'ready', cardPresent: false });

    const cardPath = await api.issueCard('sign-pin-blocked');
    const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
    driver.begin('signature-pin');
    expect(driver.screen).toBe('place-card');

    const card = startVirtualCardProcess(cardPath, reader.port);
    try {
      expect(await driver.runReset(DEFAULT_PINS.auth, NEW_PIN), card.output()).toBe('done');
      expect(kiosk.status().cardPresent).toBe(true);
    } finally {
      await card.stop();
    }
    // The card taken: the kiosk is ready for the next customer once the result screen is done.
    await expect.poll(() => kiosk.status().cardPresent).toBe(false);
    await kiosk.deliverOutbox();
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');

    const check = api.openCard(cardPath);
    await check.selectApplication();
    expect(await check.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
    await check.verifyPin('sign', Buffer.from(NEW_PIN, 'latin1'));
  });
});
