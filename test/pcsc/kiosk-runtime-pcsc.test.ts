import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING, toViewModel } from '../../state-machines/session';
import type { KioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import type { ApiHarness } from '../api/support/api-harness';
import type { SessionDriver } from '../kiosk/support/session-driver';
import { type PcscKiosk, startPcscKiosk } from './support/pcsc-kiosk';
import { startVirtualCardProcess } from '../support/virtual-card-process';
import { PROCEDURE_CASES } from '../kiosk/support/procedure-cases';

/**
 * `--reader pcsc`: the kiosk runtime over the real stack — PcscReaderSource → reader machine →
 * session machine; the card slot's session is a PcscCardTransport to the virtual card process on a
 * leased vpcd reader. A full reset for each procedure, as a customer does it, and a card taken away.
 */

let stack: PcscKiosk;
let api: ApiHarness;
let kiosk: KioskRuntime;
let driver: SessionDriver;
let reader: PcscKiosk['reader'];
let timers: PcscKiosk['timers'];

beforeAll(async () => {
  stack = await startPcscKiosk();
  ({ api, kiosk, driver, reader, timers } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe.each(PROCEDURE_CASES)('kiosk runtime over pcscd + vpcd: $procedure', (scenario) => {
  it('blocked PIN → reservation → reset at the kiosk through PC/SC → new PIN verifies → completed', async () => {
    await driver.only('idle');
    expect(kiosk.status()).toMatchObject({ state: 'idle', reader: 'ready', cardPresent: false });

    const cardPath = await api.issueCard(scenario.persona);
    const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
    driver.begin(scenario.procedure);
    expect(driver.screen).toBe('place-card');

    const card = startVirtualCardProcess(cardPath, reader.port);
    try {
      expect(await driver.runReset(scenario.typedPin, scenario.newPin), card.output()).toBe('done');
      expect(kiosk.status().cardPresent).toBe(true);
    } finally {
      await card.stop();
    }
    // The card taken, the result shown: the kiosk is ready for the next customer.
    await expect.poll(() => kiosk.status().cardPresent).toBe(false);
    timers.increment(DEFAULT_TIMING.inactivityLimitMs);
    await driver.only('idle');
    await kiosk.deliverOutbox();
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
    expect(await scenario.newPinWorks(api.openCard(cardPath))).toBe(true);
  }, 90_000); // a guard against hangs on a loaded machine, not a speed check
});

describe('kiosk runtime over pcscd + vpcd: the card taken away', () => {
  it('mid-session: the session ends with card-removed and the reservation stays usable', async () => {
    const [scenario] = PROCEDURE_CASES;
    if (!scenario) throw new Error('no procedure case');
    await driver.only('idle');
    const cardPath = await api.issueCard(scenario.persona);
    const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
    driver.begin(scenario.procedure);
    const card = startVirtualCardProcess(cardPath, reader.port);
    await driver.only('enter-current-pin');
    await card.stop();
    await driver.only('error');
    expect(toViewModel(kiosk.actor.getSnapshot()).error?.code).toBe('card-removed');
    timers.increment(DEFAULT_TIMING.inactivityLimitMs);
    await driver.only('idle');
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('active');
  }, 90_000);
});
