import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock, waitFor } from 'xstate';
import { DEFAULT_PINS } from '../../hardware/pki/card-issue';
import { type KioskRuntime, startKioskRuntime } from '../../kiosk/runtime/kiosk-runtime';
import { simulateReader } from '../../kiosk/runtime/simulated-reader';
import { DEFAULT_TIMING, toViewModel } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';

/** The assembled kiosk (machine + simulated reader + outbox + UI server) against a loopback API. */

let api: ApiHarness;
let kiosk: KioskRuntime;
let cardPath: string;
let stopReader: () => void;
let kioskId: string;
const timers = new SimulatedClock();

beforeAll(async () => {
  api = await startApiHarness();
  const registered = await api.addKiosk('seven-eleven');
  kioskId = registered.kioskId;
  cardPath = await api.issueCard('sign-pin-blocked');
  kiosk = await startKioskRuntime({
    api: registered.client,
    procedures: registered.procedures,
    dataDir: api.dataDir,
    now: api.clock.now,
    timers,
    tickMs: 3_600_000,
  });
  stopReader = simulateReader(kiosk, cardPath);
});

afterAll(async () => {
  stopReader();
  await kiosk.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

const reach = (...screens: string[]) =>
  waitFor(kiosk.actor, (snapshot) => screens.includes(toViewModel(snapshot).screen), { timeout: 20_000 });

function enter(keys: string): void {
  for (const key of keys) kiosk.actor.send({ type: 'pin.key', key });
  kiosk.actor.send({ type: 'pin.submit' });
}

/** The heartbeat the API stored last for this kiosk. */
async function storedHeartbeat() {
  const kiosks = await api.store.listKiosks();
  return kiosks.find((candidate) => candidate.id === kioskId)?.lastHeartbeat;
}

describe('kiosk runtime', () => {
  it('heartbeats the real picture: screen, reader from the reader machine, card, clock, counters, alerts', async () => {
    expect(await kiosk.heartbeat()).toBe(true);
    expect(await storedHeartbeat()).toMatchObject({
      state: 'idle',
      reader: 'ready',
      cardPresent: false,
      version: '0.1.0',
      clock: api.clock.now(),
      counters: { sessions_started: 0, outbox_pending: 0, outbox_rejected: 0 },
      alerts: [],
    });

    // The reader goes: out of service, and the heartbeat says why.
    kiosk.reader.send({ type: 'service.unavailable', reason: 'pcscd stopped' });
    expect(toViewModel(kiosk.actor.getSnapshot()).screen).toBe('out-of-service');
    expect(await kiosk.heartbeat()).toBe(true);
    expect(await storedHeartbeat()).toMatchObject({
      state: 'out-of-service',
      reader: 'unavailable',
      alerts: ['reader-unavailable'],
    });
    kiosk.reader.send({ type: 'service.available' });
    kiosk.reader.send({ type: 'reader.added', reader: 'Simulated reader' });
    expect(toViewModel(kiosk.actor.getSnapshot()).screen).toBe('idle');
    expect(kiosk.alerts()).toEqual([]);
  });

  it('serves the UI and runs a reset whose completion goes through the outbox', async () => {
    const launch = await fetch(kiosk.ui.url, { redirect: 'manual' });
    expect(launch.headers.get('set-cookie')).toMatch(/HttpOnly/i);

    const reservation = await api.reserve(cardPath, 'signature-pin', DEFAULT_PINS.auth);
    kiosk.actor.send({ type: 'session.start' });
    if (toViewModel(kiosk.actor.getSnapshot()).screen === 'choose-procedure') {
      kiosk.actor.send({ type: 'procedure.select', procedure: 'signature-pin' });
    }
    kiosk.actor.send({ type: 'consent.accept' });
    // The simulated reader places the card when asked.
    await reach('enter-current-pin', 'error');
    expect(kiosk.slot.present).toBe(true);
    enter(DEFAULT_PINS.auth);
    await reach('enter-new-pin', 'error');
    enter('RUNTIME7');
    await reach('confirm-new-pin', 'error');
    enter('RUNTIME7');
    await reach('done', 'take-card', 'error');
    expect(toViewModel(kiosk.actor.getSnapshot()).screen).not.toBe('error');

    // The simulated reader takes the card back: the session ends and its facts go out as events.
    await reach('done', 'take-card', 'idle');
    timers.increment(DEFAULT_TIMING.inactivityLimitMs);
    await reach('idle');
    await kiosk.deliverOutbox();
    await kiosk.deliverOutbox();
    const counts = kiosk.outbox.counts();
    expect(counts.pending).toBe(0);
    expect(counts.rejected).toBe(0);
    // Completion + session.started + session.ended at least.
    expect(counts.delivered).toBeGreaterThanOrEqual(3);
    const view = await api.phone.status(reservation.reservationId, reservation.reservationToken);
    expect(view.status).toBe('completed');
    expect(kiosk.status().counters).toMatchObject({ sessions_started: 1, sessions_completed: 1 });
  });
});
