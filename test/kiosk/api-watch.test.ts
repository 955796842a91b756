import type { HeartbeatRequest } from '../../reservation-api/contract';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { KioskApiClient } from '../../kiosk/api-client/kiosk-api-client';
import { Outbox } from '../../kiosk/journal/outbox';
import { ApiWatch } from '../../kiosk/runtime/api-watch';
import { CardSlot } from '../../kiosk/runtime/card-slot';
import { PinBuffers } from '../../kiosk/runtime/pin-buffers';
import { createSessionActors, directSettler } from '../../kiosk/runtime/session-actors';
import { enrolKiosk } from '../../reservation-api/services/kiosk-registry';
import { createSessionMachine, toViewModel } from '../../state-machines/session';
import { type ApiHarness, startApiHarness } from '../api/support/api-harness';
import { openSwitchableLink, type SwitchableLink } from './switchable-link';

/** Heartbeats tell the machine when the API goes away and comes back. */

let api: ApiHarness;
let link: SwitchableLink;

beforeAll(async () => {
  api = await startApiHarness();
  link = await openSwitchableLink(api.baseUrl);
});

afterAll(async () => {
  await link.close();
  await api.close();
  rmSync(api.dataDir, { recursive: true, force: true });
});

describe('API watch (heartbeats)', () => {
  it('puts the kiosk out of service while heartbeats fail and back in service when they pass', async () => {
    const credentials = await enrolKiosk(api.store, {
      chain: 'seven-eleven',
      storeId: 'S-watch',
      actor: 'operator:test',
      now: api.clock.now(),
    });
    const client = KioskApiClient.fromCredentials(credentials, { baseUrl: link.url, now: api.clock.now });
    const slot = new CardSlot();
    const pins = new PinBuffers();
    const actors = createSessionActors({
      card: () => slot.current(),
      api: client,
      pins,
      settler: directSettler(client),
      now: api.clock.now,
    });
    const actor = createActor(createSessionMachine({ actors, pinBuffers: pins }), {
      clock: new SimulatedClock(),
      input: { offeredProcedures: credentials.procedures, now: api.clock.now() },
    });
    actor.start();
    actor.send({ type: 'reader.ready' });
    const outbox = Outbox.open(':memory:', { now: api.clock.now });
    const watch = new ApiWatch({
      api: client,
      actor,
      heartbeat: () => ({
        state: toViewModel(actor.getSnapshot()).screen,
        reader: 'ready',
        cardPresent: slot.present,
        version: 'test',
        clock: api.clock.now(),
        counters: { outbox_pending: outbox.pendingCount() },
      }),
    });
    const screen = () => toViewModel(actor.getSnapshot()).screen;

    expect(await watch.beat()).toBe(true);
    expect(screen()).toBe('idle');

    link.cut();
    expect(await watch.beat()).toBe(false);
    expect(screen()).toBe('out-of-service');

    link.restore();
    expect(await watch.beat()).toBe(true);
    expect(screen()).toBe('idle');
    actor.stop();
    outbox.close();
  });

  it('idle() resolves only once every heartbeat sent has its answer (a closing kiosk waits for it)', async () => {
    const credentials = await enrolKiosk(api.store, {
      chain: 'seven-eleven',
      storeId: 'S-watch-idle',
      actor: 'operator:test',
      now: api.clock.now(),
    });
    const client = KioskApiClient.fromCredentials(credentials, { baseUrl: link.url, now: api.clock.now });
    let answered = 0;
    const counting = {
      heartbeat: async (request: HeartbeatRequest) => {
        try {
          return await client.heartbeat(request);
        } finally {
          answered += 1;
        }
      },
    } as unknown as KioskApiClient;
    const actor = createActor(
      createSessionMachine({
        actors: createSessionActors({
          card: () => new CardSlot().current(),
          api: client,
          pins: new PinBuffers(),
          settler: directSettler(client),
          now: api.clock.now,
        }),
        pinBuffers: new PinBuffers(),
      }),
      {
        clock: new SimulatedClock(),
        input: { offeredProcedures: credentials.procedures, now: api.clock.now() },
      },
    );
    actor.start();
    const watch = new ApiWatch({
      api: counting,
      actor,
      heartbeat: () => ({
        state: 'idle',
        reader: 'ready',
        cardPresent: false,
        version: 'test',
        clock: api.clock.now(),
        counters: {},
      }),
    });
    void watch.beat();
    void watch.beat();
    await watch.idle();
    expect(answered).toBe(2);
    await watch.idle();
    actor.stop();
  });
});
