import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { cardCopies, PROCEDURE_CASES } from './support/procedure-cases';
import { startVirtualCardSession } from './support/virtual-card-session';

/**
 * Closing time across kiosk and API (issue 15, "never refuse after the work"): the real session
 * machine with the runtime's actors over a virtual card, against the API on a loopback port, both on
 * one injected clock (the kiosk's own idea of now moved by `clock.sync`, as the runtime does). A
 * session admitted by its reservation check before 23:00 is claimed and completed in the grace; one
 * not admitted is told E-001 before any PIN, with no try of the card spent.
 */
const [signature] = PROCEDURE_CASES;
if (!signature) throw new Error('no signature-pin case');
const jst = (day: number, time: string) =>
  Date.parse(`2026-12-${String(day).padStart(2, '0')}T${time}+09:00`);

let api: ApiHarness;
let client: KioskApiClient;
let freshCard: (persona: string) => Promise<string>;

beforeAll(async () => {
  api = await startApiHarness();
  freshCard = cardCopies((persona) => api.issueCard(persona));
  const credentials = await enrolKiosk(api.store, {
    chain: 'seven-eleven',
    storeId: 'S-closing',
    actor: 'operator:test',
    now: api.clock.now(),
  });
  client = KioskApiClient.fromCredentials(credentials, { baseUrl: api.baseUrl, now: api.clock.now });
});

afterAll(async () => {
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

/** A reservation made at 20:00 of `day`, and the kiosk (machine + actors + card) started at `kioskAt`. */
async function kioskWithReservation(day: number, kioskAt: string) {
  const cardPath = await freshCard(signature!.persona);
  api.clock.set(jst(day, '20:00'));
  const reservation = await api.reserve(cardPath, 'signature-pin', signature!.provenPin);
  api.clock.set(jst(day, kioskAt));
  const session = startVirtualCardSession({
    cardPath,
    api: client,
    offeredProcedures: ['signature-pin', 'auth-pin'],
    now: api.clock.now,
  });
  /** Both clocks to `time` of the day: the API's, and the kiosk's through a clock sync. */
  const at = (time: string) => {
    api.clock.set(jst(day, time));
    session.actor.send({ type: 'clock.sync', now: api.clock.now() });
  };
  const status = async () =>
    (await api.phone.status(reservation.reservationId, reservation.reservationToken)).status;
  const authTries = async () => {
    const card = api.openCard(cardPath);
    await card.selectApplication();
    return (await card.pinStatus('auth')).triesLeft;
  };
  return { session, at, status, authTries };
}

describe('closing time across kiosk and API (Japan time)', () => {
  it.each([
    ['22:58', '23:02', '23:03'],
    ['22:59:59', '23:03', '23:04'],
  ])(
    'checked at %s: the PIN proven at %s, the claim at %s — granted, the reset completes',
    async (checkAt, proveAt, claimAt) => {
      const day = checkAt === '22:58' ? 1 : 2;
      const { session, at, status } = await kioskWithReservation(day, checkAt);
      const { driver, actor } = session;
      driver.begin('signature-pin');
      actor.send({ type: 'card.inserted' });
      await driver.only('enter-current-pin');
      expect(actor.getSnapshot().context.admitted).toBe(true);

      at(proveAt);
      expect(driver.screen).toBe('enter-current-pin');
      driver.enter(signature!.typedPin);
      await driver.only('enter-new-pin');
      driver.enter(signature!.newPin);
      await driver.only('confirm-new-pin');
      at(claimAt);
      driver.enter(signature!.newPin);
      expect(await driver.reach('done')).toBe('done');
      await session.deliverer.deliver();
      expect(await status()).toBe('completed');
      actor.stop();
    },
  );

  it('23:00:00 on the API while the kiosk still says 22:59:59: E-001 before any PIN, no try spent', async () => {
    const { session, status, authTries } = await kioskWithReservation(3, '22:59:59');
    const { driver, actor } = session;
    const triesBefore = await authTries();
    driver.begin('signature-pin');
    api.clock.set(jst(3, '23:00:00')); // the kiosk's clock is a second slow: it has not closed yet
    actor.send({ type: 'card.inserted' });
    await driver.only('error');
    expect(actor.getSnapshot().context.error).toMatchObject({ id: 'outside-hours' });
    expect(await authTries()).toBe(triesBefore);
    expect(await status()).toBe('active');
    actor.stop();
  });

  it('23:00:00 on both clocks: a session not admitted yet ends at once, and no new one starts', async () => {
    const { session, at } = await kioskWithReservation(4, '22:59:59');
    const { driver, actor } = session;
    driver.begin('signature-pin');
    expect(driver.screen).toBe('place-card');
    at('23:00:00');
    expect(actor.getSnapshot().context.error).toMatchObject({ id: 'outside-hours' });
    actor.send({ type: 'session.continue' });
    expect(driver.screen).toBe('closed');
    actor.send({ type: 'session.start' });
    expect(driver.screen).toBe('closed');
    actor.stop();
  });

  it('23:04 with the kiosk clock 30 s slow: its claim reaches the API at 23:05:20 and is still granted', async () => {
    const { session, status } = await kioskWithReservation(5, '22:59:30');
    const { driver, actor } = session;
    driver.begin('signature-pin');
    actor.send({ type: 'card.inserted' });
    await driver.only('enter-current-pin');
    // The kiosk's clock is 30 s slow: it believes 23:03:30 while the API says 23:04 (the lookup).
    actor.send({ type: 'clock.sync', now: jst(5, '23:03:30') });
    api.clock.set(jst(5, '23:04:00'));
    driver.enter(signature!.typedPin);
    await driver.only('enter-new-pin');
    driver.enter(signature!.newPin);
    await driver.only('confirm-new-pin');
    // The kiosk believes 23:04:50 (inside its grace); the API's clock says 23:05:20.
    actor.send({ type: 'clock.sync', now: jst(5, '23:04:50') });
    api.clock.set(jst(5, '23:05:20'));
    driver.enter(signature!.newPin);
    expect(await driver.reach('done')).toBe('done');
    await session.deliverer.deliver();
    expect(await status()).toBe('completed');
    actor.stop();
  });
});
