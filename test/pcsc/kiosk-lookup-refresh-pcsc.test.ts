import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../../state-machines/session';
import type { KioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { type ApiHarness, Clock } from '../api/support/api-harness';
import type { SessionDriver } from '../kiosk/support/session-driver';
import { type PcscKiosk, startPcscKiosk } from './support/pcsc-kiosk';
import { startVirtualCardProcess } from '../support/virtual-card-process';
import { PROCEDURE_CASES } from '../kiosk/support/procedure-cases';
import { recordKioskCalls } from '../kiosk/support/recorded-kiosk-calls';

/**
 * A customer slow over the new PIN, over the real stack (PcscReaderSource → reader machine →
 * session machine → PcscCardTransport → vpcd → the virtual card process): more than 3 minutes pass
 * on the kiosk's and the API's injected clocks between the PIN proof and the confirmation of the
 * new PIN — past the API's claim binding — and the reset still succeeds: the kiosk has the card
 * sign a new kiosk challenge with the key proven at the start of the session, looks up again, and
 * claims with the new lookup.
 */

let stack: PcscKiosk;
let api: ApiHarness;
let kioskClock: Clock;
let kiosk: KioskRuntime;
let driver: SessionDriver;
let reader: PcscKiosk['reader'];
let timers: PcscKiosk['timers'];
/** The API calls of the kiosk (`recordKioskCalls`). */
const calls: string[] = [];

beforeAll(async () => {
  stack = await startPcscKiosk({
    // Its own clock, moved with the API's, as a kiosk's is.
    now: (harness) => {
      kioskClock = new Clock(harness.clock.now());
      return kioskClock.now;
    },
    onClient: (client) => recordKioskCalls(client, calls),
  });
  ({ api, kiosk, driver, reader, timers } = stack);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

describe.each(PROCEDURE_CASES)('kiosk runtime over pcscd + vpcd: $procedure', (scenario) => {
  it('4 minutes between PIN proof and new-PIN confirmation → looked up again → reset succeeds', async () => {
    await driver.only('idle');
    calls.length = 0;
    const cardPath = await api.issueCard(scenario.persona);
    const reservation = await api.reserve(cardPath, scenario.procedure, scenario.provenPin);
    driver.begin(scenario.procedure);

    const card = startVirtualCardProcess(cardPath, reader.port);
    try {
      await driver.only('enter-current-pin');
      driver.enter(scenario.typedPin);
      expect(await driver.reach('enter-new-pin'), card.output()).toBe('enter-new-pin');
      driver.enter(scenario.newPin);
      expect(await driver.reach('confirm-new-pin'), card.output()).toBe('confirm-new-pin');
      // The customer takes 4 minutes over the confirmation (every key restarts the inactivity
      // timers, so none runs out): both clocks move past the 3-minute claim binding.
      kioskClock.advance(4 * 60_000);
      api.clock.advance(4 * 60_000);
      driver.enter(scenario.newPin);
      expect(await driver.reach(), card.output()).toBe('done');
    } finally {
      await card.stop();
    }
    const [first, second] = calls.filter((call) => call.startsWith('lookup ')).map((call) => call.slice(7));
    expect(second).toBeDefined();
    expect(calls).toEqual([`lookup ${first}`, `lookup ${second}`, `claim ${second} ok`]);

    await expect.poll(() => kiosk.status().cardPresent).toBe(false);
    timers.increment(DEFAULT_TIMING.inactivityLimitMs);
    await driver.only('idle');
    await kiosk.deliverOutbox();
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
    expect(await scenario.newPinWorks(api.openCard(cardPath))).toBe(true);
  }, 90_000); // a guard against hangs on a loaded machine, not a speed check
});
