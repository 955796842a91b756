import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, createActor, SimulatedClock, waitFor } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { createSessionActors, directSettler } from '../../kiosk/runtime/session-actors';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import {
  createSessionMachine,
  type SessionEvent,
  type Procedure,
  type SessionMachine,
  toViewModel,
} from '../../state-machines/session';
import { type ApiHarness, type HarnessKiosk, startApiHarness } from '../api/support/api-harness';

/**
 * The kiosk runtime's actors driving the REAL session machine, over a virtual card file and the
 * reservation API on a loopback port: DESIGN §3 end to end for the signature PIN.
 */

const NEW_SIGN_PIN = 'KIOSK2026';

let api: ApiHarness;
let kiosk: HarnessKiosk;

beforeAll(async () => {
  api = await startApiHarness();
  kiosk = await api.addKiosk('seven-eleven');
});

afterAll(async () => {
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

/** One kiosk session on `cardPath`: the machine, its runtime, and helpers to drive it. */
function openSession(cardPath: string) {
  const pins = new PinBuffers();
  const card = api.openCard(cardPath);
  const actors = createSessionActors({
    card: () => card,
    api: kiosk.client,
    pins,
    settler: directSettler(kiosk.client),
    now: api.clock.now,
  });
  const machine = createSessionMachine({ actors, pinBuffers: pins });
  const actor: Actor<SessionMachine> = createActor(machine, {
    clock: new SimulatedClock(),
    input: { offeredProcedures: kiosk.procedures, now: api.clock.now() },
  });
  actor.start();
  actor.send({ type: 'reader.ready' });
  const screen = () => toViewModel(actor.getSnapshot()).screen;
  /** Waits until no actor is working, i.e. the screen is one the customer acts on. */
  const settled = (...screens: string[]) =>
    waitFor(actor, (snapshot) => screens.includes(toViewModel(snapshot).screen), { timeout: 20_000 });
  const send = (event: SessionEvent) => actor.send(event);
  const enter = (keys: string) => {
    for (const key of keys) send({ type: 'pin.key', key });
    send({ type: 'pin.submit' });
  };
  return { actor, pins, screen, settled, send, enter };
}

async function startWithCard(
  session: ReturnType<typeof openSession>,
  procedure: Procedure = 'signature-pin',
): Promise<void> {
  session.send({ type: 'session.start' });
  if (session.screen() === 'choose-procedure') {
    session.send({ type: 'procedure.select', procedure });
  }
  session.send({ type: 'consent.accept' });
  session.send({ type: 'card.inserted' });
}

describe('kiosk runtime: full signature-PIN reset through the real session machine', () => {
  it('blocked signature PIN → phone reservation → kiosk reset → new PIN verifies → completed → refused as used', async () => {
    const cardPath = await api.issueCard('sign-pin-blocked');
    const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);

    const first = openSession(cardPath);
    await startWithCard(first);
    await first.settled('enter-current-pin', 'error');
    expect(first.screen()).toBe('enter-current-pin');

    first.enter(DEFAULT_PINS.auth);
    await first.settled('enter-new-pin', 'error');
    expect(first.screen()).toBe('enter-new-pin');
    expect(first.pins.length('current')).toBe(0);

    first.enter(NEW_SIGN_PIN.toLowerCase());
    await first.settled('confirm-new-pin', 'error');
    first.enter(NEW_SIGN_PIN);
    await first.settled('done', 'error');
    const done = toViewModel(first.actor.getSnapshot());
    expect(done.screen).toBe('done');
    expect(first.pins.length('new') + first.pins.length('confirm')).toBe(0);
    first.actor.stop();

    // The card: the signature PIN is the new one, with a fresh counter.
    const card = api.openCard(cardPath);
    await card.selectApplication();
    expect(await card.pinStatus('sign')).toEqual({ triesLeft: 5, blocked: false });
    await card.verifyPin('sign', Buffer.from(NEW_SIGN_PIN, 'latin1'));

    // The API: the reservation is completed.
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');

    // A second session with the same card is refused as already used.
    const second = openSession(cardPath);
    await startWithCard(second);
    await second.settled('enter-current-pin', 'error');
    second.enter(DEFAULT_PINS.auth);
    await second.settled('enter-new-pin', 'error');
    const refused = toViewModel(second.actor.getSnapshot());
    expect(refused.screen).toBe('error');
    expect(refused.error?.code).toBe('reservation-used');
    second.actor.stop();
  });

  it('auth-PIN procedure: blocked 4-digit PIN → reservation proven with the signature PIN → reset → new PIN verifies → completed', async () => {
    const cardPath = await api.issueCard('auth-pin-blocked');
    const reservation = await api.reserve(cardPath, 'auth-pin', DEFAULT_PINS.sign);

    const session = openSession(cardPath);
    await startWithCard(session, 'auth-pin');
    await session.settled('enter-current-pin', 'error');
    session.enter(DEFAULT_PINS.sign.toLowerCase());
    await session.settled('enter-new-pin', 'error');
    session.enter('5678');
    await session.settled('confirm-new-pin', 'error');
    session.enter('5678');
    await session.settled('done', 'error');
    expect(session.screen()).toBe('done');
    session.actor.stop();

    const card = api.openCard(cardPath);
    await card.selectApplication();
    expect(await card.pinStatus('auth')).toEqual({ triesLeft: 3, blocked: false });
    await card.verifyPin('auth', Buffer.from('5678', 'latin1'));
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
  });
});
